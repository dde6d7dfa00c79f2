// User actions that involve both the editor and the store.
import type { StoreApi } from 'zustand/vanilla';
import {
  clearAnchor,
  closeSuggestWidget,
  createTabModel,
  currentText,
  disposeTabModel,
  focusEditor,
  insertAtAnchor,
  markTabSaved,
  setTabLanguage,
  showTab,
  tabCursorLine,
  tabIsDirty,
  tabText,
  takePrompt,
} from './editor-host.ts';
import { cycledTab, tabWithPath, untitledName } from './tabs.ts';
import { dismissGhost } from './ghost-text.ts';
import { openFile, saveFile, type OpenResult } from './files.ts';
import type { HostFiles, MenuCommand } from '../protocol/desktop.ts';
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

/**
 * Shows tab `id`: the tab being left gives the context ring the lines around its cursor (so requests in
 * other tabs see what was just worked on), its run ends (store.activateTab), and the editor shows `id`.
 */
export function switchTab(store: StoreApi<AppState>, id: string): void {
  const s = store.getState();
  if (id === s.activeTab || !s.tabs.some((t) => t.id === id)) return;
  const leaving = s.activeTab;
  s.pickContext(leaving, tabText(leaving), tabCursorLine(leaving));
  clearAnchor();
  dismissGhost();
  s.activateTab(id);
  showTab(id);
  focusEditor();
}

/** A new untitled tab (toolbar +, F1 "Fanout: New Tab", desktop File > New Tab). */
export function newTab(store: StoreApi<AppState>): void {
  openInNewTab(store, { name: untitledName(store.getState().tabs), text: '' });
}

function openInNewTab(store: StoreApi<AppState>, f: { name: string; path?: string; text: string; dirty?: boolean }): string {
  const s = store.getState();
  const leaving = s.activeTab;
  s.pickContext(leaving, tabText(leaving), tabCursorLine(leaving));
  clearAnchor();
  dismissGhost();
  const id = s.addTab({ name: f.name, path: f.path, dirty: f.dirty });
  createTabModel(id, f.name, f.text, { dirty: f.dirty });
  showTab(id);
  focusEditor();
  return id;
}

/** The next (+1) or previous (−1) tab, wrapping. */
export function cycleTab(store: StoreApi<AppState>, delta: number): void {
  const s = store.getState();
  switchTab(store, cycledTab(s.tabs, s.activeTab, delta));
}

/**
 * Closes tab `id` (default: the active one). A tab with unsaved edits asks first (`confirm`); its lines
 * around the cursor stay in the context ring as a recent file.
 */
export function closeTabAction(store: StoreApi<AppState>, id?: string, confirm: (msg: string) => boolean = (m) => window.confirm(m)): void {
  const s = store.getState();
  const tab = s.tabs.find((t) => t.id === (id ?? s.activeTab));
  if (!tab) return;
  if (tabIsDirty(tab.id) && !confirm(`${tab.name} has changes that are not saved. Close it anyway?`)) return;
  s.pickContext(tab.id, tabText(tab.id), tabCursorLine(tab.id));
  if (tab.id === s.activeTab) {
    clearAnchor();
    dismissGhost();
  }
  const next = s.closeTab(tab.id);
  // The last tab's replacement is new: give it a model before showing it (a no-op for an existing tab).
  createTabModel(next, store.getState().file.name, '');
  showTab(next);
  disposeTabModel(tab.id);
  focusEditor();
}

/**
 * Shows an opened file: its tab if the file (same path, desktop) is already open, else a new tab with
 * its text, language from its name. Nothing in the other tabs changes, so nothing typed is lost and Save
 * in each tab writes that tab's file.
 */
export function showFile(store: StoreApi<AppState>, f: OpenResult): void {
  const s = store.getState();
  const open = tabWithPath(s.tabs, f.path);
  if (open) {
    switchTab(store, open.id);
    return;
  }
  const id = openInNewTab(store, { name: f.name, path: f.path, text: f.text });
  // A file's head (imports, declarations) is context for the other tabs from the moment it is open.
  store.getState().pickContext(id, f.text, 0);
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
    const tab = store.getState().activeTab;
    const saved = await saveFile(files, { name: file.name, path: opts.saveAs ? undefined : file.path, text: currentText() });
    if (!saved) return;
    // A browser download is a copy, not the file: only a save to a path (desktop) clears the unsaved mark.
    if (saved.path) {
      markTabSaved(tab);
      store.getState().setTabDirty(tab, false);
    }
    if (store.getState().activeTab === tab && (saved.name !== file.name || saved.path !== file.path)) {
      store.getState().setFile(saved);
      setTabLanguage(tab, saved.name);
    }
    store.getState().pickContext(tab, tabText(tab), tabCursorLine(tab));
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
    case 'new-tab':
      return newTab(store);
    case 'close-tab':
      return closeTabAction(store);
    case 'next-tab':
      return cycleTab(store, 1);
    case 'previous-tab':
      return cycleTab(store, -1);
    case 'load-model':
      // Becomes the model setting once it has loaded (store.loadModel).
      store.getState().loadModel(cmd.path);
      return;
  }
}
