// The editor's open files kept in localStorage, so a crash, reload or lost host never loses what was
// typed: every tab's name, path, text, whether it has unsaved edits, and which tab is shown.
export interface DraftTab {
  name: string;
  path?: string;
  text: string;
  dirty?: boolean;
}

export interface Draft {
  tabs: DraftTab[];
  /** Index into `tabs` of the tab shown. */
  active: number;
}

export const DRAFT_KEY = 'fanout.draft.v2';
/** One file, before tabs: `{ text, fileName }`; read once and carried over. */
export const DRAFT_KEY_V1 = 'fanout.draft.v1';

export const EXAMPLE_TEXT = [
  '// Type code, put the cursor where a completion should go and press Ctrl/Cmd+Enter.',
  'function fibonacci(n: number): number {',
  '  ',
  '}',
  '',
].join('\n');

export const DEFAULT_DRAFT: Draft = { tabs: [{ name: 'untitled.ts', text: EXAMPLE_TEXT }], active: 0 };

/** Most tabs a draft restores (a corrupted or hostile draft cannot make the editor create thousands). */
export const MAX_DRAFT_TABS = 64;

export function loadDraft(storage: Pick<Storage, 'getItem'>): Draft {
  try {
    const raw = JSON.parse(storage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null;
    if (raw && Array.isArray(raw.tabs)) {
      const tabs = raw.tabs.filter(isDraftTab).slice(0, MAX_DRAFT_TABS).map((t) => ({
        name: t.name,
        text: t.text,
        ...(typeof t.path === 'string' && t.path ? { path: t.path } : {}),
        ...(t.dirty === true ? { dirty: true } : {}),
      }));
      if (tabs.length) {
        const active = Number.isInteger(raw.active) && raw.active! >= 0 && raw.active! < tabs.length ? raw.active! : 0;
        return { tabs, active };
      }
    }
  } catch {
    // Unreadable draft: try the older one, then the example, rather than failing to start.
  }
  try {
    const v1 = JSON.parse(storage.getItem(DRAFT_KEY_V1) ?? 'null') as { text?: unknown; fileName?: unknown } | null;
    if (v1 && typeof v1.text === 'string' && typeof v1.fileName === 'string' && v1.fileName) {
      return { tabs: [{ name: v1.fileName, text: v1.text }], active: 0 };
    }
  } catch {
    // fall through
  }
  return DEFAULT_DRAFT;
}

function isDraftTab(t: unknown): t is DraftTab {
  const o = t as Partial<DraftTab> | null;
  return !!o && typeof o === 'object' && typeof o.name === 'string' && o.name.length > 0 && o.name.length <= 255 && typeof o.text === 'string';
}

/** Returns false when the storage refused the write (quota), so the caller can warn once. */
export function saveDraft(storage: Pick<Storage, 'setItem'>, draft: Draft): boolean {
  try {
    storage.setItem(DRAFT_KEY, JSON.stringify(draft));
    return true;
  } catch {
    return false;
  }
}
