// Open files as tabs: the list's pure rules (names for new files, which tab is shown after a close,
// cycling). The texts live in Monaco models (editor-host.ts); the list lives in the store.

export interface Tab {
  /** Stable for the tab's life; names can repeat (two files called index.ts from different folders). */
  id: string;
  /** Base name; picks the language. */
  name: string;
  /** Desktop only: where Save writes. */
  path?: string;
  /** Edited since it was opened or last saved. */
  dirty: boolean;
}

/** `untitled.ts`, else `untitled-2.ts`, `untitled-3.ts`, …: the first name no open tab has. */
export function untitledName(tabs: readonly Pick<Tab, 'name'>[], ext = '.ts'): string {
  const taken = new Set(tabs.map((t) => t.name));
  if (!taken.has(`untitled${ext}`)) return `untitled${ext}`;
  for (let i = 2; ; i++) if (!taken.has(`untitled-${i}${ext}`)) return `untitled-${i}${ext}`;
}

/** The tab shown after closing `closing`: the active one stays, else its right neighbour, else the left. */
export function activeAfterClose(tabs: readonly Tab[], closing: string, active: string): string | undefined {
  if (closing !== active) return active;
  const i = tabs.findIndex((t) => t.id === closing);
  const rest = tabs.filter((t) => t.id !== closing);
  if (!rest.length) return undefined;
  return rest[Math.min(Math.max(i, 0), rest.length - 1)].id;
}

/** The tab `delta` places from `active`, wrapping around. */
export function cycledTab(tabs: readonly Tab[], active: string, delta: number): string {
  const i = tabs.findIndex((t) => t.id === active);
  if (i < 0 || !tabs.length) return active;
  return tabs[(((i + delta) % tabs.length) + tabs.length) % tabs.length].id;
}

/** An open tab of the file at `path` (desktop), so opening it again shows that tab instead of a copy. */
export function tabWithPath(tabs: readonly Tab[], path: string | undefined): Tab | undefined {
  return path ? tabs.find((t) => t.path === path) : undefined;
}
