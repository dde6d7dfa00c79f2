// Layout: toolbar, editor (left) | splitter | candidates (right), status bar. Window-level shortcuts for
// when the focus is outside the editor (renderer/keyboard.ts), the theme, the shortcuts overlay, the model list.
import { useCallback, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { AppContext, type AppServices } from '../app-context.ts';
import { escape, generateAtCursor, openFileAction, saveFileAction } from '../actions.ts';
import type { Draft } from '../draft.ts';
import { focusEditor, getEditor } from '../editor-host.ts';
import { pageKeyAction } from '../keyboard.ts';
import { clampSideWidth, defaultSideWidth, loadSideWidth, saveSideWidth } from '../layout.ts';
import { applyTheme } from '../theme.ts';
import { uiStore } from '../ui-state.ts';
import { CandidatesPanel } from './CandidatesPanel.tsx';
import { EditorPane } from './EditorPane.tsx';
import { ModelPicker } from './ModelPicker.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { Splitter } from './Splitter.tsx';
import { StatusBar } from './StatusBar.tsx';
import { Toolbar } from './Toolbar.tsx';

type PageStorage = Pick<Storage, 'setItem' | 'getItem'>;

export function App({ services, draft, storage }: { services: AppServices; draft: Draft; storage: PageStorage }) {
  const settingsOpen = useStore(uiStore, (s) => s.settingsOpen);
  const shortcutsOpen = useStore(uiStore, (s) => s.shortcutsOpen);
  const modelsOpen = useStore(uiStore, (s) => s.modelsOpen);
  const theme = useStore(services.store, (s) => s.settings.theme);
  const [sideWidth, setSideWidth] = useState(() => {
    const saved = loadSideWidth(storage);
    return saved === undefined ? defaultSideWidth(window.innerWidth) : clampSideWidth(saved, window.innerWidth);
  });

  useEffect(() => applyTheme(theme), [theme]);

  // A window made narrower keeps the editor visible (the saved width comes back when there is room).
  useEffect(() => {
    const onResize = () => setSideWidth((w) => clampSideWidth(w, window.innerWidth));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  useEffect(() => {
    const { store, transport } = services;
    const onKey = (e: KeyboardEvent) => {
      // Monaco handles (and prevents) its keys itself while it has focus.
      if (e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      const action = pageKeyAction(e, {
        generating: store.getState().run?.status === 'generating',
        appMenu: typeof window.fanout?.onMenuCommand === 'function',
        typing: !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable),
      });
      if (!action) return;
      e.preventDefault();
      switch (action) {
        case 'generate':
          return generateAtCursor(store);
        case 'cancel':
          return escape(store);
        case 'open':
          return void openFileAction(store, transport.files);
        case 'save':
          return void saveFileAction(store, transport.files);
        case 'shortcuts':
          return uiStore.getState().setShortcutsOpen(true);
        case 'palette':
          focusEditor();
          getEditor()?.trigger('fanout', 'editor.action.quickCommand', {});
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [services]);

  const commitWidth = useCallback((w: number) => saveSideWidth(storage, w), [storage]);
  const closeShortcuts = useCallback(() => {
    uiStore.getState().setShortcutsOpen(false);
    focusEditor();
  }, []);
  const closeModels = useCallback(() => {
    uiStore.getState().setModelsOpen(false);
    focusEditor();
  }, []);

  return (
    <AppContext.Provider value={services}>
      <div className="app">
        <Toolbar settingsOpen={settingsOpen} onToggleSettings={() => uiStore.getState().setSettingsOpen(!settingsOpen)} />
        <main className="main" style={{ gridTemplateColumns: `minmax(0, 1fr) auto ${sideWidth}px` }}>
          <EditorPane draft={draft} />
          <Splitter width={sideWidth} onChange={setSideWidth} onCommit={commitWidth} />
          <aside className="side" data-testid="side">
            {settingsOpen && <SettingsPanel onClose={() => uiStore.getState().setSettingsOpen(false)} />}
            <CandidatesPanel />
          </aside>
        </main>
        <StatusBar />
        {shortcutsOpen && <ShortcutsDialog onClose={closeShortcuts} />}
        {modelsOpen && <ModelPicker onClose={closeModels} />}
      </div>
    </AppContext.Provider>
  );
}
