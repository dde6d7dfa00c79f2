import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng } from '../../tests/gpu.ts';
import { readBuffer } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { FmaPeak, FMA_PEAK_WG } from './fma-peak.ts';
import { fmaPeakRef } from './fma-peak.ref.ts';

describe('FmaPeak (compute ceiling)', () => {
  it('runs every chain for every step: the sums equal the reference exactly where f32 is exact', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    // m = 1, c = 1: x + iters (a skipped or repeated step shows); m = 1/2, c = 0: x / 2^iters.
    for (const [iters, m, c] of [[1 + r.int(3000), 1, 1], [1 + r.int(12), 0.5, 0]] as const) {
      const groups = 1 + r.int(5);
      const k = new FmaPeak(ctx, { iters, m, c, groups });
      await checked(ctx, 'fmaPeak', () => {
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        k.encode(pass);
        pass.end();
        ctx.device.queue.submit([enc.finish()]);
      });
      const got = new Float32Array(await readBuffer(ctx, k.out, 0, groups * FMA_PEAK_WG * 16));
      expect([...got], `seed ${seed}, iters ${iters}, m ${m}`).toEqual([...fmaPeakRef(groups * FMA_PEAK_WG, iters, m, c)]);
      expect(k.flops).toBe(groups * FMA_PEAK_WG * iters * 64);
      k.destroy();
    }
  });
});
