// complete / score through the real bin on the GPU, with a small random-weight model folder.
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout } from './helpers.ts';

let dir: string;
let model: string;
let broken: string;
let prompt: string;
let completion: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-cli-gpu-'));
  model = join(dir, 'model');
  await writeRandomModel(model, { arch: 'qwen2', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: true, seed: 3, maxPositions: 256 });
  broken = join(dir, 'broken');
  await writeRandomModel(broken, { arch: 'llama', dtype: 'F32', hidden: 32, layers: 1, heads: 2, kvHeads: 2, intermediate: 48, tie: false, seed: 4 });
  await unlink(join(broken, 'model.safetensors'));
  prompt = join(dir, 'prompt.ts');
  await writeFile(prompt, 'function add(a, b) {\n  return');
  completion = join(dir, 'completion.ts');
  await writeFile(completion, ' a + b;\n}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = () => ['complete', '--prompt-file', prompt, '--model', model, '--n', '6', '--max-tokens', '8', '--stop', 'none'];

describe('fanout complete', () => {
  it('--json: the documented shape, ranked by mean logprob', async () => {
    const r = await fanout([...base(), '--seed', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['model', 'candidates', 'empty', 'timings']);
    expect(Object.keys(out.model)).toEqual(['name', 'parameters', 'layers', 'hidden', 'heads', 'kvHeads', 'vocab', 'contextLength', 'dtype', 'weights', 'device']);
    expect(out.model).toMatchObject({ name: 'model', layers: 2, hidden: 64, heads: 4, kvHeads: 2, contextLength: 256 });
    expect(Object.keys(out.timings)).toEqual(['prefillMs', 'decodeMs', 'steps', 'msPerStep', 'tokensPerSecond']);
    // Blank samples are no candidates; they are counted instead.
    expect(out.candidates.length + out.empty).toBe(6);
    expect(out.candidates.length).toBeGreaterThan(0);
    type Row = { rank: number; tokens: number; meanLogprob: number; sumLogprob: number; finishReason: string; text: string; demotion: string | null };
    out.candidates.forEach((c: Row, i: number) => {
      expect(Object.keys(c)).toEqual(['rank', 'text', 'tokens', 'meanLogprob', 'sumLogprob', 'finishReason', 'demotion']);
      expect(c.text.trim()).not.toBe('');
      expect(c.rank).toBe(i + 1);
      expect(c.tokens).toBeLessThanOrEqual(8);
      expect(c.meanLogprob).toBeCloseTo(c.sumLogprob / Math.max(c.tokens, 1), 9);
      expect(c.sumLogprob).toBeLessThanOrEqual(0);
      expect(['eos', 'length']).toContain(c.finishReason);
      // Cleanly ended samples first, then those cut at max tokens; by mean log-prob within each.
      const prev: Row | undefined = out.candidates[i - 1];
      if (prev && (prev.finishReason === 'length') === (c.finishReason === 'length') && prev.demotion === c.demotion) {
        expect(c.meanLogprob).toBeLessThanOrEqual(prev.meanLogprob);
      }
      if (prev?.finishReason === 'length') expect(c.finishReason).toBe('length');
    });
  });

  it('--min-tokens K: no sample ends before K tokens (here K = max tokens, so every one runs to the limit)', async () => {
    const r = await fanout([...base(), '--seed', '5', '--min-tokens', '8', '--temperature', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { candidates: { tokens: number; finishReason: string }[] };
    expect(out.candidates.length).toBeGreaterThan(0);
    for (const c of out.candidates) expect(c).toMatchObject({ tokens: 8, finishReason: 'length' });
  });

  it('is reproducible for a seed and differs across seeds', async () => {
    const run = async (seed: string) => JSON.parse((await fanout([...base(), '--seed', seed, '--json'])).stdout).candidates;
    const a = await run('11');
    expect(await run('11')).toEqual(a);
    expect(await run('12')).not.toEqual(a);
  });

  it('prints a table with one row per candidate and a timing line', async () => {
    const r = await fanout([...base(), '--n', '3']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/rank\s+mean lp\s+tokens\s+finish\s+text/);
    expect(lines.slice(1, 4).map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', '2', '3']);
    expect(lines.at(-1)).toMatch(/model on .*: prefill .* ms, \d+ decode steps at .* ms\/step/);
  });

  it('--verbose prints the adapter, features and limits to stderr', async () => {
    const r = await fanout([...base(), '--n', '1', '--verbose', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^adapter: /m);
    expect(r.stderr).toMatch(/^adapter features: /m);
    expect(r.stderr).toMatch(/^enabled: /m);
    expect(r.stderr).toMatch(/^limits: .*maxStorageBufferBindingSize=\d+/m);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('an unreadable model is one error line and exit 2', async () => {
    const r = await fanout(['complete', '--prompt-file', prompt, '--model', broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // Dawn's own "Warning: …" lines about adapter limits are filtered out (bin/fanout.mjs): one line only.
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^fanout: error: .*model\.safetensors/);
  });
});

describe('fanout score', () => {
  it('--json: one logprob per completion token, summed', async () => {
    const r = await fanout(['score', '--prompt-file', prompt, '--completion-file', completion, '--model', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tokens: number[]; logprobs: number[]; sumLogprob: number };
    expect(Object.keys(out)).toEqual(['tokens', 'logprobs', 'sumLogprob']);
    expect(out.tokens.length).toBeGreaterThan(0);
    expect(out.logprobs).toHaveLength(out.tokens.length);
    for (const lp of out.logprobs) expect(lp).toBeLessThanOrEqual(0);
    expect(out.sumLogprob).toBeCloseTo(out.logprobs.reduce((a, b) => a + b, 0), 6);
  });
});
