import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError } from '../../tests/gpu.ts';
import { createStorage, createStorageFrom, readF32 } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { SwiGlu } from './swiglu.ts';
import { swigluRef } from './swiglu.ref.ts';

for (const kind of ['f16', 'f32'] as const) {
  describe(`SwiGlu (${kind} device)`, () => {
    for (const [inter, rowsList] of [[7, [1, 3]], [333, [1, 37]], [1000, [5]]] as [number, number[]][]) {
      it(`I ${inter} rows ${rowsList}`, async () => {
        const ctx = await testGpu(kind);
        const seed = testSeed();
        const r = rng(seed);
        const maxRows = Math.max(...rowsList);
        const gu = r.fill(maxRows * 2 * inter, 12); // covers silu's saturated tails
        gu[0] = -100; // e^100 overflows f32: silu must still give -0
        const g = createStorageFrom(ctx, gu, 'gu');
        const out = createStorage(ctx, maxRows * inter * 4, 'out');
        const k = new SwiGlu(ctx, { gateUp: g, out, intermediate: inter, maxRows });
        for (const rows of rowsList) {
          ctx.device.queue.writeBuffer(out, 0, new Float32Array(maxRows * inter).fill(7));
          await checked(ctx, 'swiglu', () => {
            const enc = ctx.device.createCommandEncoder();
            const pass = enc.beginComputePass();
            k.encode(pass, rows);
            pass.end();
            ctx.device.queue.submit([enc.finish()]);
          });
          const got = await readF32(ctx, out, maxRows * inter);
          expect(maxRelError(got.subarray(0, rows * inter), swigluRef(gu, rows, inter)), `seed ${seed} rows ${rows}`).toBeLessThan(1e-4);
          expect(got.subarray(rows * inter).every((v) => v === 7), `seed ${seed}: wrote past row ${rows}`).toBe(true);
        }
      });
    }
  });
}
