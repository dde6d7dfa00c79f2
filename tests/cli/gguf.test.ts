// `--model FILE.gguf` in the CLI: the same completions as the Hugging Face folder it was converted from,
// and clear errors for a missing file.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Q4_K_M, randomModelToGguf, type GgufTypes } from '../fixtures/hf-to-gguf.ts';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-cli-gguf-'));
  const model = await writeRandomModel(join(dir, 'hf'), { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: false, seed: 21 });
  await writeFile(join(dir, 'model.gguf'), randomModelToGguf(model, 'F16', JSON.parse(readFileSync(join(dir, 'hf', 'tokenizer.json'), 'utf8'))));
  await writeFile(join(dir, 'prompt.ts'), 'function add(a, b) {\n  return');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fanout --model FILE.gguf', () => {
  it('complete gives the same samples as the folder the file was converted from', async () => {
    const run = (model: string) => fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', model, '--n', '4', '--max-tokens', '6', '--seed', '3', '--json']);
    const [a, b] = await Promise.all([run(join(dir, 'hf')), run(join(dir, 'model.gguf'))]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const texts = (r: { stdout: string }) => (JSON.parse(r.stdout) as { candidates: { text: string }[] }).candidates.map((c) => c.text);
    expect(texts(b)).toEqual(texts(a));
  });

  it('a missing .gguf file is one clear line', async () => {
    const r = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, 'nope.gguf')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: error: --model .*nope\.gguf: no such file; pass a Hugging Face model folder or a \.gguf file\.\n$/);
  });
});

describe('fanout with quantized weights', () => {
  // Every weight format on llama and qwen2 files (hidden 256: whole K-quant blocks); logits parity with the
  // float64 reference and llama.cpp is tests/engine/gguf-quant.test.ts, here the CLI's whole path.
  const FILES: [string, 'llama' | 'qwen2', GgufTypes][] = [
    ['q8_0', 'llama', 'q8_0'],
    ['q4_0', 'qwen2', 'q4_0'],
    ['q4_k', 'qwen2', 'q4_k'],
    ['q5_k', 'llama', 'q5_k'],
    ['q6_k', 'qwen2', 'q6_k'],
    ['q4_k_m', 'llama', Q4_K_M],
  ];
  it('complete --n 32 works for Q8_0, Q4_0, Q4_K, Q5_K, Q6_K and a Q4_K_M mix, on llama and qwen2', async () => {
    for (const [name, arch, types] of FILES) {
      const hf = join(dir, `hf-${name}`);
      const model = await writeRandomModel(hf, { arch, dtype: 'F32', hidden: 256, layers: 2, heads: 4, kvHeads: 2, intermediate: 512, tie: arch === 'qwen2', seed: 30 });
      await writeFile(join(dir, `${name}.gguf`), randomModelToGguf(model, types, JSON.parse(readFileSync(join(hf, 'tokenizer.json'), 'utf8'))));
    }
    for (let i = 0; i < FILES.length; i += 2) {
      const runs = await Promise.all(
        FILES.slice(i, i + 2).map(([name]) => fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, `${name}.gguf`), '--n', '32', '--max-tokens', '6', '--seed', '5', '--json'])),
      );
      runs.forEach((r, k) => {
        const [name, , types] = FILES[i + k]!;
        expect(r.code, `${name}: ${r.stderr}`).toBe(0);
        const out = JSON.parse(r.stdout) as { model: { weights: string }; candidates: { text: string; meanLogprob: number }[]; empty: number };
        expect(out.model.weights).toBe(typeof types === 'string' ? `${name.toUpperCase()} 100%` : out.model.weights.match(/^Q4_K \d+%, Q6_K \d+%$/)?.[0]);
        expect(out.candidates.length + out.empty).toBe(32);
        expect(out.candidates.length).toBeGreaterThan(0);
        for (const c of out.candidates) expect(Number.isFinite(c.meanLogprob), `${name}: ${JSON.stringify(c)}`).toBe(true);
      });
    }
  });

  it('bench on a synthetic model with quantized weights reports them and the bytes a step reads', async () => {
    const run = (model: string, more: string[] = []) => fanout(['bench', '--model', model, '--n', '1,2', '--ctx', '64', '--steps', '1', '--as-you-type', '80', '--edit-tokens', '9', '--json', ...more]);
    const [dense, q] = await Promise.all([run('synthetic:tiny', ['--plot', join(dir, 'bench.svg'), '--save', join(dir, 'bench.json')]), run('synthetic:tiny?weights=q4_0')]);
    // --save writes the JSON that --json prints; --plot the figure with a panel for the one context
    expect(JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')).rows).toHaveLength(4);
    expect(readFileSync(join(dir, 'bench.svg'), 'utf8')).toMatch(/^<svg [^]*context 64 tokens[^]*<\/svg>\n$/);
    expect(dense.code, dense.stderr).toBe(0);
    expect(q.code, q.stderr).toBe(0);
    const d = JSON.parse(dense.stdout) as { weights: string; dtype: string; weightBytesPerStep: number; rows: { msPerStep: number }[]; asYouType?: { copiedBytes: number } };
    const r = JSON.parse(q.stdout) as typeof d;
    expect(d.weights).toMatch(/^f(16|32) 100%$/);
    // tiny's MLP down projection (rows of 688 weights) is not whole Q4_0 blocks of 32, so it stays dense.
    expect(r.weights).toMatch(/^Q4_0 \d+%, f(16|32) \d+%$/);
    expect(r.weightBytesPerStep).toBeLessThan(d.weightBytesPerStep * 0.6);
    for (const row of r.rows) expect(row.msPerStep).toBeGreaterThan(0);
    // ceilings measured first; every row has its roofline time
    const rr = r as unknown as { ceilings: Record<string, number>; rows: { rooflineMs: number; flopsPerStep: number }[] };
    for (const k of ['copyGBps', 'readGBps', 'fmaGflops', 'gemmGflops']) expect(rr.ceilings[k], k).toBeGreaterThan(0);
    for (const row of rr.rows) expect(row.rooflineMs).toBeGreaterThan(0);
    // the as-you-type row: both prefills ran; the reused one copied the K/V of the 71 kept tokens
    const c = { layers: 2, kvHeads: 4, headDim: 64 }; // synthetic:tiny (engine/model/synthetic.ts)
    expect(r.asYouType).toMatchObject({ ctx: 80, editTokens: 9, coldMs: expect.any(Number), reusedMs: expect.any(Number) });
    expect(r.asYouType!.copiedBytes).toBe(2 * c.layers * c.kvHeads * c.headDim * (d.dtype === 'f16' ? 2 : 4) * 71);
  });
});

describe('fanout --model: Ollama blobs and --quantize', () => {
  it('a GGUF file without the extension (Ollama: blobs/sha256-<hex>) loads, named by its general.name', async () => {
    const blob = join(dir, `sha256-${'ab12'.repeat(16)}`);
    await writeFile(blob, readFileSync(join(dir, 'model.gguf')));
    const r = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', blob, '--n', '2', '--max-tokens', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { model: { name: string } }).model.name).toBe('random test model');
    await writeFile(join(dir, 'notes'), 'not a model');
    const bad = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, 'notes')]);
    expect(bad.stderr).toMatch(/--model .*notes: a file, but not a GGUF file \(it does not start with "GGUF"\)/);
  });

  it('--quantize holds a dense model in a quantized format; a bad format is one clear line', async () => {
    const r = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, 'hf'), '--quantize', 'q8_0', '--n', '4', '--max-tokens', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { model: { weights: string } }).model.weights).toBe('Q8_0 100%');
    const bad = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, 'hf'), '--quantize', 'q3_k']);
    expect(bad.stderr).toMatch(/^fanout: error: --quantize q3_k: not a quantized weight format; use one of q8_0, q6_k, q5_k, q4_k, q4_0\.\n$/);
  });
});
