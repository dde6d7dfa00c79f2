// Whole model on the GPU vs the float64 reference forward, at every position: a Llama folder and a
// Qwen2-style one (q/k/v biases, grouped-query attention, tied embeddings, bf16 weights).
import { describe, test, expect, afterAll } from 'vitest';
import { rm } from 'node:fs/promises';
import { makeModelDir, engineFor, logSoftmax64 } from './helpers.ts';
import { referenceLogits } from '../reference/forward64.ts';
import { testSeed, rng } from '../gpu.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const cases = [
  { name: 'llama f32 weights, MHA, untied', opts: { arch: 'llama' as const, dtype: 'F32' as const, hidden: 64, layers: 2, heads: 4, kvHeads: 4, intermediate: 96, tie: false } },
  { name: 'qwen2 bf16 weights, GQA, tied, biases', opts: { arch: 'qwen2' as const, dtype: 'BF16' as const, hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 112, tie: true } },
];

describe.each(cases)('$name', ({ opts }) => {
  for (const kind of ['f32', 'f16'] as const) {
    test(`${kind} storage: log-probabilities at every position match float64`, async () => {
      const seed = testSeed();
      const m = await makeModelDir({ ...opts, seed, maxPositions: 512 });
      dirs.push(m.dir);
      // Small prefill chunks and KV buffers so the prompt crosses chunk and binding-split boundaries.
      const engine = await engineFor(m.dir, kind, { prefillChunk: 48, kvChunkBytes: 4096 });
      const r = rng(seed);
      const V = m.config.vocabSize;
      const ids = Array.from({ length: 131 }, () => r.int(V));
      const got = await engine.logits(ids);
      const ref = referenceLogits(m.config, m.tensors, ids, { roundWeightsToF16: kind === 'f16' });
      let worst = 0;
      for (let t = 0; t < ids.length; t++) {
        const a = logSoftmax64(got.subarray(t * V, (t + 1) * V));
        const b = logSoftmax64(ref[t]);
        for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      const tol = kind === 'f32' ? 1e-3 : 5e-2;
      expect(worst, `seed ${seed}: max |Δ log p| ${worst}`).toBeLessThan(tol);
      engine.destroy();
    });
  }
});
