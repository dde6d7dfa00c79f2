import { describe, expect, it } from 'vitest';
import { formatModelSize, initialIndex, modelDetails, searchedLines, sortModels } from './model-list.ts';
import type { LocalModel } from './protocol.ts';

const model = (patch: Partial<LocalModel>): LocalModel => ({
  name: 'm',
  path: '/m.gguf',
  bytes: 1,
  source: 'folder',
  architecture: 'llama',
  quantization: 'Q4_K_M',
  parameters: 7_615_616_512,
  splitParts: null,
  loadable: { ok: true },
  error: null,
  ...patch,
});

describe('the model list', () => {
  it('gives sizes in decimal units, as Ollama and model sites do', () => {
    expect(formatModelSize(4_683_087_332)).toBe('4.7 GB');
    expect(formatModelSize(15_237_853_504)).toBe('15 GB');
    expect(formatModelSize(8_650_112)).toBe('8.7 MB');
    expect(formatModelSize(512_000)).toBe('512 kB');
    expect(formatModelSize(12)).toBe('12 B');
    expect(formatModelSize(-1)).toBe('—');
  });

  it('lists loadable models first, otherwise in the host\'s order', () => {
    const a = model({ name: 'a', loadable: { ok: false, why: 'no' } });
    const b = model({ name: 'b' });
    const c = model({ name: 'c', loadable: { ok: false, why: 'no' } });
    const d = model({ name: 'd' });
    expect(sortModels([a, b, c, d]).map((m) => m.name)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('says why a model cannot be loaded, else what it is', () => {
    expect(modelDetails(model({}))).toBe('llama · 7.62B params');
    expect(modelDetails(model({ loadable: { ok: false, why: "architecture 'gemma2' is not supported" } }))).toBe("architecture 'gemma2' is not supported");
    expect(modelDetails(model({ architecture: null, parameters: null }))).toBe('');
  });

  it('names where the host looked, and whether the folder was there', () => {
    expect(searchedLines([{ source: 'ollama', path: '/home/u/.ollama/models', found: false }, { source: 'lmstudio', path: '/home/u/.lmstudio/models', found: true }])).toEqual([
      '/home/u/.ollama/models (Ollama, not there)',
      '/home/u/.lmstudio/models (LM Studio)',
    ]);
  });

  it('starts on the model loaded now, else the first loadable one', () => {
    const list = [model({ path: '/a', loadable: { ok: false, why: 'x' } }), model({ path: '/b' }), model({ path: '/c' })];
    expect(initialIndex(list, '/c')).toBe(2);
    expect(initialIndex(list, 'models/fanout-code-4m')).toBe(1);
    expect(initialIndex([model({ loadable: { ok: false, why: 'x' } })], '')).toBe(0);
  });
});
