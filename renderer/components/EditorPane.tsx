// The Monaco editor: keybindings (generate, candidate navigation), the ghost-text provider, the draft.
import { useEffect, useRef } from 'react';
import * as monaco from '../monaco.ts';
import { useServices } from '../app-context.ts';
import { acceptCandidate, escape, generateAtCursor } from '../actions.ts';
import { anchorPosition, attachEditor, detachEditor, languageFor } from '../editor-host.ts';
import { saveDraft, type Draft } from '../draft.ts';
import { registerFanoutCommands } from '../editor-commands.ts';
import { rankedGroups, selectedText, type AppState } from '../store.ts';

const DRAFT_SAVE_DELAY_MS = 400;

export function EditorPane({ draft, storage }: { draft: Draft; storage: Pick<Storage, 'setItem'> }) {
  const { store } = useServices();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const editor = monaco.editor.create(el, {
      value: draft.text,
      language: languageFor(draft.fileName),
      theme: 'vs-dark',
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      lineHeight: 20,
      fontFamily: "'JetBrains Mono', 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
      scrollBeyondLastLine: false,
      padding: { top: 10, bottom: 10 },
      renderLineHighlight: 'all',
      smoothScrolling: true,
      inlineSuggest: { enabled: true },
      fixedOverflowWidgets: true,
      ariaLabel: 'Code editor. Ctrl or Cmd+Enter samples completions at the cursor.',
    });
    attachEditor(editor);
    registerFanoutCommands(editor, store); // the F1 palette's "Fanout: …" commands (and Ctrl/Cmd+O, +S in a browser)
    // Put the cursor somewhere useful: the end of the first blank-but-indented line of the example.
    const model = editor.getModel()!;
    const indented = model.findNextMatch('^\\s+$', { lineNumber: 1, column: 1 }, true, false, null, false);
    if (indented) editor.setPosition(indented.range.getEndPosition());
    editor.focus();

    // While the list is active (after a run, until the user types or moves away), arrows, Enter and Esc
    // drive the list instead of the editor, like Monaco's own suggest widget.
    const listActive = editor.createContextKey<boolean>('fanoutListActive', false);
    const generating = editor.createContextKey<boolean>('fanoutGenerating', false);
    const listWhen = 'fanoutListActive && !suggestWidgetVisible';
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => generateAtCursor(store));
    editor.addCommand(monaco.KeyCode.UpArrow, () => store.getState().moveSelection(-1), listWhen);
    editor.addCommand(monaco.KeyCode.DownArrow, () => store.getState().moveSelection(1), listWhen);
    editor.addCommand(monaco.KeyCode.Enter, () => acceptCandidate(store), listWhen);
    editor.addCommand(monaco.KeyCode.Escape, () => escape(store), `(${listWhen}) || fanoutGenerating`);

    // Ghost text: the selected candidate (the top one until the user moves), only at the request position.
    // Firing `changed` makes Monaco ask the provider again (new selection, list closed, re-ranked).
    const changed = new monaco.Emitter<void>();
    const provider = monaco.languages.registerInlineCompletionsProvider('*', {
      onDidChangeInlineCompletions: changed.event,
      provideInlineCompletions(m, position) {
        const s = store.getState();
        const text = s.panelActive ? selectedText(s) : undefined;
        const at = anchorPosition();
        if (m !== editor.getModel() || !text || !at || !at.equals(position)) return { items: [] };
        return { items: [{ insertText: text, range: monaco.Range.fromPositions(position) }] };
      },
      disposeInlineCompletions() {},
    });

    const sync = (s: AppState, prev?: AppState) => {
      // A run that ends while the cursor is elsewhere (the user kept typing) must not take over the keys.
      if (prev?.run?.status === 'generating' && s.run?.status !== 'generating' && s.panelActive) {
        const at = anchorPosition();
        const pos = editor.getPosition();
        if (!at || !pos || !at.equals(pos)) {
          store.getState().deactivatePanel();
          return;
        }
      }
      const active = s.panelActive && rankedGroups(s).length > 0;
      listActive.set(active);
      generating.set(s.run?.status === 'generating');
      if (prev && (s.panelActive !== prev.panelActive || s.selected !== prev.selected || s.run !== prev.run || s.settings.rerank !== prev.settings.rerank || s.syntax !== prev.syntax)) {
        // Hide first: Monaco keeps showing a suggestion that is still valid at the cursor otherwise.
        editor.trigger('fanout', 'editor.action.inlineSuggest.hide', {});
        if (active) {
          changed.fire();
          editor.trigger('fanout', 'editor.action.inlineSuggest.trigger', {});
        }
      }
    };
    sync(store.getState());
    const unsubscribe = store.subscribe(sync);

    // Typing or moving the cursor away from the request position hands the keys back to the editor.
    const onCursor = editor.onDidChangeCursorPosition((e) => {
      const at = anchorPosition();
      if (!at || !at.equals(e.position)) store.getState().deactivatePanel();
    });

    let draftTimer: ReturnType<typeof setTimeout> | undefined;
    let warnedStorage = false;
    const flushDraft = () => {
      clearTimeout(draftTimer);
      draftTimer = undefined;
      if (!saveDraft(storage, { text: editor.getValue(), fileName: store.getState().file.name }) && !warnedStorage) {
        warnedStorage = true;
        store.getState().showError({
          code: 'draft-not-saved',
          message: 'The draft could not be saved in this browser (storage is full or disabled).',
          hint: 'Your text is still in the editor; use Save to keep a copy on disk.',
        });
      }
    };
    const onContent = editor.onDidChangeModelContent(() => {
      store.getState().deactivatePanel();
      clearTimeout(draftTimer);
      draftTimer = setTimeout(flushDraft, DRAFT_SAVE_DELAY_MS);
    });
    const unsubscribeFile = store.subscribe((s, prev) => {
      if (s.file !== prev.file) flushDraft();
    });
    window.addEventListener('beforeunload', flushDraft);

    return () => {
      window.removeEventListener('beforeunload', flushDraft);
      flushDraft();
      unsubscribe();
      unsubscribeFile();
      onCursor.dispose();
      onContent.dispose();
      provider.dispose();
      changed.dispose();
      detachEditor();
      editor.dispose();
    };
    // The editor is created once per window; draft and storage are initial values only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [store]);

  return <div className="editor" data-testid="editor" ref={host} />;
}
