// Every keyboard shortcut the app has, in one table: the shortcuts overlay (the ? button, the ? key, the
// F1 palette's "Fanout: Show Keyboard Shortcuts") lists it, and README.md's table is checked against it
// (shortcuts.test.ts), so the two cannot disagree. A new shortcut goes here first.

export interface Shortcut {
  /** As README.md writes them: `Ctrl/Cmd` is Ctrl, or Cmd on macOS; alternatives by " / " or ", ". */
  keys: string;
  does: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: 'Tab', does: 'accept the whole ghost text (the run ends: its cards clear)' },
  { keys: 'Ctrl/Cmd+→', does: 'accept the next word; the rest stays as ghost text' },
  { keys: 'Shift+Tab', does: 'accept the next line; again for each further line' },
  { keys: 'Alt+] / Alt+[', does: 'next / previous alternative as ghost text (in the panel: the selection)' },
  { keys: 'Esc', does: 'hide the ghost text; cancel a running request; close the panel' },
  { keys: 'Ctrl/Cmd+Enter', does: 'sample n candidates into the panel (closes Monaco\'s list); before the model is ready the request waits, then runs' },
  { keys: 'Up/Down, Enter', does: 'while the panel is active (after Ctrl/Cmd+Enter, cursor where it was): select, insert (one undo step)' },
  { keys: 'Ctrl+Space', does: 'Monaco\'s own suggestion list (it opens only on request, never while typing)' },
  { keys: 'Ctrl/Cmd+O', does: 'open a file (desktop: File > Open…; browser: a file picker)' },
  { keys: 'Ctrl/Cmd+S', does: 'save (desktop: back to the file, or where you choose; browser: a download)' },
  { keys: 'Ctrl/Cmd+Shift+S', does: 'save as… (desktop app)' },
  { keys: 'Alt+N', does: 'a new file in a new tab (desktop: also Ctrl/Cmd+N)' },
  { keys: 'Alt+W', does: 'close the tab, asking first if it has unsaved changes (desktop: also Ctrl/Cmd+W)' },
  { keys: 'Alt+PageDown / Alt+PageUp', does: 'next / previous tab (desktop: also Ctrl+Tab / Ctrl+Shift+Tab)' },
  { keys: 'Ctrl/Cmd+Shift+M', does: 'open a model folder (desktop app)' },
  { keys: 'Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z', does: 'undo, redo (per tab): an insertion is one step' },
  { keys: 'F1', does: 'the command palette: the Fanout: commands (generate, accept, open, save, settings, theme, …) and the editor\'s own' },
  { keys: '?', does: 'this list (outside the editor; also the ? button in the toolbar)' },
];

/** `Ctrl/Cmd` spelled for this platform. */
export function displayKeys(keys: string, mac: boolean): string {
  return keys.replace(/Ctrl\/Cmd/g, mac ? 'Cmd' : 'Ctrl');
}

/** The table as README.md has it. */
export function shortcutsMarkdown(): string {
  return ['| key | does |', '|---|---|', ...SHORTCUTS.map((s) => `| ${s.keys} | ${s.does} |`)].join('\n');
}
