// The Monaco editor: keybindings (generate, candidate navigation), the ghost-text provider, the draft.
import { useEffect, useRef } from 'react';
import * as monaco from '../monaco.ts';
import { useServices } from '../app-context.ts';
import { acceptCandidate, escape, generateAtCursor } from '../actions.ts';
import { anchorPosition, attachEditor, createTabModel, detachEditor, disposeTabModel, showTab, tabIsDirty, tabOfModel, tabText, tabVersion } from '../editor-host.ts';
import { EXAMPLE_TEXT, saveProblem, type AdoptedTab, type Draft, type DraftSnapshot, type SaveReport } from '../draft.ts';
import { registerFanoutCommands } from '../editor-commands.ts';
import { installGhostText } from '../ghost-text.ts';
import { finishedCount } from '../run.ts';
import { rankedGroups, type AppState } from '../store.ts';
import { useApp } from '../app-context.ts';
import { TabBar } from './TabBar.tsx';

const DRAFT_SAVE_DELAY_MS = 400;

export function EditorPane({ draft }: { draft: Draft }) {
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

    // The draft (draft.ts): this window's tabs, saved 400 ms after an edit and when the page goes away.
    const keeper = draft.keeper;
    const snapshot = (): DraftSnapshot => {
      const { tabs, activeTab } = store.getState();
      return {
        tabs: tabs.map((t) => ({ id: t.id, name: t.name, ...(t.path ? { path: t.path } : {}), dirty: t.dirty, version: tabVersion(t.id), text: () => tabText(t.id) })),
        active: activeTab,
      };
    };
    // Told once per problem (the storage is full: which tabs are kept only for a reload, or not at all).
    let told: string | null = null;
    const report = (r: SaveReport) => {
      const problem = saveProblem(r);
      if (!problem) {
        told = null;
        return;
      }
      if (told === problem.message) return;
      told = problem.message;
      store.getState().showError(problem);
    };
    let draftTimer: ReturnType<typeof setTimeout> | undefined;
    const flushDraft = (closing = false) => {
      clearTimeout(draftTimer);
      draftTimer = undefined;
      keeper?.flush({ closing });
    };
    for (const n of draft.notices ?? []) store.getState().showError(n);
    keeper?.attach(snapshot, initial.tabs.map((t) => t.id), report);
    // A new window also takes in the tabs of windows that crashed (found once their Web Lock is free).
    void keeper
      ?.adoptCrashed((tabs: AdoptedTab[], active: number) => {
        const s = store.getState();
        const only = s.tabs.length === 1 ? s.tabs[0] : undefined;
        // The untouched example of a new window gives way to the recovered tabs.
        const pristine = keeper.startedEmpty && only && !tabIsDirty(only.id) && tabText(only.id) === EXAMPLE_TEXT ? only : undefined;
        const shown = s.activeTab;
        const ids = tabs.map((t) => {
          const id = store.getState().addTab({ name: t.name, path: t.path, dirty: t.dirty });
          createTabModel(id, t.name, t.text, { dirty: t.dirty });
          store.getState().pickContext(id, t.text, 0);
          return id;
        });
        // addTab made the last one active in the store; show what should be shown.
        store.getState().activateTab(shown);
        if (pristine) {
          const target = ids[active] ?? ids[0]!;
          store.getState().activateTab(target);
          showTab(target);
          store.getState().closeTab(pristine.id);
          disposeTabModel(pristine.id);
          editor.focus();
        }
        store.getState().showError({
          code: 'draft-recovered',
          level: 'info',
          message: `${tabs.length === 1 ? 'A tab' : `${tabs.length} tabs`} of a window that did not close properly ${tabs.length === 1 ? 'is' : 'are'} restored here.`,
          hint: 'Fanout keeps each window\'s draft; a window that crashed is brought back in the next window you open.',
        });
        return ids;
      })
      .catch(() => undefined);
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
    // The browser asks before leaving a page with unsaved tabs (the draft keeps them, but the user may not
    // know that, or may be closing for good). The desktop app asks in its own close dialog instead.
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      flushDraft();
      if (!window.fanout && store.getState().tabs.some((t) => t.dirty)) {
        e.preventDefault();
        e.returnValue = '';
      }
    };
    const onPageHide = () => flushDraft(true);
    const onPageShow = (e: PageTransitionEvent) => {
      if (e.persisted) keeper?.reopen();
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') flushDraft();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    window.addEventListener('pageshow', onPageShow);
    document.addEventListener('visibilitychange', onVisibility);

    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onPageHide);
      window.removeEventListener('pageshow', onPageShow);
      document.removeEventListener('visibilitychange', onVisibility);
      flushDraft();
      unsubscribe();
      unsubscribeFile();
      onCursor.dispose();
      onContent.dispose();
      ghost.dispose();
      detachEditor();
      editor.dispose();
    };
    // The editor is created once per window; the draft is an initial value only.
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
