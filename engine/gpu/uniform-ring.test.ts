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
  it('two sites of one step take their own slots: both dispatches see their own rows after one flush', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    const dim = 33;
    const maxRows = 6;
    const xh = r.fill(maxRows * dim, 3);
    const wh = r.fill(dim, 2);
    const x = createStorageFrom(ctx, xh, 'x');
    const w = createStorageFrom(ctx, wh, 'w');
    const y1 = createStorage(ctx, maxRows * dim * 4, 'y1');
    const y2 = createStorage(ctx, maxRows * dim * 4, 'y2');
    const ring = new UniformRing(ctx, 2, 'test.uniforms');
    const a = new RmsNorm(ctx, { x, weight: w, y: y1, dim, maxRows, eps: 1e-5, ring });
    const b = new RmsNorm(ctx, { x, weight: w, y: y2, dim, maxRows, eps: 1e-5, ring });
    expect(() => new RmsNorm(ctx, { x, weight: w, y: y2, dim, maxRows, eps: 1e-5, ring })).toThrow(/more dispatch sites than its 2 slots/);
    for (const [ra, rb] of [
      [2, 5],
      [6, 1],
    ]) {
      for (const y of [y1, y2]) ctx.device.queue.writeBuffer(y, 0, new Float32Array(maxRows * dim).fill(7));
      await checked(ctx, 'ring', () => {
        const enc = ctx.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        a.encode(pass, ra);
        b.encode(pass, rb);
        pass.end();
        ring.flush();
        ctx.device.queue.submit([enc.finish()]);
      });
      for (const [y, rows] of [
        [y1, ra],
        [y2, rb],
      ] as const) {
        const got = await readF32(ctx, y, maxRows * dim);
        expect(maxRelError(got.subarray(0, rows * dim), rmsnormRef(xh, wh, rows, dim, 1e-5)), `seed ${seed}`).toBeLessThan(1e-4);
        expect(got.subarray(rows * dim).every((v) => v === 7), `seed ${seed}: rows ${rows} wrote past its rows`).toBe(true);
      }
    }
    // a third dispatch before a flush has no slot
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    a.encode(pass, 1);
    b.encode(pass, 1);
    expect(() => a.encode(pass, 1)).toThrow(/slots used before a flush/);
    pass.end();
    ring.flush();
    ring.destroy();
  });
});
