import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError } from '../../tests/gpu.ts';
import { createStorage, readBuffer } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { f16ArrayToF32, roundToF16 } from '../gpu/f16.ts';
import { encodeFillRandom } from './fill.ts';
import { fillRandomRef } from './fill.ref.ts';

for (const kind of ['f16', 'f32'] as const) {
  describe(`encodeFillRandom (${kind} device)`, () => {
    for (const dtype of ['WT', 'f32'] as const) {
      it(`${dtype}: odd offset and count keep the neighbours`, async () => {
        const ctx = await testGpu(kind);
        const seed = testSeed();
        const r = rng(seed);
        const half = dtype === 'WT' && ctx.f16;
        const esz = half ? 2 : 4;
        const total = 5000;
        const offset = 1 + 2 * r.int(100); // odd: the first f16 shares its word with an untouched one
        const count = 3001 + 2 * r.int(300); // odd
        const scale = 0.5 + r.next();
        const fillSeed = r.int(2 ** 31);
        const buf = createStorage(ctx, total * esz, 'fill');
        // sentinel bytes everywhere
        ctx.device.queue.writeBuffer(buf, 0, new Uint8Array(total * esz).fill(0x11));
        await checked(ctx, 'fill', () => {
          const enc = ctx.device.createCommandEncoder();
          const pass = enc.beginComputePass();
          encodeFillRandom(ctx, pass, { buffer: buf, offsetElems: offset, count, dtype, seed: fillSeed, scale });
          pass.end();
          ctx.device.queue.submit([enc.finish()]);
        });
        const bytes = new Uint8Array(await readBuffer(ctx, buf, 0, total * esz));
        const got = half ? f16ArrayToF32(new Uint16Array(bytes.buffer)) : new Float32Array(bytes.buffer);
        const ref = fillRandomRef(count, fillSeed, scale);
        const want = half ? roundToF16(ref) : ref;
        const part = got.subarray(offset, offset + count);
        expect(maxRelError(part, want), `seed ${seed}`).toBeLessThan(half ? 1e-3 : 1e-6);
        let lo = Infinity, hi = -Infinity;
        for (const v of part) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
        // Stored as f16, a value just below ±scale may round to the f16 neighbour beyond it.
        const bound = half ? roundToF16([scale])[0] : scale;
        expect(lo, `seed ${seed}`).toBeGreaterThanOrEqual(-bound);
        expect(half ? hi <= bound : hi < bound, `seed ${seed}: max ${hi} vs scale ${scale}`).toBe(true);
        expect(hi - lo, `seed ${seed}: values spread over the range`).toBeGreaterThan(1.9 * scale);
        expect(bytes.subarray(0, offset * esz).every((b) => b === 0x11), `seed ${seed}: bytes before the fill changed`).toBe(true);
        expect(bytes.subarray((offset + count) * esz).every((b) => b === 0x11), `seed ${seed}: bytes after the fill changed`).toBe(true);
      });
    }
  });
}
