// Top bar: file name, open/save, generate/cancel, settings toggle.
import { useApp, useServices } from '../app-context.ts';
import { generateAtCursor } from '../actions.ts';
import { currentText, focusEditor, replaceText, setLanguage } from '../editor-host.ts';
import { openFile, saveFile } from '../files.ts';

const MOD = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export function Toolbar({ settingsOpen, onToggleSettings }: { settingsOpen: boolean; onToggleSettings(): void }) {
  const { store, transport } = useServices();
  const file = useApp((s) => s.file);
  const generating = useApp((s) => s.run?.status === 'generating');
  const n = useApp((s) => s.settings.n);

  const onOpen = async () => {
    try {
      const f = await openFile(transport.files);
      if (!f) return;
      replaceText(f.text, f.name);
      store.getState().setFile({ name: f.name, path: f.path });
    } catch (e) {
      store.getState().showError({
        code: 'open-failed',
        message: `Could not open the file: ${(e as Error).message}.`,
        hint: 'The editor text is unchanged. Check the file is readable text and try again.',
      });
    }
    focusEditor();
  };

  const onSave = async () => {
    try {
      const saved = await saveFile(transport.files, { ...file, text: currentText() });
      if (saved && (saved.name !== file.name || saved.path !== file.path)) {
        store.getState().setFile(saved);
        setLanguage(saved.name);
      }
    } catch (e) {
      store.getState().showError({
        code: 'save-failed',
        message: `Could not save ${file.name}: ${(e as Error).message}.`,
        hint: 'Your text is still in the editor and in the local draft. Try another location.',
      });
    }
    focusEditor();
  };

  return (
    <header className="toolbar">
      <span className="brand">Fanout</span>
      <span className="file" title={file.path ?? file.name}>
        {file.name}
      </span>
      <button className="btn ghost" onClick={onOpen} title="Open a file">
        Open…
      </button>
      <button className="btn ghost" onClick={onSave} title={transport.files ? 'Save' : 'Download the file'}>
        Save
      </button>
      <span className="spacer" />
      {generating ? (
        <button className="btn danger" data-testid="cancel" onClick={() => store.getState().cancel()} title="Cancel (Esc)">
          Cancel <kbd>Esc</kbd>
        </button>
      ) : null}
      <button
        className="btn primary"
        data-testid="generate"
        disabled={generating}
        onClick={() => {
          generateAtCursor(store);
          focusEditor();
        }}
        title={`Sample ${n} completions at the cursor (${MOD}+Enter)`}
      >
        Generate ×{n} <kbd>{MOD}</kbd>
        <kbd>⏎</kbd>
      </button>
      <button
        className={`btn ghost icon${settingsOpen ? ' on' : ''}`}
        data-testid="settings"
        aria-expanded={settingsOpen}
        aria-label="Settings"
        title="Settings"
        onClick={onToggleSettings}
      >
        <GearIcon />
      </button>
    </header>
  );
}

function GearIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path
        fill="currentColor"
        d="M9.1 1l.3 1.7c.4.1.8.3 1.2.5l1.4-1 1.3 1.3-1 1.4c.2.4.4.8.5 1.2l1.7.3v1.8l-1.7.3c-.1.4-.3.8-.5 1.2l1 1.4-1.3 1.3-1.4-1c-.4.2-.8.4-1.2.5L9.1 15H7.3l-.3-1.7c-.4-.1-.8-.3-1.2-.5l-1.4 1-1.3-1.3 1-1.4c-.2-.4-.4-.8-.5-1.2L1.9 9.6V7.8l1.7-.3c.1-.4.3-.8.5-1.2l-1-1.4 1.3-1.3 1.4 1c.4-.2.8-.4 1.2-.5L7.3 1h1.8zM8.2 5.7a2.5 2.5 0 100 5 2.5 2.5 0 000-5z"
      />
    </svg>
  );
}
