// Entry point of the renderer bundle (dist/renderer/app.js).
import './styles.css';
import { createRoot } from 'react-dom/client';
import { installMonacoWorkers } from './monaco.ts';
import { App } from './components/App.tsx';
import { createAppStore } from './store.ts';
import { loadSettings } from './settings.ts';
import { loadDraft } from './draft.ts';
import { pickTransport } from './transport.ts';
import { checkSyntax } from './parse-client.ts';
import { runMenuCommand } from './actions.ts';
import { MessageBatcher, pageScheduler } from './message-batcher.ts';
import type { HostMessage } from './protocol.ts';

installMonacoWorkers();

// Monaco cancels its own pending work (inline-suggestion timers, hovers) by rejecting promises with a
// "Canceled" error that nothing awaits; that is routine, not a failure worth reporting.
window.addEventListener('unhandledrejection', (e) => {
  if ((e.reason as { name?: unknown } | null)?.name === 'Canceled') e.preventDefault();
});

/** localStorage, or an in-memory stand-in where the page may not use it (then nothing persists). */
function pageStorage(): { storage: Storage | MemoryStorage; persistent: boolean } {
  try {
    const s = window.localStorage;
    s.getItem('fanout.probe');
    return { storage: s, persistent: true };
  } catch {
    return { storage: new MemoryStorage(), persistent: false };
  }
}

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string): string | null {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.m.set(k, v);
  }
}

const { storage, persistent } = pageStorage();
const draft = loadDraft(storage);
const transport = pickTransport(window);
const store = createAppStore({
  transport,
  storage,
  initialSettings: loadSettings(storage),
  checkSyntax,
  initialTabs: draft.tabs.map((t) => ({ name: t.name, path: t.path, dirty: t.dirty })),
  initialActive: draft.active,
});
if (!persistent) {
  store.getState().showError({
    code: 'no-storage',
    message: 'This window cannot use local storage: settings and the draft will not survive a reload.',
    hint: 'Save your work with Save; allow site data for this page to keep drafts automatically.',
  });
}
const batcher = new MessageBatcher<HostMessage>((msgs) => store.getState().receiveAll(msgs), pageScheduler);
transport.onMessage((msg) => batcher.push(msg));
transport.onConnection((state) => store.getState().setConnection(state));
// Desktop: File menu commands (Open, Save, Save As, Open Recent, Open Model…) are carried out here.
window.fanout?.onMenuCommand?.((cmd) => runMenuCommand(store, transport.files, cmd));
// Desktop: closing the window or quitting asks first while tabs have unsaved edits; it needs their count.
const desktop = window.fanout;
if (desktop?.reportUnsaved) {
  let reported = -1;
  const reportUnsaved = () => {
    const n = store.getState().tabs.filter((t) => t.dirty).length;
    if (n !== reported) desktop.reportUnsaved?.((reported = n));
  };
  store.subscribe(reportUnsaved);
  reportUnsaved();
}

createRoot(document.getElementById('root')!).render(<App services={{ store, transport }} draft={draft} storage={storage} />);
