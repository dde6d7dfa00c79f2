// Ghost text in the editor and suggestions as you type: Monaco's inline-completions provider shows the
// suggestion that fits the cursor (the active panel's selected candidate at its anchor, else the current
// run's or a cached run's best remaining text, see store.suggestionsAt); a pause after an edit requests
// completions; the keys that accept all of it (Tab), the next word (Ctrl/Cmd+→), the next line
// (Shift+Tab), cycle alternatives (Alt+] / Alt+[) and dismiss it (Esc, in actions.escape).
// The accepts are ours, not Monaco's, so the text inserted is exactly the candidate's at the cursor and
// the rest stays shown after a partial accept.
import type { StoreApi } from 'zustand/vanilla';
import * as monaco from './monaco.ts';
import { cycle, Debouncer, isShowable, nextLine, nextWord } from './autocomplete.ts';
import { anchorPosition, takePrompt } from './editor-host.ts';
import { selectedText, type AppState } from './store.ts';

interface Shown {
  prefix: string;
  suffix: string;
  text: string;
}

interface GhostController {
  dismiss(): void;
}

let controller: GhostController | undefined;

/** Esc: hide the ghost text at this cursor position until the next edit. */
export function dismissGhost(): void {
  controller?.dismiss();
}

export function installGhostText(editor: monaco.editor.IStandaloneCodeEditor, store: StoreApi<AppState>): monaco.IDisposable {
  const ghostVisible = editor.createContextKey<boolean>('fanoutGhost', false);
  const debounce = new Debouncer();
  /** What the ghost text shows now (undefined: nothing). */
  let shown: Shown | undefined;
  /** Where Esc dismissed it: nothing is shown there until the text changes. */
  let dismissedAt: { prefix: string; suffix: string } | undefined;

  const around = (pos: monaco.IPosition) => {
    const model = editor.getModel();
    if (!model) return undefined;
    const text = model.getValue();
    const offset = model.getOffsetAt(pos);
    return { prefix: text.slice(0, offset), suffix: text.slice(offset) };
  };

  /** The ghost text for `position`, or undefined. Never blank. */
  const ghostAt = (position: monaco.IPosition): Shown | undefined => {
    const sel = editor.getSelection();
    if (!sel || !sel.isEmpty()) return undefined;
    const at = around(position);
    if (!at) return undefined;
    if (dismissedAt && dismissedAt.prefix === at.prefix && dismissedAt.suffix === at.suffix) return undefined;
    const s = store.getState();
    if (s.panelActive) {
      // The panel's selection, at the request position only (the panel is deactivated elsewhere).
      const anchor = anchorPosition();
      const text = selectedText(s);
      return anchor && anchor.lineNumber === position.lineNumber && anchor.column === position.column && isShowable(text) ? { ...at, text } : undefined;
    }
    const alternatives = s.suggestionsAt(at.prefix, at.suffix);
    if (alternatives.length === 0) return undefined;
    return { ...at, text: alternatives[cycle(s.ghostIndex, 0, alternatives.length)]! };
  };

  // Refreshes are coalesced into a microtask: during a keystroke Monaco reports the new text before the
  // new cursor position, and a refresh in between would see a prefix that does not exist.
  let refreshQueued = false;
  const refresh = () => {
    if (refreshQueued) return;
    refreshQueued = true;
    queueMicrotask(() => {
      refreshQueued = false;
      const pos = editor.getPosition();
      // Ghost text belongs to the editor the user types in: none while the focus is elsewhere (Monaco
      // does not re-fetch an unfocused editor's inline completions, so what it showed would go stale).
      const focused = editor.hasTextFocus();
      const next = pos && focused ? ghostAt(pos) : undefined;
      ghostVisible.set(!!next);
      const prev = shown;
      shown = next;
      // Unfocused, Monaco shows none (it hid its ghost text on blur); focus comes back through here.
      if (!focused) return;
      if (prev?.text === next?.text && prev?.prefix === next?.prefix) return;
      // Typing through a suggestion leaves Monaco's ghost text valid; anything else (another alternative,
      // nothing) must be hidden first or Monaco keeps showing the old one where it still fits.
      const typedThrough = !!prev && !!next && next.prefix.startsWith(prev.prefix) && prev.text === next.prefix.slice(prev.prefix.length) + next.text;
      if (prev && !typedThrough) editor.trigger('fanout', 'editor.action.inlineSuggest.hide', {});
      // An explicit trigger fetches at once. (Also firing onDidChangeInlineCompletions started a second,
      // debounced fetch that replaced the first: measured in e2e, the first finished sample then showed only
      // with the run's end.)
      if (next) editor.trigger('fanout', 'editor.action.inlineSuggest.trigger', {});
    });
  };

  const provider = monaco.languages.registerInlineCompletionsProvider('*', {
    // Our own pause (the debounce above) already waited; Monaco's extra 50 ms would only add latency.
    debounceDelayMs: 0,
    provideInlineCompletions(model, position) {
      if (model !== editor.getModel() || !editor.hasTextFocus()) return { items: [] };
      const g = ghostAt(position);
      return { items: g ? [{ insertText: g.text, range: monaco.Range.fromPositions(position) }] : [] };
    },
    disposeInlineCompletions() {},
  });

  /** Inserts `part(ghost)` at the cursor as its own undo step; the whole text ends the run. */
  const accept = (part: (text: string) => string) => {
    const pos = editor.getPosition();
    const g = pos ? ghostAt(pos) : undefined;
    const model = editor.getModel();
    if (!pos || !g || !model) return;
    const piece = part(g.text);
    editor.trigger('fanout', 'hideSuggestWidget', {});
    editor.pushUndoStop();
    editor.executeEdits('fanout-ghost', [{ range: monaco.Range.fromPositions(pos), text: piece, forceMoveMarkers: true }]);
    editor.pushUndoStop();
    const end = model.modifyPosition(pos, piece.length);
    editor.setPosition(end);
    editor.revealPositionInCenterIfOutsideViewport(end);
    if (piece === g.text) store.getState().acceptedSuggestion();
  };

  const cycleAlternatives = (delta: number) => {
    const s = store.getState();
    if (s.panelActive) s.moveSelection(delta);
    else s.cycleGhost(delta);
  };

  editor.addCommand(monaco.KeyCode.Tab, () => accept((t) => t), 'fanoutGhost');
  editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.RightArrow, () => accept(nextWord), 'fanoutGhost');
  editor.addCommand(monaco.KeyMod.Shift | monaco.KeyCode.Tab, () => accept(nextLine), 'fanoutGhost');
  editor.addCommand(monaco.KeyMod.Alt | monaco.KeyCode.BracketRight, () => cycleAlternatives(1), 'fanoutGhost || fanoutListActive');
  editor.addCommand(monaco.KeyMod.Alt | monaco.KeyCode.BracketLeft, () => cycleAlternatives(-1), 'fanoutGhost || fanoutListActive');

  const fire = () => {
    const s = store.getState();
    if (!s.settings.autoComplete || !editor.hasTextFocus()) return;
    if (s.run?.status === 'generating' && s.runKind === 'explicit') return;
    const sel = editor.getSelection();
    const pos = editor.getPosition();
    const at = pos && around(pos);
    // Nothing before the cursor (a file just opened, the cursor at its start): nothing to go on yet.
    if (!sel || !sel.isEmpty() || !at || at.prefix.trim() === '') return;
    if (s.suggestionsAt(at.prefix, at.suffix).length > 0) return refresh();
    const prompt = takePrompt(s.file.name);
    if (prompt) s.generate(prompt, { auto: true });
  };

  /** After an edit: keep a suggestion that still fits (typed through, accepted in part, cached), else request anew. */
  const afterEdit = () => {
    const pos = editor.getPosition();
    const at = pos && around(pos);
    if (!at) return;
    const s = store.getState();
    const alternatives = s.suggestionsAt(at.prefix, at.suffix);
    // The run's prompt is still behind the cursor (only text was added): its samples may yet fit.
    const runFits = !!s.prompt && s.prompt.suffix === at.suffix && at.prefix.startsWith(s.prompt.prefix);
    if (alternatives.length > 0) {
      debounce.cancel();
      if (!runFits) s.dropAuto();
      // Keep showing the alternative that was shown (its rest), not whichever now ranks first.
      const typed = shown && at.suffix === shown.suffix && at.prefix.startsWith(shown.prefix) ? at.prefix.slice(shown.prefix.length) : undefined;
      const keep = typed !== undefined && shown!.text.startsWith(typed) ? alternatives.indexOf(shown!.text.slice(typed.length)) : -1;
      store.setState({ ghostIndex: Math.max(0, keep) });
      refresh();
      return;
    }
    s.dropAuto();
    refresh();
    if (s.settings.autoComplete) debounce.schedule(s.settings.autoDelayMs, fire);
  };

  const onContent = editor.onDidChangeModelContent(() => {
    dismissedAt = undefined;
    queueMicrotask(afterEdit);
  });
  const onCursor = editor.onDidChangeCursorPosition((e) => {
    // Moving the cursor (keys, mouse) is no typing pause: no request for where it passes through.
    if (e.reason === monaco.editor.CursorChangeReason.Explicit) debounce.cancel();
    refresh();
  });
  // Leaving the editor: Monaco hides its ghost text itself (touching it here would race with the field
  // the user moved to). Coming back: show what fits now.
  const onBlur = editor.onDidBlurEditorText(() => debounce.cancel());
  const onFocus = editor.onDidFocusEditorText(() => refresh());
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.run !== prev.run || s.panelActive !== prev.panelActive || s.selected !== prev.selected || s.ghostIndex !== prev.ghostIndex || s.settings.rerank !== prev.settings.rerank || s.syntax !== prev.syntax) refresh();
    if (!s.settings.autoComplete && prev.settings.autoComplete) debounce.cancel();
  });

  controller = {
    dismiss() {
      const pos = editor.getPosition();
      const at = pos && around(pos);
      if (!at) return;
      dismissedAt = at;
      refresh();
    },
  };
  refresh();

  return {
    dispose() {
      controller = undefined;
      debounce.cancel();
      unsubscribe();
      onContent.dispose();
      onFocus.dispose();
      onCursor.dispose();
      onBlur.dispose();
      provider.dispose();
    },
  };
}
