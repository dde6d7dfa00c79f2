// The page's own keys, for when the focus is outside the editor (Monaco handles its keys itself and
// prevents their default). Pure: App.tsx carries out what this returns.

export type PageKeyAction = 'generate' | 'cancel' | 'open' | 'save' | 'shortcuts' | 'palette';

export interface PageKeyContext {
  /** A request is in flight (Esc cancels it). */
  generating: boolean;
  /**
   * The desktop app's menu has Ctrl/Cmd+O and +S (its accelerators run the same actions): the page must
   * not run them a second time. In a browser nothing else does, and the browser's own dialogs would open.
   */
  appMenu: boolean;
  /** The focus is in a text field (settings) where `?` is typed, not a command. */
  typing: boolean;
}

export function pageKeyAction(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>, ctx: PageKeyContext): PageKeyAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod && !e.altKey && key === 'Enter') return 'generate';
  if (key === 'Escape' && ctx.generating) return 'cancel';
  if (mod && !e.altKey && !e.shiftKey && !ctx.appMenu) {
    if (key === 'o') return 'open';
    if (key === 's') return 'save';
  }
  if (key === 'F1' && !mod) return 'palette';
  if (e.key === '?' && !mod && !e.altKey && !ctx.typing) return 'shortcuts';
  return null;
}
