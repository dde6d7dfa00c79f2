// The model list: the GGUF models on the engine's machine (Ollama, LM Studio, FANOUT_MODEL_DIRS), each
// with its quantization, size and source; one click (or Enter) loads it, and it becomes the model setting
// once loaded, as if its path were typed in Settings. Models Fanout cannot load are greyed, with the
// reason on their second line (and as a tooltip). Keyboard: Up/Down/Home/End move, Enter loads, Esc closes.
import { useEffect, useRef, useState } from 'react';
import { useApp, useServices } from '../app-context.ts';
import { formatModelSize, initialIndex, modelDetails, searchedLines, sortModels, SOURCE_LABELS } from '../model-list.ts';
import type { LocalModel } from '../protocol.ts';
import { uiStore } from '../ui-state.ts';

export function ModelPicker({ onClose }: { onClose(): void }) {
  const { store } = useServices();
  const state = useApp((s) => s.localModels);
  const current = useApp((s) => s.settings.model);
  const loadingModel = useApp((s) => s.loading?.model ?? null);
  const list = state.status === 'listed' || state.status === 'listing' ? state.list : null;
  const models = sortModels(list?.models ?? []);
  const [active, setActive] = useState(-1);
  const rows = useRef<(HTMLLIElement | null)[]>([]);
  const closeRef = useRef<HTMLButtonElement>(null);

  // Ask for the list each time it opens (the host answers from its cache what did not change).
  useEffect(() => {
    store.getState().listLocalModels();
    closeRef.current?.focus();
  }, [store]);

  // Once the models are there, focus the current one (or the first loadable one).
  const count = models.length;
  useEffect(() => {
    if (count === 0 || active >= 0) return;
    const i = initialIndex(models, current);
    setActive(i);
    rows.current[i]?.focus();
    // Only when the list first arrives (count 0 → n); later answers keep the row the user is on.
  }, [count]);

  const move = (i: number) => {
    if (count === 0) return;
    const next = Math.max(0, Math.min(count - 1, i));
    setActive(next);
    rows.current[next]?.focus();
  };
  const choose = (m: LocalModel) => {
    if (!m.loadable.ok) return;
    // Becomes the model setting once it has loaded (store.loadModel), like a path typed in Settings.
    store.getState().loadModel(m.path);
    onClose();
  };

  return (
    <div
      className="overlay"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className="dialog model-picker"
        role="dialog"
        aria-modal="true"
        aria-labelledby="models-title"
        aria-describedby="models-about"
        data-testid="model-picker"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="dialog-head">
          <h2 id="models-title">Models on this machine</h2>
          <span className="spacer" />
          <button className="btn ghost" data-testid="models-refresh" disabled={state.status === 'listing'} onClick={() => store.getState().listLocalModels()} title="Look again">
            {state.status === 'listing' ? 'Looking…' : 'Refresh'}
          </button>
          <button ref={closeRef} className="icon-btn" aria-label="Close" title="Close (Esc)" onClick={onClose}>
            ×
          </button>
        </header>
        <p id="models-about" className="dim model-about">
          GGUF files from Ollama, LM Studio and the folders in FANOUT_MODEL_DIRS on the engine's machine.
          {models.length > 0 && ' Click one (or press Enter on it) to load it.'}
        </p>

        {state.status === 'failed' && (
          <div className="model-list-note" role="alert" data-testid="models-error">
            <strong>{state.message}</strong> {state.hint}
          </div>
        )}
        {state.status === 'listing' && !list && <p className="model-list-note">Looking for models…</p>}

        {list && models.length > 0 && (
          <ul
            className="model-list"
            role="listbox"
            aria-label="Models"
            data-testid="model-list"
            onKeyDown={(e) => {
              const keys: Record<string, number> = { ArrowDown: active + 1, ArrowUp: active - 1, Home: 0, End: count - 1, PageDown: active + 5, PageUp: active - 5 };
              if (e.key in keys) {
                e.preventDefault();
                move(keys[e.key]!);
              } else if ((e.key === 'Enter' || e.key === ' ') && models[active]) {
                e.preventDefault();
                choose(models[active]!);
              }
            }}
          >
            {models.map((m, i) => {
              const ok = m.loadable.ok;
              const isCurrent = m.path === current;
              const isLoading = m.path === loadingModel;
              const details = modelDetails(m);
              return (
                <li
                  key={`${m.source}:${m.path}:${m.name}`}
                  ref={(el) => {
                    rows.current[i] = el;
                  }}
                  role="option"
                  aria-selected={isCurrent}
                  aria-disabled={!ok}
                  aria-describedby={`model-details-${i}`}
                  tabIndex={i === (active < 0 ? 0 : active) ? 0 : -1}
                  className={`local-model${ok ? '' : ' unloadable'}${isCurrent ? ' current' : ''}`}
                  data-testid="local-model"
                  data-path={m.path}
                  title={ok ? m.path : `${m.loadable.ok ? '' : m.loadable.why}\n${m.path}`}
                  onClick={() => {
                    setActive(i);
                    choose(m);
                  }}
                  onFocus={() => setActive(i)}
                >
                  <div className="local-model-main">
                    <span className="model-name">{m.name}</span>
                    {m.quantization && <span className="pill" data-testid="model-quant">{m.quantization}</span>}
                    {m.splitParts !== null && <span className="pill">{m.splitParts} parts</span>}
                    {isCurrent && <span className="pill ok">{isLoading ? 'loading' : 'current'}</span>}
                    <span className="spacer" />
                    <span className="model-size" data-testid="model-size">
                      {formatModelSize(m.bytes)}
                    </span>
                    <span className="model-source">{SOURCE_LABELS[m.source]}</span>
                  </div>
                  <div id={`model-details-${i}`} className={`local-model-sub${ok ? ' dim' : ''}`}>
                    {details || m.path}
                  </div>
                </li>
              );
            })}
          </ul>
        )}

        {list && models.length === 0 && (
          <div className="model-list-note" data-testid="models-empty">
            <p>No GGUF models were found. Fanout looked in:</p>
            <ul className="searched">
              {searchedLines(list.searched).map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          </div>
        )}
        {list?.truncated && <p className="model-list-note dim">Not every model is listed: there were more than the list holds, or looking took too long. Refresh to look again.</p>}

        <p className="dim model-foot">
          Or type the path of a .gguf file or a model folder in{' '}
          <button
            className="link"
            onClick={() => {
              onClose();
              uiStore.getState().setSettingsOpen(true);
            }}
          >
            Settings → Model
          </button>
          . To look in more folders, set FANOUT_MODEL_DIRS (folders separated as in PATH) where the engine runs.
        </p>
      </div>
    </div>
  );
}
