import { describe, expect, it } from 'vitest';
import { clampSideWidth, defaultSideWidth, EDITOR_MIN, LAYOUT_KEY, loadSideWidth, saveSideWidth, SIDE_MIN } from './layout.ts';

describe('layout: the candidates panel width', () => {
  it('keeps the panel and the editor usable whatever is dragged', () => {
    expect(clampSideWidth(10, 1400)).toBe(SIDE_MIN);
    expect(clampSideWidth(5000, 1400)).toBe(1400 - EDITOR_MIN);
    expect(clampSideWidth(500.4, 1400)).toBe(500);
    // A window too narrow for both: the panel keeps its minimum.
    expect(clampSideWidth(400, 300)).toBe(SIDE_MIN);
    expect(defaultSideWidth(1400)).toBe(588);
    expect(defaultSideWidth(900)).toBe(378);
  });

  it('is saved and read back; anything unreadable means the default', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    expect(loadSideWidth(storage)).toBeUndefined();
    saveSideWidth(storage, 432.6);
    expect(loadSideWidth(storage)).toBe(433);
    m.set(LAYOUT_KEY, '{"sideWidth":"wide"}');
    expect(loadSideWidth(storage)).toBeUndefined();
    m.set(LAYOUT_KEY, 'not json');
    expect(loadSideWidth(storage)).toBeUndefined();
  });
});
