import { describe, expect, it } from 'vitest';
import { activeAfterClose, cycledTab, tabWithPath, untitledName, type Tab } from './tabs.ts';

const tab = (id: string, name = `${id}.ts`, path?: string): Tab => ({ id, name, path, dirty: false });

describe('tabs', () => {
  it('names new files with the first free untitled name', () => {
    expect(untitledName([])).toBe('untitled.ts');
    expect(untitledName([tab('a', 'untitled.ts'), tab('b', 'untitled-3.ts')])).toBe('untitled-2.ts');
    expect(untitledName([tab('a', 'untitled.py')], '.py')).toBe('untitled-2.py');
  });

  it('after a close shows the active tab, else the right neighbour, else the left one', () => {
    const ts = [tab('a'), tab('b'), tab('c')];
    expect(activeAfterClose(ts, 'a', 'b')).toBe('b');
    expect(activeAfterClose(ts, 'b', 'b')).toBe('c');
    expect(activeAfterClose(ts, 'c', 'c')).toBe('b');
    expect(activeAfterClose([tab('a')], 'a', 'a')).toBeUndefined();
  });

  it('cycles with wrap-around and finds a tab by path', () => {
    const ts = [tab('a'), tab('b', 'b.ts', '/p/b.ts'), tab('c')];
    expect(cycledTab(ts, 'c', 1)).toBe('a');
    expect(cycledTab(ts, 'a', -1)).toBe('c');
    expect(tabWithPath(ts, '/p/b.ts')?.id).toBe('b');
    expect(tabWithPath(ts, undefined)).toBeUndefined();
  });
});
