// User settings: defaults, validation of whatever localStorage holds, persistence.
import type { AttentionMode, StopMode } from '../protocol/engine.ts';
import { DEFAULT_REQUEST } from '../protocol/request-defaults.ts';
import type { ModelRef } from './protocol.ts';
import { FIM_MODES, type FimMode } from '../protocol/fim.ts';
import { DEFAULT_AUTO_DELAY_MS } from './autocomplete.ts';
import { RERANK_MODES, type RerankMode } from './rerank.ts';

export interface Settings {
  /** Samples per request, 1..64. */
  n: number;
  /** 0 (greedy) .. 2. */
  temperature: number;
  /** (0, 1]; 1 = off. */
  topP: number;
  /** 1..1024. */
  maxTokens: number;
  stop: StopMode;
  attention: AttentionMode;
  /** The model to load, as typed: a folder or GGUF file path on the host's machine or an http(s) URL (see modelRef). */
  model: string;
  rerank: RerankMode;
  /** The app's colours and Monaco's theme: dark (vs-dark), light (vs), or the system's preference. */
  theme: ThemeSetting;
  /** Suggestions as you type: request completions after a typing pause and show the best as ghost text. */
  autoComplete: boolean;
  /** The pause (ms) after the last edit before an automatic request. */
  autoDelayMs: number;
  /** Samples per automatic request; 0 = the device's default (8 on a CPU adapter, 32 on a GPU). */
  autoN: number;
  /** Tokens of the prompt that chunks of other open and recent files may take (0 = none; context-ring.ts). */
  contextTokens: number;
  /** Sampling seed of every request; -1 = a new random seed each time (reproducible runs, like llama.cpp's --seed). */
  seed: number;
  /** Where completions come from: the engine's own GPU (`model`), or an OpenAI-compatible server. */
  engine: EngineKind;
  /** Remote: the server's OpenAI base URL, e.g. http://gpu-box:8000/v1 (its API key is kept by the engine's host, not here). */
  remoteUrl: string;
  /** Remote: the model id to ask for; '' = the first the server lists. */
  remoteModel: string;
  /** Remote: how a suffix reaches the model (the server's `suffix` field, or a FIM template of that model family). */
  remoteFim: FimMode;
}

export type EngineKind = 'local' | 'remote';
export const ENGINE_KINDS: readonly EngineKind[] = ['local', 'remote'];
export { FIM_MODES, type FimMode };

export const DEFAULT_SETTINGS: Settings = {
  n: DEFAULT_REQUEST.n,
  temperature: DEFAULT_REQUEST.temperature,
  topP: DEFAULT_REQUEST.topP,
  maxTokens: DEFAULT_REQUEST.maxTokens,
  stop: DEFAULT_REQUEST.stop,
  attention: DEFAULT_REQUEST.attention,
  model: 'models/fanout-code-4m',
  rerank: 'mean',
  theme: 'dark',
  autoComplete: true,
  autoDelayMs: DEFAULT_AUTO_DELAY_MS,
  autoN: 0,
  contextTokens: 512,
  seed: -1,
  engine: 'local',
  remoteUrl: '',
  remoteModel: '',
  remoteFim: 'suffix',
};

export const LIMITS = {
  n: { min: 1, max: 64, step: 1 },
  temperature: { min: 0, max: 2, step: 0.05 },
  topP: { min: 0.01, max: 1, step: 0.01 },
  maxTokens: { min: 1, max: 1024, step: 1 },
  autoDelayMs: { min: 50, max: 5000, step: 50 },
  autoN: { min: 0, max: 64, step: 1 },
  contextTokens: { min: 0, max: 4096, step: 64 },
  seed: { min: -1, max: 0x7fffffff, step: 1 },
} as const;

export const STOP_MODES: readonly StopMode[] = ['line', 'block', 'none'];
export type ThemeSetting = 'dark' | 'light' | 'system';
export const THEMES: readonly ThemeSetting[] = ['dark', 'light', 'system'];
export const ATTENTION_MODES: readonly AttentionMode[] = ['bifurcated', 'standard'];

export const SETTINGS_KEY = 'fanout.settings.v1';

export interface ValidatedSettings {
  settings: Settings;
  /** Fields that were present but invalid and were reset to their defaults. */
  reset: (keyof Settings)[];
}

/**
 * Accepts any value (typically JSON.parse of localStorage) and returns valid settings: each field that
 * is valid is kept, each invalid one falls back to its default, missing ones silently so.
 */
export function validateSettings(raw: unknown): ValidatedSettings {
  const src = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const reset: (keyof Settings)[] = [];
  const pick = <K extends keyof Settings>(key: K, ok: (v: unknown) => boolean): Settings[K] => {
    if (!(key in src)) return DEFAULT_SETTINGS[key];
    if (ok(src[key])) return src[key] as Settings[K];
    reset.push(key);
    return DEFAULT_SETTINGS[key];
  };
  const inRange = (k: keyof typeof LIMITS, integer: boolean) => (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v)) && v >= LIMITS[k].min && v <= LIMITS[k].max;
  const settings: Settings = {
    n: pick('n', inRange('n', true)),
    temperature: pick('temperature', inRange('temperature', false)),
    topP: pick('topP', inRange('topP', false)),
    maxTokens: pick('maxTokens', inRange('maxTokens', true)),
    stop: pick('stop', (v) => STOP_MODES.includes(v as StopMode)),
    attention: pick('attention', (v) => ATTENTION_MODES.includes(v as AttentionMode)),
    model: pick('model', (v) => typeof v === 'string' && modelRef(v) !== undefined),
    rerank: pick('rerank', (v) => RERANK_MODES.some((m) => m.mode === v)),
    theme: pick('theme', (v) => THEMES.includes(v as ThemeSetting)),
    autoComplete: pick('autoComplete', (v) => typeof v === 'boolean'),
    autoDelayMs: pick('autoDelayMs', inRange('autoDelayMs', true)),
    autoN: pick('autoN', inRange('autoN', true)),
    contextTokens: pick('contextTokens', inRange('contextTokens', true)),
    seed: pick('seed', inRange('seed', true)),
    engine: pick('engine', (v) => ENGINE_KINDS.includes(v as EngineKind)),
    remoteUrl: pick('remoteUrl', (v) => typeof v === 'string' && (v === '' || remoteUrlProblem(v) === undefined)),
    remoteModel: pick('remoteModel', (v) => typeof v === 'string' && v.length <= 512),
    remoteFim: pick('remoteFim', (v) => FIM_MODES.includes(v as FimMode)),
  };
  return { settings, reset };
}

/** Clamps a number typed into a settings field to its range (integers rounded); NaN gives the default. */
export function clampSetting(key: keyof typeof LIMITS, value: number): number {
  const { min, max } = LIMITS[key];
  if (!Number.isFinite(value)) return DEFAULT_SETTINGS[key];
  const v = key === 'temperature' || key === 'topP' ? value : Math.round(value);
  return Math.min(max, Math.max(min, v));
}

export function loadSettings(storage: Pick<Storage, 'getItem'>): ValidatedSettings {
  const text = storage.getItem(SETTINGS_KEY);
  if (text === null) return { settings: { ...DEFAULT_SETTINGS }, reset: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { settings: { ...DEFAULT_SETTINGS }, reset: Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[] };
  }
  return validateSettings(raw);
}

export function saveSettings(storage: Pick<Storage, 'setItem'>, settings: Settings): void {
  storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
}

/**
 * What is wrong with the model field's text, as a sentence that says what to enter instead; undefined
 * when it names a model the app can load. `synthetic:NAME` (random weights, no tokenizer) is refused:
 * every host refuses to complete text with it, so the app does not offer it.
 */
export function modelFieldProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Enter a model folder or .gguf file on the engine\'s machine (e.g. models/fanout-code-4m) or an http(s) URL serving one.';
  if (t.length > 4096) return `The path is ${t.length} characters long; enter a folder path of at most 4096.`;
  if (/^synthetic:/i.test(t)) {
    return 'Synthetic models have random weights and no tokenizer, so they cannot complete code; they are for timing (fanout bench --model synthetic:NAME). Enter a model folder.';
  }
  return undefined;
}

/**
 * The host's model reference for the model field: an http(s) URL is a model served over HTTP, anything
 * else a folder path on the host's machine (`~/` is the host's home folder). Undefined when the field
 * has a problem (modelFieldProblem).
 */
export function modelRef(text: string): ModelRef | undefined {
  if (modelFieldProblem(text) !== undefined) return undefined;
  const t = text.trim();
  if (/^https?:\/\//i.test(t)) return { kind: 'url', url: t };
  return { kind: 'dir', path: t };
}

/** What is wrong with a remote server's base URL, as a sentence; undefined when it is usable. */
export function remoteUrlProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return "Enter the server's OpenAI base URL, e.g. http://127.0.0.1:8080/v1 (fanout serve) or http://gpu-box:8000/v1 (vLLM).";
  if (t.length > 2048) return `The URL is ${t.length} characters long; enter at most 2048.`;
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return `${t} is not a URL: enter one like http://127.0.0.1:8080/v1.`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Use an http:// or https:// URL.';
  if (u.username || u.password) return 'Put the API key in the key field, not in the URL.';
  return undefined;
}

/** The host's model reference for a remote server; `apiKey` only when the user typed one (the host keeps it). */
export function remoteRef(s: Pick<Settings, 'remoteUrl' | 'remoteModel' | 'remoteFim'>, apiKey?: string): ModelRef | undefined {
  if (remoteUrlProblem(s.remoteUrl) !== undefined) return undefined;
  const key = apiKey?.trim();
  return { kind: 'remote', url: s.remoteUrl.trim(), model: s.remoteModel.trim(), fim: s.remoteFim, ...(key ? { apiKey: key } : {}) };
}
