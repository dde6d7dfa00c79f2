import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError, runPass } from '../../tests/gpu.ts';
import { dequantizeMatrix } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';
import { createStorage, createStorageFrom, readF32 } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { roundToF16 } from '../gpu/f16.ts';
import { createLinear, createLinearChunked } from './linear.ts';
import { Matmul, type MatmulTile } from './matmul.ts';
import { MATMUL_TILE, variantsFor, type DeviceKind } from '../variants.ts';
import { matmulRef } from './matmul.ref.ts';

interface Case {
  outDim: number;
  inDim: number;
  rows: number[];
  bias?: boolean;
  accumulate?: boolean;
  /** hand-made uneven RowChunks */
  chunks?: number[];
  /** createLinear's split with a small chunk cap */
  maxChunkRows?: number;
  tile?: MatmulTile;
  /** run this device profile's variants (engine/variants.ts), forced on lavapipe */
  profile?: DeviceKind;
  /** only on this kind of device (each GPU-profile tile is seconds of lavapipe compile time) */
  only?: 'f16' | 'f32';
  /** with profile: false forces the variants without subgroups (lavapipe has subgroups) */
  subgroups?: boolean;
}

// Each distinct (tile, options) pair is a shader variant that lavapipe compiles with LLVM at first use
// (seconds each), so the cases combine features instead of testing them one by one.
const cases: Case[] = [
  // default tiles (rows 1, 3, 37 take the generated R1×C4, R4×C8 and R8×C16 tiles and leave partial
  // tiles), odd outDim, inDim % 8 == 0 (generated kernel), createLinear's split into chunks of ≤ 128 rows
  // (128, 128, 77), bias
  { outDim: 333, inDim: 200, rows: [1, 3, 37], bias: true, maxChunkRows: 128 },
  // inDim % 8 != 0 (scalar path), accumulate into y
  { outDim: 77, inDim: 203, rows: [1, 9], accumulate: true, tile: { R: 4, C: 8, WG: 8 } },
  // uneven hand-made chunks, bias and accumulate together; R8×C8 is defaultTile's tile for rows > 4 of a
  // small outDim
  { outDim: 301, inDim: 64, rows: [1, 19], bias: true, accumulate: true, chunks: [128, 40, 97, 36], tile: { R: 8, C: 8, WG: 8 } },
  // the GPU profile's variants (f16 weights, as GPUs hold them): GEMV for 1–8 rows (R1, R4, R8 with
  // partial row blocks; its lanes' sums added with subgroupAdd, lavapipe having subgroups, and by the
  // workgroup-memory tree where forced), the workgroup-tiled GEMM beyond; chunks, bias, accumulate. f32
  // weights: the GEMV's other load path.
  { outDim: 333, inDim: 200, rows: [1, 3, 8], bias: true, maxChunkRows: 128, profile: 'gpu', only: 'f16' },
  { outDim: 133, inDim: 96, rows: [3, 8], bias: true, profile: 'gpu', subgroups: false, only: 'f16' },
  { outDim: 301, inDim: 64, rows: [2, 19], bias: true, accumulate: true, chunks: [128, 40, 97, 36], profile: 'gpu', only: 'f16' },
  { outDim: 77, inDim: 64, rows: [1], accumulate: true, profile: 'gpu', subgroups: false, only: 'f32' },
  // the GPU profile's workgroup-tiled GEMM: two row blocks, partial blocks, an odd number of 8-weight
  // words (the last K step half empty), f32 weights too
  { outDim: 333, inDim: 200, rows: [9, 70], bias: true, maxChunkRows: 128, profile: 'gpu' },
];

it('each profile picks the tiles the cases below cover', () => {
  const cpu = MATMUL_TILE.cpu;
  expect(cpu(1, 333, false)).toEqual({ R: 1, C: 4, WG: 8 });
  expect(cpu(3, 333, false)).toEqual({ R: 4, C: 8, WG: 8 });
  expect(cpu(37, 333, false)).toEqual({ R: 8, C: 16, WG: 8 });
  expect(cpu(8, 192, false)).toEqual({ R: 8, C: 8, WG: 8 });
  // quantized weights stop at R8×C8 (engine/variants.ts)
  expect(cpu(37, 4096, true)).toEqual({ R: 8, C: 8, WG: 8 });
  expect(cpu(1, 4096, true)).toEqual({ R: 1, C: 4, WG: 8 });
  const gpu = MATMUL_TILE.gpu;
  expect(gpu(1, 333, false)).toEqual({ R: 1, C: 4, WG: 64, gemv: true });
  expect(gpu(3, 333, false)).toEqual({ R: 4, C: 2, WG: 64, gemv: true });
  expect(gpu(8, 333, false)).toEqual({ R: 8, C: 1, WG: 64, gemv: true });
  expect(gpu(37, 333, false)).toEqual({ R: 64, C: 64, WG: 256, tiled: true });
  expect(gpu(2, 4096, true)).toEqual({ R: 4, C: 4, WG: 64 });
});

it('the GPU profile reduces the GEMV with subgroups where the device has them, and only the GEMV', async () => {
  const ctx = await testGpu('f16');
  const v = variantsFor(ctx, 'gpu');
  expect(v.matmul(1, 333, false).subgroups ?? false).toBe(ctx.subgroups);
  expect(v.matmul(37, 333, false).subgroups).toBeUndefined();
  expect(variantsFor(ctx, 'gpu', { subgroups: false }).matmul(1, 333, false).subgroups).toBeUndefined();
  expect(variantsFor(ctx, 'cpu').matmul(1, 333, false).subgroups).toBeUndefined();
});

for (const kind of ['f16', 'f32'] as const) {
  describe(`Matmul (${kind} weights)`, () => {
    for (const c of cases.filter((c) => !c.only || c.only === kind)) {
      const name =
        `${c.outDim}x${c.inDim} rows ${c.rows}${c.bias ? ' +bias' : ''}${c.accumulate ? ' +acc' : ''}` +
        `${c.chunks ? ` chunks ${c.chunks}` : ''}${c.maxChunkRows ? ` maxChunkRows ${c.maxChunkRows}` : ''}${c.tile ? ` tile R${c.tile.R} C${c.tile.C} WG${c.tile.WG}` : ''}${c.profile ? ` (${c.profile} profile${c.subgroups === false ? ', no subgroups' : ''})` : ''}`;
      it(name, async () => {
        const ctx = await testGpu(kind);
        const seed = testSeed();
        const r = rng(seed);
        const maxRows = Math.max(...c.rows);
        const w = r.fill(c.outDim * c.inDim, 0.5);
        const bias = c.bias ? r.fill(c.outDim, 1) : undefined;
        const linear = c.chunks
          ? createLinearChunked(ctx, w, c.outDim, c.inDim, c.chunks, bias)
          : createLinear(ctx, w, c.outDim, c.inDim, { bias, maxChunkRows: c.maxChunkRows });
        if (c.chunks || c.maxChunkRows) expect(linear.chunks.length).toBeGreaterThan(1);
        const wRef = ctx.f16 ? roundToF16(w) : w;
        const xHost = r.fill(maxRows * c.inDim, 1);
        const x = createStorageFrom(ctx, xHost, 'x');
        const y = createStorage(ctx, maxRows * c.outDim * 4, 'y');
        const mm = new Matmul(ctx, { linear, x, y, maxRows, accumulate: c.accumulate, tile: c.tile, profile: c.profile, subgroups: c.subgroups });
        for (const rows of c.rows) {
          const y0 = r.fill(maxRows * c.outDim, 1);
          ctx.device.queue.writeBuffer(y, 0, y0);
          await checked(ctx, 'matmul', () => {
            const enc = ctx.device.createCommandEncoder();
            const pass = enc.beginComputePass();
            mm.encode(pass, rows);
            pass.end();
            ctx.device.queue.submit([enc.finish()]);
          });
          const got = await readF32(ctx, y, maxRows * c.outDim);
          const want = matmulRef(xHost, wRef, rows, c.outDim, c.inDim, bias, c.accumulate ? y0 : undefined);
          const err = maxRelError(got.subarray(0, rows * c.outDim), want);
          expect(err, `seed ${seed} rows ${rows}: max rel error ${err}`).toBeLessThan(ctx.f16 ? 1e-2 : 1e-4);
          // rows past `rows` are untouched
          const tail = got.subarray(rows * c.outDim);
          expect(maxRelError(tail, y0.subarray(rows * c.outDim)), `seed ${seed} rows ${rows}: wrote past the last row`).toBe(0);
        }
        mm.destroy();
      });
    }
  });
}

describe('Matmul (bf16 weights, held as they are on any device)', () => {
  // The dense kernels with BF16: the generated tile (inDim % 8 == 0) and the scalar loop (inDim 203).
  for (const [outDim, inDim, rows, profile] of [[333, 200, [1, 37], undefined], [77, 203, [1, 9], undefined], [333, 200, [4], 'gpu']] as const) {
    it(`${outDim}x${inDim} rows ${rows} +bias${profile ? ` (${profile} profile: GEMV)` : ''}`, async () => {
      const ctx = await testGpu('f32');
      const seed = testSeed();
      const r = rng(seed);
      const maxRows = Math.max(...rows);
      const w = r.fill(outDim * inDim, 0.5);
      const bias = r.fill(outDim, 1);
      const linear = createLinear(ctx, w, outDim, inDim, { bias, format: 'bf16', maxChunkRows: 128 });
      expect(linear.chunks.every((c) => c.format === 'bf16')).toBe(true);
      const wRef = dequantizeMatrix(FORMATS.bf16, FORMATS.bf16.quantize(w), outDim, inDim);
      const xHost = r.fill(maxRows * inDim, 1);
      const x = createStorageFrom(ctx, xHost, 'x');
      const y = createStorage(ctx, maxRows * outDim * 4, 'y');
      const mm = new Matmul(ctx, { linear, x, y, maxRows, profile });
      for (const n of rows) {
        await runPass(ctx, 'matmul', (pass) => mm.encode(pass, n));
        const got = await readF32(ctx, y, n * outDim);
        const err = maxRelError(got, matmulRef(xHost, wRef, n, outDim, inDim, bias));
        expect(err, `seed ${seed} rows ${n}: max rel error ${err}`).toBeLessThan(1e-5);
      }
      mm.destroy();
    });
  }
});
