// Top bar: file name, open/save, the model (opens the model list), generate/cancel, settings toggle.
import { useApp, useServices } from '../app-context.ts';
import { generateAtCursor, openFileAction, saveFileAction } from '../actions.ts';
import { focusEditor } from '../editor-host.ts';
import { uiStore } from '../ui-state.ts';

const MOD = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export function Toolbar({ settingsOpen, onToggleSettings }: { settingsOpen: boolean; onToggleSettings(): void }) {
  const { store, transport } = useServices();
  const file = useApp((s) => s.file);
  const generating = useApp((s) => s.run?.status === 'generating');
  const n = useApp((s) => s.settings.n);
  const model = useApp((s) => s.model?.name ?? null);

  const onOpen = () => void openFileAction(store, transport.files);
  const onSave = () => void saveFileAction(store, transport.files);

  return (
    <header className="toolbar">
      <span className="brand">Fanout</span>
      <span className="file" title={file.path ?? file.name}>
        {file.name}
      </span>
      <button className="btn ghost" onClick={onOpen} title={`Open a file (${MOD}+O)`}>
        Open…
      </button>
      <button className="btn ghost" onClick={onSave} title={`${transport.files ? 'Save' : 'Download the file'} (${MOD}+S)`}>
        Save
      </button>
      <span className="spacer" />
      <button
        className="btn ghost model-button"
        data-testid="models-button"
        aria-haspopup="dialog"
        onClick={() => uiStore.getState().setModelsOpen(true)}
        title={`Choose a model: the GGUF files from Ollama, LM Studio and FANOUT_MODEL_DIRS on the engine's machine${model ? ` (loaded: ${model})` : ''}`}
      >
        <span className="model-button-label">{model ?? 'No model'}</span> ▾
      </button>
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
        className="btn ghost icon"
        data-testid="shortcuts-button"
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
        onClick={() => uiStore.getState().setShortcutsOpen(true)}
      >
        ?
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
