// Sampling and model settings. Changes apply to the next request and are saved in localStorage.
import { useEffect, useState } from 'react';
import { useApp, useServices } from '../app-context.ts';
import { ATTENTION_MODES, clampSetting, FIM_MODES, LIMITS, STOP_MODES, THEMES, modelFieldProblem, remoteUrlProblem, type EngineKind, type FimMode, type Settings } from '../settings.ts';

const STOP_LABELS: Record<string, string> = { line: 'End of line', block: 'End of block', none: 'Max tokens only' };
const THEME_LABELS: Record<Settings['theme'], string> = { dark: 'Dark', light: 'Light', system: 'System' };
const FIM_LABELS: Record<FimMode, string> = {
  suffix: 'Server lays it out (suffix field)',
  'qwen2.5-coder': 'Qwen2.5-Coder tokens',
  starcoder: 'StarCoder tokens',
  'deepseek-coder': 'DeepSeek-Coder tokens',
  codellama: 'CodeLlama tokens',
  none: 'No fill-in-the-middle',
};

export function SettingsPanel({ onClose }: { onClose(): void }) {
  const { store } = useServices();
  const settings = useApp((s) => s.settings);
  const loaded = useApp((s) => s.model);
  const loading = useApp((s) => s.loading);
  const connected = useApp((s) => s.connection.kind === 'open');
  const update = (patch: Partial<Settings>) => store.getState().updateSettings(patch);
  const [model, setModel] = useState(settings.model);
  const problem = modelFieldProblem(model);
  const modelValid = problem === undefined;
  const [engine, setEngine] = useState<EngineKind>(settings.engine);
  const [remote, setRemote] = useState({ remoteUrl: settings.remoteUrl, remoteModel: settings.remoteModel, remoteFim: settings.remoteFim });
  // The key goes to the engine's host once (it keeps it outside these settings); the field starts empty.
  const [apiKey, setApiKey] = useState('');
  const urlProblem = remoteUrlProblem(remote.remoteUrl);
  const keyProblem = apiKey.trim() && !/^[\x21-\x7e]{16,512}$/.test(apiKey.trim()) ? 'An API key is 16 to 512 characters without spaces.' : undefined;
  const remoteValid = urlProblem === undefined && keyProblem === undefined;

  return (
    <form
      className="settings"
      data-testid="settings-panel"
      aria-label="Settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (engine === 'remote') {
          if (!remoteValid) return;
          store.getState().connectRemote(remote, apiKey.trim() || undefined);
          setApiKey('');
          return;
        }
        if (!modelValid) return;
        // The setting changes when the host says it loaded (store.loadModel): a folder that fails keeps the last good one.
        store.getState().loadModel(model.trim());
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div className="settings-grid">
        <NumberField label="Samples" hint="1–64" field="n" value={settings.n} onCommit={(n) => update({ n })} />
        <NumberField label="Max tokens" hint="per sample" field="maxTokens" value={settings.maxTokens} onCommit={(maxTokens) => update({ maxTokens })} />
        <NumberField label="Temperature" hint="0 = greedy" field="temperature" value={settings.temperature} onCommit={(temperature) => update({ temperature })} />
        <NumberField label="Top-p" hint="1 = off" field="topP" value={settings.topP} onCommit={(topP) => update({ topP })} />
        <label className="field">
          <span>Stop at</span>
          <select value={settings.stop} onChange={(e) => update({ stop: e.target.value as Settings['stop'] })}>
            {STOP_MODES.map((m) => (
              <option key={m} value={m}>
                {STOP_LABELS[m]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Theme</span>
          <select data-testid="theme" value={settings.theme} onChange={(e) => update({ theme: e.target.value as Settings['theme'] })}>
            {THEMES.map((t) => (
              <option key={t} value={t}>
                {THEME_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Attention</span>
          <select value={settings.attention} onChange={(e) => update({ attention: e.target.value as Settings['attention'] })}>
            {ATTENTION_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>As you type</span>
          <select data-testid="auto-complete" value={settings.autoComplete ? 'on' : 'off'} onChange={(e) => update({ autoComplete: e.target.value === 'on' })}>
            <option value="on">Suggest after a pause</option>
            <option value="off">Off (Ctrl/Cmd+Enter only)</option>
          </select>
        </label>
        <NumberField label="Pause" hint="ms" field="autoDelayMs" value={settings.autoDelayMs} onCommit={(autoDelayMs) => update({ autoDelayMs })} />
        <NumberField label="Samples as you type" hint="0 = 8 CPU, 32 GPU" field="autoN" value={settings.autoN} onCommit={(autoN) => update({ autoN })} />
        <NumberField
          label="Other files"
          hint="prompt tokens; 0 = off"
          field="contextTokens"
          value={settings.contextTokens}
          onCommit={(contextTokens) => update({ contextTokens })}
        />
        <NumberField label="Seed" hint="-1 = random" field="seed" value={settings.seed} onCommit={(seed) => update({ seed })} />
      </div>
      <label className="field wide">
        <span>Engine</span>
        <select data-testid="engine-kind" value={engine} onChange={(e) => setEngine(e.target.value as EngineKind)}>
          <option value="local">This machine's GPU (a local model)</option>
          <option value="remote">A remote server (OpenAI-compatible: fanout serve, vLLM, SGLang, llama-server)</option>
        </select>
      </label>
      {engine === 'local' ? (
        <label className="field wide">
          <span>Model</span>
          <div className="model-row">
            <input
              type="text"
              value={model}
              spellCheck={false}
              placeholder="models/fanout-code-4m"
              aria-invalid={!modelValid}
              aria-describedby="model-help"
              onChange={(e) => setModel(e.target.value)}
            />
            <button className="btn" type="submit" disabled={!modelValid || !connected || !!loading}>
              {loading ? 'Loading…' : 'Load'}
            </button>
          </div>
          {/* One line of help: what the field takes, or what is wrong with what was typed. */}
          <small id="model-help" className={modelValid ? 'dim' : 'field-error'} data-testid="model-help">
            {modelValid ? `A model folder on the engine's machine (~/ is its home folder), a .gguf file there, or an http(s) URL serving a folder. The model button (▾) in the toolbar lists the models found there.` : problem}
            {loaded ? ` Loaded: ${loaded.name}.` : ''}
          </small>
        </label>
      ) : (
        <div className="field wide remote-fields" data-testid="remote-fields">
          <label className="field">
            <span>Server URL</span>
            <input
              type="url"
              data-testid="remote-url"
              value={remote.remoteUrl}
              spellCheck={false}
              placeholder="http://127.0.0.1:8080/v1"
              aria-invalid={urlProblem !== undefined}
              onChange={(e) => setRemote({ ...remote, remoteUrl: e.target.value })}
            />
          </label>
          <div className="settings-grid remote-grid">
            <label className="field">
              <span>
                Model id <small className="dim">empty = the server's first</small>
              </span>
              <input type="text" data-testid="remote-model" value={remote.remoteModel} spellCheck={false} onChange={(e) => setRemote({ ...remote, remoteModel: e.target.value })} />
            </label>
            <label className="field">
              <span>Fill-in-the-middle</span>
              <select data-testid="remote-fim" value={remote.remoteFim} onChange={(e) => setRemote({ ...remote, remoteFim: e.target.value as FimMode })}>
                {FIM_MODES.map((m) => (
                  <option key={m} value={m}>
                    {FIM_LABELS[m]}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>
                API key <small className="dim">kept by the engine's host</small>
              </span>
              <input type="password" data-testid="remote-key" value={apiKey} autoComplete="off" placeholder={settings.engine === 'remote' ? 'unchanged' : 'none'} onChange={(e) => setApiKey(e.target.value)} />
            </label>
          </div>
          <div className="model-row">
            <small className={remoteValid ? 'dim' : 'field-error'} data-testid="remote-help">
              {urlProblem ?? keyProblem ?? 'Candidates stream from the server and are ranked here; the ranking by log-probability needs a server that returns them.'}
              {loaded && settings.engine === 'remote' ? ` Connected: ${loaded.name}.` : ''}
            </small>
            <button className="btn" type="submit" data-testid="remote-connect" disabled={!remoteValid || !connected || !!loading}>
              {loading ? 'Connecting…' : 'Connect'}
            </button>
          </div>
        </div>
      )}
    </form>
  );
}

/** A number input that accepts free typing and clamps to the setting's range when committed. */
function NumberField(props: { label: string; hint: string; field: keyof typeof LIMITS; value: number; onCommit(v: number): void }) {
  const { label, hint, field, value, onCommit } = props;
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const commit = () => {
    const v = clampSetting(field, Number.parseFloat(text));
    setText(String(v));
    if (v !== value) onCommit(v);
  };
  const { min, max, step } = LIMITS[field];
  return (
    <label className="field">
      <span>
        {label} <small className="dim">{hint}</small>
      </span>
      <input
        type="number"
        inputMode="decimal"
        min={min}
        max={max}
        step={step}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
      />
    </label>
  );
}
