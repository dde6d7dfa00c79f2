import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError } from '../../tests/gpu.ts';
import { createStorageFrom, readF32 } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { Rope } from './rope.ts';
import { ropeRef } from './rope.ref.ts';

const cases = [
  // heads, kvHeads, headDim, rows, theta; headDim 160 crosses the 64-lane workgroup (D/2 = 80)
  { heads: 4, kvHeads: 2, headDim: 16, rows: [1, 5], theta: 10000 },
  { heads: 3, kvHeads: 1, headDim: 160, rows: [37], theta: 1e6 },
  { heads: 2, kvHeads: 2, headDim: 128, rows: [3], theta: 500000 },
];

for (const kind of ['f16', 'f32'] as const) {
  describe(`Rope (${kind} device)`, () => {
    for (const c of cases) {
      it(`H ${c.heads} G ${c.kvHeads} D ${c.headDim} rows ${c.rows} theta ${c.theta}`, async () => {
        const ctx = await testGpu(kind);
        const seed = testSeed();
        const r = rng(seed);
        const maxRows = Math.max(...c.rows);
        const row = (c.heads + 2 * c.kvHeads) * c.headDim;
        for (const rows of c.rows) {
          const qh = r.fill(maxRows * row, 2);
          // positions: 0, small, and large (up to 2^20) so every bit of the angle table is used
          const pos = new Uint32Array(maxRows).map((_, i) => (i === 0 ? 0 : i === 1 ? 1 : r.int(i % 2 ? 100 : 1 << 20)));
          const qkv = createStorageFrom(ctx, qh, 'qkv');
          const positions = createStorageFrom(ctx, pos, 'pos');
          const k = new Rope(ctx, { qkv, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, maxRows, theta: c.theta, positions });
          await checked(ctx, 'rope', () => {
            const enc = ctx.device.createCommandEncoder();
            const pass = enc.beginComputePass();
            k.encode(pass, rows);
            pass.end();
            ctx.device.queue.submit([enc.finish()]);
          });
          const got = await readF32(ctx, qkv, maxRows * row);
          const want = ropeRef(qh, pos, rows, c.heads, c.kvHeads, c.headDim, c.theta);
          // want also holds the untouched v heads and the rows past `rows` (copied from the input)
          for (let i = rows * row; i < maxRows * row; i++) want[i] = qh[i];
          expect(maxRelError(got, want), `seed ${seed} rows ${rows}`).toBeLessThan(1e-4);
        }
      });
    }
  });
}
