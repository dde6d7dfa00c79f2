// Asking before the editor window closes, or the app quits, while tabs have unsaved edits. The editor page
// reports how many of its tabs are dirty (IPC.unsavedFiles; the count only, never the text). Their text is
// not lost by closing: the page keeps every tab, edits included, in its draft (renderer/draft.ts, written
// to localStorage as the user types and when the page unloads) and shows them again the next time the app
// opens. What closing skips is saving the edits to their files, so that is what the dialog says.

/** How the window goes away: its own close (title bar, Ctrl+W on the window) or the app quitting. */
export type CloseKind = 'close' | 'quit';

export interface UnsavedPrompt {
  message: string;
  detail: string;
  buttons: string[];
  /** The button Enter presses, and the one Escape (or closing the dialog) presses. */
  defaultId: number;
  cancelId: number;
}

/** Index of the button that goes on with the close or quit; the other one cancels. */
export const PROCEED_BUTTON = 0;

/** The dialog for `count` (≥ 1) unsaved files. */
export function unsavedPrompt(count: number, kind: CloseKind): UnsavedPrompt {
  const files = count === 1 ? '1 unsaved file' : `${count} unsaved files`;
  const verb = kind === 'quit' ? 'Quit' : 'Close';
  const [its, them, where] = count === 1 ? ['Its', 'it', 'that tab'] : ['Their', 'them', 'each tab marked as unsaved'];
  return {
    message: `${verb} Fanout with ${files}?`,
    detail:
      `${its} text stays in Fanout's draft and comes back the next time you open Fanout, but the edits are not saved to any file. ` +
      `To save ${them}, choose Cancel, then File > Save in ${where}.`,
    buttons: [verb, 'Cancel'],
    defaultId: 1,
    cancelId: 1,
  };
}

/**
 * What a close or quit does now: go on (nothing unsaved, or the user already agreed), ask (stop it and
 * show the dialog), or wait (stop it: the dialog is already open).
 */
export function closeDecision(s: { unsaved: number; confirmed: boolean; asking: boolean }): 'proceed' | 'ask' | 'wait' {
  if (s.confirmed || s.unsaved === 0) return 'proceed';
  return s.asking ? 'wait' : 'ask';
}

/** One editor window's unsaved count and whether its user agreed to close it anyway. */
export class UnsavedGuard {
  private unsaved = 0;
  private confirmed = false;
  private asking = false;

  /** `ask` shows the dialog; true when the user chose PROCEED_BUTTON. */
  constructor(
    private readonly ask: (prompt: UnsavedPrompt) => Promise<boolean>,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The editor page's report: how many tabs have unsaved edits now. */
  report(count: number): void {
    this.unsaved = count;
  }

  /**
   * For a cancellable 'close' (BrowserWindow) or 'before-quit' (app) event: returns true when it goes on;
   * otherwise it was stopped and the dialog asks; if the user agrees, `proceed` runs (closing or quitting
   * again, which then goes through).
   */
  intercept(kind: CloseKind, event: { preventDefault(): void }, proceed: () => void): boolean {
    const d = closeDecision({ unsaved: this.unsaved, confirmed: this.confirmed, asking: this.asking });
    if (d === 'proceed') return true;
    event.preventDefault();
    if (d === 'wait') return false;
    this.asking = true;
    const agreed = (ok: boolean) => {
      this.asking = false;
      if (!ok) return;
      this.confirmed = true;
      proceed();
    };
    this.ask(unsavedPrompt(this.unsaved, kind)).then(agreed, (e: unknown) => {
      // A dialog that cannot be shown must not keep the window open for good; the draft has the text.
      this.log(`unsaved-files dialog failed (${(e as Error)?.message ?? String(e)}); closing anyway`);
      agreed(true);
    });
    return false;
  }
}
