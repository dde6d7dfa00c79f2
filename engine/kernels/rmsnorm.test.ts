import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError } from '../../tests/gpu.ts';
import { createStorage, createStorageFrom, readF32 } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { RmsNorm } from './rmsnorm.ts';
import { rmsnormRef } from './rmsnorm.ref.ts';

for (const kind of ['f16', 'f32'] as const) {
  describe(`RmsNorm (${kind} device)`, () => {
    // dim 1 and 33 are below / across the 64-invocation workgroup; 4099 takes several strides.
    for (const [dim, rowsList] of [[1, [1, 2]], [33, [1, 5]], [4099, [1, 37]]] as [number, number[]][]) {
      it(`dim ${dim} rows ${rowsList}`, async () => {
        const ctx = await testGpu(kind);
        const seed = testSeed();
        const r = rng(seed);
        const maxRows = Math.max(...rowsList);
        const xh = r.fill(maxRows * dim, 3);
        const wh = r.fill(dim, 2);
        const eps = 1e-5;
        const x = createStorageFrom(ctx, xh, 'x');
        const w = createStorageFrom(ctx, wh, 'w');
        const y = createStorage(ctx, maxRows * dim * 4, 'y');
        const k = new RmsNorm(ctx, { x, weight: w, y, dim, maxRows, eps });
        for (const rows of rowsList) {
          ctx.device.queue.writeBuffer(y, 0, new Float32Array(maxRows * dim).fill(7));
          await checked(ctx, 'rmsnorm', () => {
            const enc = ctx.device.createCommandEncoder();
            const pass = enc.beginComputePass();
            k.encode(pass, rows);
            pass.end();
            ctx.device.queue.submit([enc.finish()]);
          });
          const got = await readF32(ctx, y, maxRows * dim);
          const err = maxRelError(got.subarray(0, rows * dim), rmsnormRef(xh, wh, rows, dim, eps));
          expect(err, `seed ${seed} rows ${rows}`).toBeLessThan(1e-4);
          expect(got.subarray(rows * dim).every((v) => v === 7), `seed ${seed}: wrote past row ${rows}`).toBe(true);
        }
      });
    }
  });
}
