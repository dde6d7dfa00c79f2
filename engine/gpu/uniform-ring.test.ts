import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError } from '../../tests/gpu.ts';
import { createStorage, createStorageFrom, readF32 } from './buffers.ts';
import { checked, declaredBindings } from './pipeline.ts';
import { UniformRing } from './uniform-ring.ts';
import { RmsNorm } from '../kernels/rmsnorm.ts';
import { rmsnormRef } from '../kernels/rmsnorm.ref.ts';

describe('explicit bind-group layouts', () => {
  it('come from the WGSL declarations: uniform, storage read, storage read_write; comments ignored; gaps refused', () => {
    const code = `
      // @group(0) @binding(9) var<uniform> commented: U;
      @group(0) @binding(1) var<storage, read> a: array<f32>;
      @group(0) @binding(0) var<uniform> u: U;
      @group(0) @binding(2) var<storage, read_write> b: array<f32>;
      @group(0)@binding(3) var<storage> c: array<u32>;`;
    expect(declaredBindings(code)).toEqual(['uniform', 'read-only-storage', 'storage', 'read-only-storage']);
    expect(() => declaredBindings('@group(0) @binding(1) var<uniform> u: U;')).toThrow(/not 0/);
  });
});

describe('UniformRing', () => {
  it('sites of one step take their own slots, across pages: every dispatch sees its own rows after one flush', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    const dim = 33;
    const maxRows = 6;
    const xh = r.fill(maxRows * dim, 3);
    const wh = r.fill(dim, 2);
    const x = createStorageFrom(ctx, xh, 'x');
    const w = createStorageFrom(ctx, wh, 'w');
    const ys = [0, 1, 2].map((i) => createStorage(ctx, maxRows * dim * 4, `y${i}`));
    // two slots a page: the third site opens a second page
    const ring = new UniformRing(ctx, 'test.uniforms', 2);
    const sites = ys.map((y) => new RmsNorm(ctx, { x, weight: w, y, dim, maxRows, eps: 1e-5, ring }));
    expect(ring.bytes).toBe(2 * 2 * ring.slotBytes);
    for (const rowsOf of [
      [2, 5, 1],
      [6, 1, 4],
    ]) {
      for (const y of ys) ctx.device.queue.writeBuffer(y, 0, new Float32Array(maxRows * dim).fill(7));
      await checked(ctx, 'ring', () => {
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        sites.forEach((s, i) => s.encode(pass, rowsOf[i]));
        pass.end();
        ring.flush();
        ctx.device.queue.submit([enc.finish()]);
      });
      for (let i = 0; i < ys.length; i++) {
        const rows = rowsOf[i];
        const got = await readF32(ctx, ys[i], maxRows * dim);
        expect(maxRelError(got.subarray(0, rows * dim), rmsnormRef(xh, wh, rows, dim, 1e-5)), `seed ${seed} site ${i}`).toBeLessThan(1e-4);
        expect(got.subarray(rows * dim).every((v) => v === 7), `seed ${seed}: site ${i} (rows ${rows}) wrote past its rows`).toBe(true);
      }
    }
    // a site that records a second dispatch before the flush has no slot
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    sites[0].encode(pass, 1);
    sites[1].encode(pass, 1);
    expect(() => sites[0].encode(pass, 1)).toThrow(/more dispatches than reserved sites/);
    pass.end();
    ring.flush();
    ring.destroy();
  });
});
