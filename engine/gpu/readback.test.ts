import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng } from '../../tests/gpu.ts';
import { createStorageFrom } from './buffers.ts';
import { Readback } from './readback.ts';

describe('Readback (one staging buffer per owner)', () => {
  it('reads ranges of several buffers, growing only for a bigger read, and the bytes are the buffers\'', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    const a = r.fill(3000, 1);
    const b = r.fill(100, 1);
    const ga = createStorageFrom(ctx, a, 'a');
    const gb = createStorageFrom(ctx, b, 'b');
    const rb = new Readback(ctx);
    expect([...(await rb.readF32(gb, 100))]).toEqual([...b]);
    const small = rb.bytes;
    expect(small).toBeGreaterThanOrEqual(400);
    expect([...(await rb.readF32(ga, 50, 7))]).toEqual([...a.subarray(7, 57)]); // fits: no new buffer
    expect(rb.bytes).toBe(small);
    expect([...(await rb.readF32(ga, 3000))]).toEqual([...a]);
    expect(rb.bytes).toBeGreaterThanOrEqual(12000);
    expect([...(await rb.readF32(gb, 10, 90))]).toEqual([...b.subarray(90)]);
    await expect(Promise.all([rb.readF32(ga, 10), rb.readF32(gb, 10)])).rejects.toThrow(/one at a time/);
    rb.destroy();
    expect(rb.bytes).toBe(0);
    ga.destroy();
    gb.destroy();
  });
});
