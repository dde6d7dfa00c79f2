// Layout: toolbar, editor (left) | candidates (right), status bar. Window-level shortcuts for when the
// focus is outside the editor.
import { useEffect, useState } from 'react';
import { AppContext, type AppServices } from '../app-context.ts';
import { escape, generateAtCursor } from '../actions.ts';
import type { Draft } from '../draft.ts';
import { CandidatesPanel } from './CandidatesPanel.tsx';
import { EditorPane } from './EditorPane.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { StatusBar } from './StatusBar.tsx';
import { Toolbar } from './Toolbar.tsx';

export function App({ services, draft, storage }: { services: AppServices; draft: Draft; storage: Pick<Storage, 'setItem'> }) {
  const [settingsOpen, setSettingsOpen] = useState(false);

  useEffect(() => {
    const { store } = services;
    const onKey = (e: KeyboardEvent) => {
      // Monaco handles (and prevents) these itself while it has focus.
      if (e.defaultPrevented) return;
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        generateAtCursor(store);
      } else if (e.key === 'Escape' && store.getState().run?.status === 'generating') {
        e.preventDefault();
        escape(store);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [services]);

  return (
    <AppContext.Provider value={services}>
      <div className="app">
        <Toolbar settingsOpen={settingsOpen} onToggleSettings={() => setSettingsOpen((o) => !o)} />
        <main className="main">
          <EditorPane draft={draft} storage={storage} />
          <aside className="side">
            {settingsOpen && <SettingsPanel onClose={() => setSettingsOpen(false)} />}
            <CandidatesPanel />
          </aside>
        </main>
        <StatusBar />
      </div>
    </AppContext.Provider>
  );
}
