import { describe, expect, it } from 'vitest';
import { testGpu } from '../tests/gpu.ts';
import { SYNTHETIC_MODELS, syntheticWeights } from './model/synthetic.ts';
import { weightSummary } from './model/weight-summary.ts';
import { matrixParams, decodeFlops, rooflineMs, measureCeilings } from './bench-ceilings.ts';

describe('roofline inputs', () => {
  it('matrixParams counts the matrix weights a decode step reads (as the loaded weights hold them)', async () => {
    const ctx = await testGpu('f32');
    for (const name of ['tiny', 'qwen2.5-coder-1.5b'] as const) {
      // Qwen's shape kept small: tied embeddings, q/k/v biases, GQA
      const c = name === 'tiny' ? SYNTHETIC_MODELS.tiny : { ...SYNTHETIC_MODELS[name], layers: 2, vocabSize: 1024, hidden: 256, intermediate: 512, heads: 4, kvHeads: 2, headDim: 64 };
      const w = syntheticWeights(ctx, c, 1);
      expect(matrixParams(c), name).toBe(weightSummary(w).bytesPerStep / 4); // f32: 4 bytes per weight
    }
  });

  it('decodeFlops: 2 per weight per row, 4 per head dim per attended token; the roofline takes the slower bound', () => {
    const c = SYNTHETIC_MODELS.tiny;
    const attn = 4 * c.layers * c.heads * c.headDim;
    expect(decodeFlops(c, 3, 100, 4) - decodeFlops(c, 3, 99, 4)).toBe(3 * attn);
    expect(decodeFlops(c, 2, 0, 0)).toBe(2 * 2 * matrixParams(c) + 2 * attn);
    const ceil = { copyGBps: 2, readGBps: 1, fmaGflops: 10, gemmGflops: 1, gemmShape: '' };
    expect(rooflineMs(ceil, 4e6, 1e6)).toBeCloseTo(2); // 4 MB at 2 GB/s (copy is the faster)
    expect(rooflineMs(ceil, 1e6, 1e9)).toBeCloseTo(100); // 1 GFLOP at 10 GFLOP/s
  });

  it('measureCeilings gives positive, finite rates on the test device', async () => {
    const ctx = await testGpu('f16');
    const c = await measureCeilings(ctx, 20);
    for (const v of [c.copyGBps, c.readGBps, c.fmaGflops, c.gemmGflops]) expect(Number.isFinite(v) && v > 0, JSON.stringify(c)).toBe(true);
  });
});
