// The Monaco editor: keybindings (generate, candidate navigation), the ghost-text provider, the draft.
import { useEffect, useRef } from 'react';
import * as monaco from '../monaco.ts';
import { useServices } from '../app-context.ts';
import { acceptCandidate, escape, generateAtCursor } from '../actions.ts';
import { anchorPosition, attachEditor, createTabModel, detachEditor, showTab, tabIsDirty, tabOfModel, tabText } from '../editor-host.ts';
import { saveDraft, type Draft } from '../draft.ts';
import { registerFanoutCommands } from '../editor-commands.ts';
import { installGhostText } from '../ghost-text.ts';
import { finishedCount } from '../run.ts';
import { rankedGroups, type AppState } from '../store.ts';
import { useApp } from '../app-context.ts';
import { TabBar } from './TabBar.tsx';

const DRAFT_SAVE_DELAY_MS = 400;

export function EditorPane({ draft, storage }: { draft: Draft; storage: Pick<Storage, 'setItem'> }) {
  const { store } = useServices();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const editor = monaco.editor.create(el, {
      model: null, // one model per tab, created below
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
      inlineSuggest: { enabled: true, showToolbar: 'never' },
      // Fanout owns suggestions as you type (ghost text). Monaco's list opens only on Ctrl+Space, so it never
      // covers the ghost text or takes Enter from Fanout's candidates while the user types.
      quickSuggestions: false,
      suggestOnTriggerCharacters: false,
      fixedOverflowWidgets: true,
      ariaLabel: 'Code editor. Ctrl or Cmd+Enter samples completions at the cursor.',
    });
    attachEditor(editor);
    // The store's tabs were made from the draft's, in the same order.
    const initial = store.getState();
    initial.tabs.forEach((t, i) => createTabModel(t.id, t.name, draft.tabs[i]?.text ?? '', { dirty: t.dirty }));
    showTab(initial.activeTab);
    // Requests in one tab see the others from the start: each restored tab gives the ring its head.
    initial.tabs.forEach((t) => t.id !== initial.activeTab && initial.pickContext(t.id, tabText(t.id), 0));
    registerFanoutCommands(editor, store); // the F1 palette's "Fanout: …" commands (and Ctrl/Cmd+O, +S in a browser)
    // Put the cursor somewhere useful: the end of the first blank-but-indented line of the example.
    const model = editor.getModel()!;
    const indented = model.findNextMatch('^\\s+$', { lineNumber: 1, column: 1 }, true, false, null, false);
    if (indented) editor.setPosition(indented.range.getEndPosition());
    editor.focus();

    // While the list is active (after a run, until the user types or moves away), arrows, Enter and Esc
    // drive the list instead of the editor, like Monaco's own suggest widget. Fanout's list owns Enter even
    // when Monaco's (Ctrl+Space) is open: accepting a candidate closes Monaco's.
    const listActive = editor.createContextKey<boolean>('fanoutListActive', false);
    const generating = editor.createContextKey<boolean>('fanoutGenerating', false);
    const listWhen = 'fanoutListActive';
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => generateAtCursor(store));
    editor.addCommand(monaco.KeyCode.UpArrow, () => store.getState().moveSelection(-1), listWhen);
    editor.addCommand(monaco.KeyCode.DownArrow, () => store.getState().moveSelection(1), listWhen);
    editor.addCommand(monaco.KeyCode.Enter, () => acceptCandidate(store), listWhen);
    editor.addCommand(monaco.KeyCode.Escape, () => escape(store), `${listWhen} || fanoutGenerating || fanoutGhost`);

    // Ghost text and suggestions as you type (ghost-text.ts).
    const ghost = installGhostText(editor, store);

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
      // The candidates take the keys: Monaco's list (Ctrl+Space) closes so it cannot take Enter.
      if (active && !listActive.get()) editor.trigger('fanout', 'hideSuggestWidget', {});
      listActive.set(active);
      generating.set(s.run?.status === 'generating');
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
      const { tabs, activeTab } = store.getState();
      const saved = saveDraft(storage, {
        tabs: tabs.map((t) => ({ name: t.name, ...(t.path ? { path: t.path } : {}), text: tabText(t.id), ...(t.dirty ? { dirty: true } : {}) })),
        active: Math.max(0, tabs.findIndex((t) => t.id === activeTab)),
      });
      if (!saved && !warnedStorage) {
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
      const tab = tabOfModel(editor.getModel());
      if (tab) store.getState().setTabDirty(tab, tabIsDirty(tab));
      clearTimeout(draftTimer);
      draftTimer = setTimeout(flushDraft, DRAFT_SAVE_DELAY_MS);
    });
    const unsubscribeFile = store.subscribe((s, prev) => {
      // Soon, not now: a new tab's model is created right after the store adds the tab.
      if (s.file !== prev.file || s.tabs !== prev.tabs || s.activeTab !== prev.activeTab) {
        clearTimeout(draftTimer);
        draftTimer = setTimeout(flushDraft, 0);
      }
    });
    window.addEventListener('beforeunload', flushDraft);

    return () => {
      window.removeEventListener('beforeunload', flushDraft);
      flushDraft();
      unsubscribe();
      unsubscribeFile();
      onCursor.dispose();
      onContent.dispose();
      ghost.dispose();
      detachEditor();
      editor.dispose();
    };
    // The editor is created once per window; draft and storage are initial values only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [store]);

  return (
    <div className="editor-pane">
      <TabBar />
      <div className="editor" data-testid="editor" ref={host} />
      <AutoIndicator />
    </div>
  );
}

/** Unobtrusive: a small note in the editor's corner while an automatic (typing-pause) request runs. */
function AutoIndicator() {
  // A string, so token events that finish no sample do not re-render it.
  const progress = useApp((s) => (s.runKind === 'auto' && s.run?.status === 'generating' ? `${finishedCount(s.run)}/${s.run.n}` : null));
  if (!progress) return null;
  return (
    <div className="auto-indicator" data-testid="auto-indicator" role="status" title="Fanout is sampling suggestions for the cursor (typing pause)">
      <span className="dot" aria-hidden />
      suggesting · {progress}
    </div>
  );
}
