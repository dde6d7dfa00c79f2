// User actions that involve both the editor and the store.
import type { StoreApi } from 'zustand/vanilla';
import { clearAnchor, closeSuggestWidget, currentText, focusEditor, insertAtAnchor, replaceText, setLanguage, takePrompt, watchUndoRedo } from './editor-host.ts';
import { dismissGhost } from './ghost-text.ts';
import { openFile, saveFile, type OpenResult } from './files.ts';
import { OpenHistory } from './open-history.ts';
import type { HostFiles, MenuCommand } from './host-api.ts';
import { rankedGroups, type AppState } from './store.ts';

/** Ctrl/Cmd+Enter: sample candidates for the cursor position (replacing a running automatic request). */
export function generateAtCursor(store: StoreApi<AppState>): void {
  const s = store.getState();
  if (s.run?.status === 'generating' && s.runKind === 'explicit') return;
  closeSuggestWidget();
  const prompt = takePrompt(s.file.name);
  if (!prompt) return;
  s.generate(prompt);
  if (store.getState().run?.status !== 'generating') clearAnchor(); // not sent: nothing to anchor
}

/** Inserts the candidate at `index` (default: the selected one) and closes the list. */
export function acceptCandidate(store: StoreApi<AppState>, index?: number): void {
  const s = store.getState();
  const group = rankedGroups(s)[index ?? s.selected];
  if (!group) return;
  closeSuggestWidget();
  // The run is over once one of its candidates is in (cancelled if still decoding: a card clicked early).
  if (insertAtAnchor(group.text)) s.acceptedSuggestion();
}

/**
 * Esc: hides the ghost text (until the next edit) and Monaco's list; cancels a running request (an
 * automatic one is dropped, cards and all), otherwise closes the list. Focus goes back to the editor.
 */
export function escape(store: StoreApi<AppState>): void {
  const s = store.getState();
  closeSuggestWidget();
  dismissGhost();
  if (s.runKind === 'auto' && s.run) s.dropAuto();
  else if (s.run?.status === 'generating') s.cancel();
  else if (s.run) {
    s.dismiss();
    clearAnchor();
  }
  focusEditor();
}

const opens = new OpenHistory();

/**
 * Shows a file in the editor (its language from the name); Save writes back to `path` when known. The
 * open is one undo step, and undoing it brings back the previous file's name and path with its text (so
 * Save never writes the old text under the opened file's name); redo brings the opened file back.
 */
export function showFile(store: StoreApi<AppState>, f: OpenResult): void {
  const from = store.getState().file;
  const to = { name: f.name, path: f.path };
  const versions = replaceText(f.text, f.name);
  store.getState().setFile(to);
  if (versions) {
    opens.opened(versions.before, from, versions.after, to);
    watchUndoRedo((version) => {
      const file = opens.fileAt(version);
      const now = store.getState().file;
      if (!file || (file.name === now.name && file.path === now.path)) return;
      store.getState().setFile(file);
      setLanguage(file.name);
    });
  }
  focusEditor();
}

/** Open (toolbar, File > Open…): the native dialog on the desktop, a file input in a browser. */
export async function openFileAction(store: StoreApi<AppState>, files: HostFiles | undefined): Promise<void> {
  try {
    const f = await openFile(files);
    if (f) showFile(store, f);
  } catch (e) {
    store.getState().showError({
      code: 'open-failed',
      message: `Could not open the file: ${(e as Error).message}.`,
      hint: 'The editor text is unchanged. Check the file is readable text and try again.',
    });
  }
  focusEditor();
}

/**
 * Save (toolbar, File > Save): back to the file's path when it has one, else the save dialog (desktop) or
 * a download (browser). `saveAs` (File > Save As…) always asks where.
 */
export async function saveFileAction(store: StoreApi<AppState>, files: HostFiles | undefined, opts: { saveAs?: boolean } = {}): Promise<void> {
  const file = store.getState().file;
  try {
    const saved = await saveFile(files, { name: file.name, path: opts.saveAs ? undefined : file.path, text: currentText() });
    if (saved && (saved.name !== file.name || saved.path !== file.path)) {
      store.getState().setFile(saved);
      setLanguage(saved.name);
    }
  } catch (e) {
    store.getState().showError({
      code: 'save-failed',
      message: `Could not save ${file.name}: ${(e as Error).message}.`,
      hint: 'Your text is still in the editor and in the local draft. Try another location.',
    });
  }
  focusEditor();
}

/** Carries out a command from the desktop app's menu (electron/menu.ts). */
export function runMenuCommand(store: StoreApi<AppState>, files: HostFiles | undefined, cmd: MenuCommand): void {
  switch (cmd.type) {
    case 'open':
      void openFileAction(store, files);
      return;
    case 'save':
      void saveFileAction(store, files);
      return;
    case 'save-as':
      void saveFileAction(store, files, { saveAs: true });
      return;
    case 'open-file':
      showFile(store, { name: cmd.file.name, path: cmd.file.path, text: cmd.file.text });
      return;
    case 'load-model':
      // Becomes the model setting once it has loaded (store.loadModel).
      store.getState().loadModel(cmd.path);
      return;
  }
}
