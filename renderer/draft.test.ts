import { describe, expect, it } from 'vitest';
import { DEFAULT_DRAFT, DRAFT_KEY, DRAFT_KEY_V1, loadDraft, MAX_DRAFT_TABS, saveDraft } from './draft.ts';

const storage = (items: Record<string, string>) => ({ getItem: (k: string) => items[k] ?? null });

describe('draft', () => {
  it('round-trips every tab and the active one', () => {
    const items: Record<string, string> = {};
    const draft = { tabs: [{ name: 'a.ts', text: 'x' }, { name: 'b.py', path: '/p/b.py', text: 'y', dirty: true }], active: 1 };
    expect(saveDraft({ setItem: (k, v) => void (items[k] = v) }, draft)).toBe(true);
    expect(loadDraft(storage(items))).toEqual(draft);
  });

  it("carries over the one-file draft of before tabs", () => {
    expect(loadDraft(storage({ [DRAFT_KEY_V1]: JSON.stringify({ text: 'old', fileName: 'old.ts' }) }))).toEqual({ tabs: [{ name: 'old.ts', text: 'old' }], active: 0 });
  });

  it('drops what is malformed and falls back to the example; bounds the number of tabs', () => {
    expect(loadDraft(storage({ [DRAFT_KEY]: '{' }))).toEqual(DEFAULT_DRAFT);
    expect(loadDraft(storage({ [DRAFT_KEY]: JSON.stringify({ tabs: [{ name: '', text: 'x' }, { name: 'a', text: 3 }] }) }))).toEqual(DEFAULT_DRAFT);
    const some = loadDraft(storage({ [DRAFT_KEY]: JSON.stringify({ tabs: [{ name: 'a.ts', text: 'x', path: 7 }, null], active: 9 }) }));
    expect(some).toEqual({ tabs: [{ name: 'a.ts', text: 'x' }], active: 0 });
    const many = Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}.ts`, text: '' }));
    expect(loadDraft(storage({ [DRAFT_KEY]: JSON.stringify({ tabs: many, active: 0 }) })).tabs).toHaveLength(MAX_DRAFT_TABS);
  });

  it('reports a refused write', () => {
    expect(saveDraft({ setItem: () => { throw new Error('quota'); } }, DEFAULT_DRAFT)).toBe(false);
  });
});
