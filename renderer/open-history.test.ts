import { describe, expect, it } from 'vitest';
import { OpenHistory } from './open-history.ts';

describe('OpenHistory', () => {
  it('gives the file on each side of an open, for undo and redo to restore', () => {
    const h = new OpenHistory();
    const untitled = { name: 'untitled.ts' };
    const a = { name: 'a.py', path: '/w/a.py' };
    const b = { name: 'b.rs', path: '/w/b.rs' };
    h.opened(3, untitled, 4, a);
    // Edits after the open (versions 5, 6) are not open boundaries.
    h.opened(6, a, 7, b);
    expect(h.fileAt(7)).toEqual(b);
    expect(h.fileAt(6)).toEqual(a); // undo the second open
    expect(h.fileAt(5)).toBeUndefined(); // undo an edit inside a.py
    expect(h.fileAt(3)).toEqual(untitled); // undo the first open
    expect(h.fileAt(4)).toEqual(a); // redo it
    h.clear();
    expect(h.fileAt(4)).toBeUndefined();
  });
});
