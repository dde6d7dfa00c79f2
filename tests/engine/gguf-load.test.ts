// A GGUF file and the Hugging Face folder it was converted from (tests/fixtures/hf-to-gguf.ts, llama.cpp's
// layout: renamed tensors, ne reversed, llama's q/k rows permuted, tokenizer.ggml.*) load into the same
// model: same config, same token ids, the same logits at every position.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../engine/engine.ts';
import { dirSource } from '../../engine/model/fs-source.ts';
import { randomModelToGguf } from '../fixtures/hf-to-gguf.ts';
import { writeRandomModel, type RandomModelOptions } from '../fixtures/make-model.ts';
import { testGpu } from '../gpu.ts';

let root: string;
let engine: Engine;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-gguf-load-'));
  engine = await Engine.create(await testGpu('f32'));
}, 120_000);
afterAll(async () => {
  engine?.unload();
  if (root) await rm(root, { recursive: true, force: true });
});

const CASES: [string, RandomModelOptions][] = [
  ['llama F32, GQA, untied', { arch: 'llama', dtype: 'F32', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: false, seed: 11 }],
  ['llama F16, head_dim ≠ hidden/heads, q/k/v biases, tied', { arch: 'llama', dtype: 'F16', hidden: 48, layers: 2, heads: 4, kvHeads: 4, intermediate: 64, tie: true, seed: 12, headDim: 16, attentionBias: true }],
  ['qwen2 BF16 (not permuted), biases', { arch: 'qwen2', dtype: 'BF16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: true, seed: 13 }],
];

describe('GGUF load: the same model as its Hugging Face folder', () => {
  for (const [label, opts] of CASES) {
    it(label, async () => {
      const dir = join(root, `hf-${opts.seed}`);
      const model = await writeRandomModel(dir, opts);
      const tokenizerJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
      await writeFile(join(root, `m${opts.seed}.gguf`), randomModelToGguf(model, opts.dtype, tokenizerJson));

      const text = 'function add(a, b) {\n  return a + b;\n}\n<|fim_prefix|>x';
      await engine.load(dirSource(dir));
      const ids = engine.tokenizer.encode(text);
      const want = await engine.logits(ids);
      const info = await engine.load({ ...dirSource(root), gguf: `m${opts.seed}.gguf` });
      expect(info.name).toBe(`m${opts.seed}`);
      expect(engine.tokenizer.encode(text)).toEqual(ids);
      const got = await engine.logits(ids);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('a GGUF file with a tensor type Fanout does not load (Q4_1) is refused naming the tensor, its type and what loads', async () => {
    const dir = join(root, 'hf-q');
    const opts = CASES[0]![1];
    const model = await writeRandomModel(dir, opts);
    const bytes = randomModelToGguf(model, 'F32', JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')));
    // Retype blk.0.attn_v.weight as Q4_1 in place: [64 in, 32 out] F32 = 8192 bytes; Q4_1 needs 2 × 20 × 32 = 1280.
    const name = new TextEncoder().encode('blk.0.attn_v.weight');
    let at = -1;
    for (let i = 0; i < bytes.length - name.length && at < 0; i++) if (name.every((b, k) => bytes[i + k] === b)) at = i + name.length;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getUint32(at, true)).toBe(2); // n_dims
    view.setUint32(at + 4 + 16, 3, true); // the type after ne[0], ne[1]
    await writeFile(join(root, 'q.gguf'), bytes);
    await expect(engine.load({ ...dirSource(root), gguf: 'q.gguf' })).rejects.toThrow(
      /tensor 'blk\.0\.attn_v\.weight' is Q4_1; Fanout loads F32, F16, BF16 weights and the quantized Q8_0, Q6_K, Q5_K, Q4_K, Q4_0; use a GGUF file in one of those \(e\.g\. Q4_K_M/,
    );
  });
});
