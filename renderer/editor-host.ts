// The one Monaco editor of the window and what the app does with it: read the prompt at the cursor,
// remember where the request was made (a tracked decoration, so edits above it move it along), insert a
// chosen candidate there as one undo step, and one model per open tab.
import * as monaco from './monaco.ts';
import { languageForFileName } from './language.ts';
import type { RunPrompt } from './store.ts';

let editor: monaco.editor.IStandaloneCodeEditor | undefined;
let anchor: monaco.editor.IEditorDecorationsCollection | undefined;

export function attachEditor(e: monaco.editor.IStandaloneCodeEditor): void {
  editor = e;
  anchor = e.createDecorationsCollection();
}

export function detachEditor(): void {
  anchor?.clear();
  shownTab = undefined;
  editor = undefined;
  anchor = undefined;
}

export function getEditor(): monaco.editor.IStandaloneCodeEditor | undefined {
  return editor;
}

/** Text before and after the cursor; also marks the cursor as the place candidates go. */
export function takePrompt(fileName: string): RunPrompt | undefined {
  const model = editor?.getModel();
  const pos = editor?.getPosition();
  if (!editor || !model || !pos) return undefined;
  const offset = model.getOffsetAt(pos);
  const text = model.getValue();
  anchor?.set([
    {
      range: new monaco.Range(pos.lineNumber, pos.column, pos.lineNumber, pos.column),
      // Typing exactly at the anchor must not drag it along: it stays where the request was made.
      options: { stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges },
    },
  ]);
  return { prefix: text.slice(0, offset), suffix: text.slice(offset), fileName };
}

/** Where candidates are inserted: the tracked request position, else the cursor. */
export function anchorPosition(): monaco.Position | undefined {
  const r = anchor?.getRanges()[0];
  if (r) return r.getStartPosition();
  return editor?.getPosition() ?? undefined;
}

/** Inserts `text` at the anchor as a single undo step and puts the cursor after it. */
export function insertAtAnchor(text: string): boolean {
  const pos = anchorPosition();
  if (!editor || !pos) return false;
  const range = new monaco.Range(pos.lineNumber, pos.column, pos.lineNumber, pos.column);
  editor.pushUndoStop();
  editor.executeEdits('fanout', [{ range, text, forceMoveMarkers: true }]);
  editor.pushUndoStop();
  const end = editor.getModel()?.modifyPosition(pos, text.length);
  if (end) {
    editor.setPosition(end);
    editor.revealPositionInCenterIfOutsideViewport(end);
  }
  anchor?.clear();
  editor.focus();
  return true;
}

export function clearAnchor(): void {
  anchor?.clear();
}

/** The Monaco language id for a file name. */
export function languageFor(fileName: string): string {
  return languageForFileName(fileName, monaco.languages.getLanguages());
}

// Tabs: one Monaco model per open file (its own text, undo history and language), the editor shows the
// active one; switching keeps each tab's cursor and scroll (view state). `savedVersion` is the model's
// undo-history version at open/save: the tab is dirty while the text is at another version.
interface TabModel {
  model: monaco.editor.ITextModel;
  view: monaco.editor.ICodeEditorViewState | null;
  savedVersion: number;
}
const tabModels = new Map<string, TabModel>();
let shownTab: string | undefined;

/** Creates the model of tab `id` (not shown yet). `dirty`: the text was not saved (restored from a draft). */
export function createTabModel(id: string, name: string, text: string, opts: { dirty?: boolean } = {}): void {
  if (tabModels.has(id)) return;
  const model = monaco.editor.createModel(text, languageFor(name));
  tabModels.set(id, { model, view: null, savedVersion: opts.dirty ? -1 : model.getAlternativeVersionId() });
}

/** Shows tab `id` in the editor, keeping the previous tab's cursor and scroll for when it comes back. */
export function showTab(id: string): void {
  const t = tabModels.get(id);
  if (!editor || !t || shownTab === id) return;
  const prev = shownTab ? tabModels.get(shownTab) : undefined;
  if (prev) prev.view = editor.saveViewState();
  anchor?.clear();
  editor.setModel(t.model);
  if (t.view) editor.restoreViewState(t.view);
  shownTab = id;
}

export function disposeTabModel(id: string): void {
  const t = tabModels.get(id);
  if (!t) return;
  if (shownTab === id) shownTab = undefined;
  tabModels.delete(id);
  t.model.dispose();
}

export function tabText(id: string): string {
  return tabModels.get(id)?.model.getValue() ?? '';
}

/** Changes with every edit of the tab's text (undo included): the draft rewrites only changed tabs. */
export function tabVersion(id: string): number {
  return tabModels.get(id)?.model.getVersionId() ?? -1;
}

/** The tab's cursor line, 0-based (where its context chunk is taken). */
export function tabCursorLine(id: string): number {
  if (id === shownTab && editor) return (editor.getPosition()?.lineNumber ?? 1) - 1;
  return (tabModels.get(id)?.view?.cursorState[0]?.position.lineNumber ?? 1) - 1;
}

export function tabIsDirty(id: string): boolean {
  const t = tabModels.get(id);
  return !!t && t.model.getAlternativeVersionId() !== t.savedVersion;
}

export function markTabSaved(id: string): void {
  const t = tabModels.get(id);
  if (t) t.savedVersion = t.model.getAlternativeVersionId();
}

export function setTabLanguage(id: string, name: string): void {
  const t = tabModels.get(id);
  if (t) monaco.editor.setModelLanguage(t.model, languageFor(name));
}

/** The tab whose model is `model` (content events name the model, not the tab). */
export function tabOfModel(model: monaco.editor.ITextModel | null): string | undefined {
  for (const [id, t] of tabModels) if (t.model === model) return id;
  return undefined;
}

export function setLanguage(fileName: string): void {
  const model = editor?.getModel();
  if (model) monaco.editor.setModelLanguage(model, languageFor(fileName));
}

export function currentText(): string {
  return editor?.getModel()?.getValue() ?? '';
}

export function currentLanguage(): string {
  return editor?.getModel()?.getLanguageId() ?? 'plaintext';
}

/** Closes Monaco's suggestion list (Ctrl+Space) when one of Fanout's keys takes over. */
export function closeSuggestWidget(): void {
  editor?.trigger('fanout', 'hideSuggestWidget', {});
}

export function focusEditor(): void {
  editor?.focus();
}
