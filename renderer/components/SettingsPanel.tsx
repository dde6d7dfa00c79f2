// Sampling and model settings. Changes apply to the next request and are saved in localStorage.
import { useEffect, useState } from 'react';
import { useApp, useServices } from '../app-context.ts';
import { ATTENTION_MODES, clampSetting, LIMITS, STOP_MODES, THEMES, modelFieldProblem, type Settings } from '../settings.ts';

const STOP_LABELS: Record<string, string> = { line: 'End of line', block: 'End of block', none: 'Max tokens only' };
const THEME_LABELS: Record<Settings['theme'], string> = { dark: 'Dark', light: 'Light', system: 'System' };

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

  return (
    <form
      className="settings"
      data-testid="settings-panel"
      aria-label="Settings"
      onSubmit={(e) => {
        e.preventDefault();
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
