import { describe, expect, it } from 'vitest';
import { pageKeyAction, type PageKeyContext } from './keyboard.ts';

const key = (k: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {}) => ({
  key: k,
  ctrlKey: !!mods.ctrl,
  metaKey: !!mods.meta,
  shiftKey: !!mods.shift,
  altKey: !!mods.alt,
});
const web: PageKeyContext = { generating: false, appMenu: false, typing: false };

describe('page keys', () => {
  it('Ctrl/Cmd+S and +O save and open in a browser, instead of its own dialogs', () => {
    expect(pageKeyAction(key('s', { ctrl: true }), web)).toBe('save');
    expect(pageKeyAction(key('S', { meta: true }), web)).toBe('save');
    expect(pageKeyAction(key('o', { ctrl: true }), web)).toBe('open');
    // The desktop menu's accelerators already do these.
    expect(pageKeyAction(key('s', { ctrl: true }), { ...web, appMenu: true })).toBeNull();
    expect(pageKeyAction(key('s', { ctrl: true, shift: true }), web)).toBeNull();
  });

  it('generate, cancel, the palette and the shortcuts list', () => {
    expect(pageKeyAction(key('Enter', { ctrl: true }), web)).toBe('generate');
    expect(pageKeyAction(key('Escape'), web)).toBeNull();
    expect(pageKeyAction(key('Escape'), { ...web, generating: true })).toBe('cancel');
    expect(pageKeyAction(key('F1'), web)).toBe('palette');
    expect(pageKeyAction(key('?', { shift: true }), web)).toBe('shortcuts');
    expect(pageKeyAction(key('?', { shift: true }), { ...web, typing: true })).toBeNull();
  });
});
