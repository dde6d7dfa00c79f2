import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { displayKeys, SHORTCUTS, shortcutsMarkdown } from './shortcuts.ts';

describe('shortcuts', () => {
  it('README.md lists exactly the table the overlay shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme, 'update README.md\'s "Keyboard shortcuts" table to shortcutsMarkdown()').toContain(shortcutsMarkdown());
  });

  it('spells Mod for the platform; no two rows claim the same keys', () => {
    expect(displayKeys('Ctrl/Cmd+Shift+S', true)).toBe('Cmd+Shift+S');
    expect(displayKeys('Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z', false)).toBe('Ctrl+Z, Ctrl+Shift+Z');
    expect(displayKeys('Ctrl+Space', true)).toBe('Ctrl+Space');
    const keys = SHORTCUTS.map((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
