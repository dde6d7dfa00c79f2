import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng } from '../../tests/gpu.ts';
import { createStorage, readBuffer } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { ReadSum, READ_SUM_WG } from './read-sum.ts';
import { readSumRef } from './read-sum.ref.ts';

describe('ReadSum (streaming read)', () => {
  it('sums every word of the bound bytes, per workgroup, as the reference does; bytes past them are not read', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    for (const [vec4s, groups] of [[1 + r.int(5000), undefined], [3 * READ_SUM_WG + 1 + r.int(100), 3], [7, 1]] as const) {
      const words = new Uint32Array(vec4s * 4 + 8);
      for (let i = 0; i < words.length; i++) words[i] = r.int(2 ** 31) * 2 + (r.next() < 0.5 ? 1 : 0); // full u32 range: sums wrap
      const buf = createStorage(ctx, words.byteLength, 'readSum.src');
      ctx.device.queue.writeBuffer(buf, 0, words);
      const k = new ReadSum(ctx, buf, vec4s * 16, groups);
      await checked(ctx, 'readSum', () => {
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        k.encode(pass);
        pass.end();
        ctx.device.queue.submit([enc.finish()]);
      });
      const got = new Uint32Array(await readBuffer(ctx, k.out, 0, k.groups * 4));
      expect([...got], `seed ${seed}, ${vec4s} vec4 words, ${k.groups} groups`).toEqual([...readSumRef(words.subarray(0, vec4s * 4), k.groups, READ_SUM_WG)]);
      k.destroy();
      buf.destroy();
    }
  });

  it('refuses ranges that are not whole 16-byte words or exceed the buffer', async () => {
    const ctx = await testGpu('f32');
    const buf = createStorage(ctx, 64, 'readSum.small');
    expect(() => new ReadSum(ctx, buf, 40)).toThrow(/multiple of 16/);
    expect(() => new ReadSum(ctx, buf, 80)).toThrow(/within the buffer/);
    buf.destroy();
  });
});
