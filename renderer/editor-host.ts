// The one Monaco editor of the window and what the app does with it: read the prompt at the cursor,
// remember where the request was made (a tracked decoration, so edits above it move it along), insert a
// chosen candidate there as one undo step, and replace the text when a file is opened (undoable too).
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

/**
 * Replaces the whole text (opening a file) through an edit, so Ctrl/Cmd+Z brings the previous text
 * back, and switches the language to the file's. Returns the undo history's version ids before and after
 * the edit (see open-history.ts), or undefined without an editor.
 */
export function replaceText(text: string, fileName: string): { before: number; after: number } | undefined {
  const model = editor?.getModel();
  if (!editor || !model) return undefined;
  monaco.editor.setModelLanguage(model, languageFor(fileName));
  editor.pushUndoStop();
  const before = model.getAlternativeVersionId();
  editor.executeEdits('fanout-open', [{ range: model.getFullModelRange(), text }]);
  editor.pushUndoStop();
  const after = model.getAlternativeVersionId();
  editor.setPosition({ lineNumber: 1, column: 1 });
  editor.revealLine(1);
  anchor?.clear();
  return { before, after };
}

let undoWatched: monaco.editor.IStandaloneCodeEditor | undefined;

/**
 * Calls `fn` with the undo history's version id after every undo and redo in this window's editor
 * (registered once per editor; later calls do nothing).
 */
export function watchUndoRedo(fn: (version: number) => void): void {
  if (!editor || undoWatched === editor) return;
  const e = editor;
  undoWatched = e;
  e.onDidChangeModelContent((ev) => {
    const model = e.getModel();
    if (!model || !(ev.isUndoing || ev.isRedoing)) return;
    // Monaco sets the version undo returns to only after this event (TextModel._applyUndoRedoEdits): read it then.
    queueMicrotask(() => fn(model.getAlternativeVersionId()));
  });
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
