// The editor text kept in localStorage, so a crash, reload or lost host never loses what was typed.
export interface Draft {
  text: string;
  fileName: string;
}

export const DRAFT_KEY = 'fanout.draft.v1';

export const DEFAULT_DRAFT: Draft = {
  fileName: 'untitled.ts',
  text: [
    '// Type code, put the cursor where a completion should go and press Ctrl/Cmd+Enter.',
    'function fibonacci(n: number): number {',
    '  ',
    '}',
    '',
  ].join('\n'),
};

export function loadDraft(storage: Pick<Storage, 'getItem'>): Draft {
  try {
    const raw = JSON.parse(storage.getItem(DRAFT_KEY) ?? 'null') as Partial<Draft> | null;
    if (raw && typeof raw.text === 'string' && typeof raw.fileName === 'string' && raw.fileName) {
      return { text: raw.text, fileName: raw.fileName };
    }
  } catch {
    // Unreadable draft: fall through to the example rather than failing to start.
  }
  return DEFAULT_DRAFT;
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
