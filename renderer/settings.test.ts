import { describe, expect, it } from 'vitest';
import { clampSetting, DEFAULT_SETTINGS, loadSettings, modelFieldProblem, modelRef, saveSettings, SETTINGS_KEY, validateSettings } from './settings.ts';

const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
};

describe('settings', () => {
  it('defaults follow the engine defaults (32 samples, mean re-rank)', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ n: 32, stop: 'line', attention: 'bifurcated', rerank: 'mean' });
  });

  it('round-trips through storage', () => {
    const s = memory();
    const custom = { ...DEFAULT_SETTINGS, n: 8, temperature: 0.2, stop: 'block' as const, model: 'models/tiny', rerank: 'parses' as const };
    saveSettings(s, custom);
    expect(loadSettings(s)).toEqual({ settings: custom, reset: [] });
  });

  it('keeps valid fields and resets invalid ones, reporting which', () => {
    const r = validateSettings({ n: 65, temperature: 0.5, topP: 0, maxTokens: 12.5, stop: 'para', attention: 'standard', model: 7, rerank: 'agreement' });
    expect(r.settings).toEqual({ ...DEFAULT_SETTINGS, temperature: 0.5, attention: 'standard', rerank: 'agreement' });
    expect(r.reset.sort()).toEqual(['maxTokens', 'model', 'n', 'stop', 'topP']);
  });

  it('accepts the range ends and rejects NaN/Infinity', () => {
    expect(validateSettings({ n: 1 }).settings.n).toBe(1);
    expect(validateSettings({ n: 64 }).settings.n).toBe(64);
    expect(validateSettings({ temperature: 0 }).settings.temperature).toBe(0);
    expect(validateSettings({ temperature: Number.NaN }).reset).toEqual(['temperature']);
    expect(validateSettings({ maxTokens: Number.POSITIVE_INFINITY }).reset).toEqual(['maxTokens']);
  });

  it('survives garbage in storage', () => {
    const s = memory();
    s.m.set(SETTINGS_KEY, '{not json');
    expect(loadSettings(s).settings).toEqual(DEFAULT_SETTINGS);
    expect(loadSettings(s).reset.length).toBeGreaterThan(0);
    s.m.set(SETTINGS_KEY, '"a string"');
    expect(loadSettings(s)).toEqual({ settings: DEFAULT_SETTINGS, reset: [] });
    expect(loadSettings(memory())).toEqual({ settings: DEFAULT_SETTINGS, reset: [] });
  });

  it('maps the model field to a host model reference', () => {
    expect(modelRef(' models/fanout-code-4m ')).toEqual({ kind: 'dir', path: 'models/fanout-code-4m' });
    expect(modelRef('C:\\models\\qwen')).toEqual({ kind: 'dir', path: 'C:\\models\\qwen' });
    expect(modelRef('https://example.org/m/')).toEqual({ kind: 'url', url: 'https://example.org/m/' });
    // Hosts refuse synthetic models (random weights, no tokenizer): the field does not offer them.
    expect(modelRef('synthetic:tiny')).toBeUndefined();
    expect(modelFieldProblem('synthetic:tiny')).toMatch(/random weights.*Enter a model folder/);
    expect(validateSettings({ model: 'synthetic:tiny' }).reset).toEqual(['model']);
    expect(modelFieldProblem('~/models/qwen')).toBeUndefined();
    expect(modelFieldProblem(' ')).toMatch(/^Enter a model folder/);
    expect(modelRef('')).toBeUndefined();
    expect(validateSettings({ model: '' }).reset).toEqual(['model']);
  });

  it('suggestions as you type: on, after a 300 ms pause, the device default n; validated like the rest', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({ autoComplete: true, autoDelayMs: 300, autoN: 0 });
    const r = validateSettings({ autoComplete: 'yes', autoDelayMs: 10, autoN: 65 });
    expect(r.reset.sort()).toEqual(['autoComplete', 'autoDelayMs', 'autoN']);
    expect(validateSettings({ autoComplete: false, autoDelayMs: 500, autoN: 4 }).settings).toMatchObject({ autoComplete: false, autoDelayMs: 500, autoN: 4 });
    expect(clampSetting('autoDelayMs', 1)).toBe(50);
    expect(clampSetting('autoN', 3.4)).toBe(3);
  });

  it('theme: dark by default; dark, light or system', () => {
    expect(DEFAULT_SETTINGS.theme).toBe('dark');
    expect(validateSettings({ theme: 'light' }).settings.theme).toBe('light');
    expect(validateSettings({ theme: 'system' }).settings.theme).toBe('system');
    expect(validateSettings({ theme: 'blue' }).reset).toEqual(['theme']);
  });

  it('clamps typed numbers into range', () => {
    expect(clampSetting('n', 100)).toBe(64);
    expect(clampSetting('n', 0)).toBe(1);
    expect(clampSetting('n', 7.6)).toBe(8);
    expect(clampSetting('topP', 0)).toBe(0.01);
    expect(clampSetting('temperature', Number.NaN)).toBe(DEFAULT_SETTINGS.temperature);
  });
});
