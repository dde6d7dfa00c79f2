// The matmul on quantized weights (engine/kernels/matmul-quant-gen.ts + shaders/formats/*.wgsl) against
// the float64 reference on the formats' float64 dequantization (engine/formats/*.ts), on random blocks
// (every quant bit random, sane f16 scales) in chunks that cross rows, tiles and binding splits.
import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError, runPass } from '../../tests/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { createStorage, createStorageFrom, readF32 } from '../gpu/buffers.ts';
import { roundToF16 } from '../gpu/f16.ts';
import { dequantizeMatrix, type FormatName } from '../formats/format.ts';
import { FORMATS, QUANTIZED } from '../formats/registry.ts';
import { randomBlocks } from '../formats/random-blocks.ts';
import { createLinear, createLinearChunked } from './linear.ts';
import { Matmul } from './matmul.ts';
import { matmulRef } from './matmul.ref.ts';

const run = (mm: Matmul, ctx: GpuContext, rows: number) => runPass(ctx, 'matmul', (pass) => mm.encode(pass, rows));

describe('Matmul on quantized weights', () => {
  // One case per format: odd outDim, two blocks per row, createLinear's split into chunks of ≤ 40 rows
  // (40, 40, 40, 7: the last chunk ends inside a tile), bias; rows 1, 3 and 21 take the R1, R4 and R8 tiles
  // and leave partial row tiles.
  // The GPU profile's 64-lane tiles (engine/variants.ts) on two formats of the two layouts (a split d
  // array: Q8_0; a K-quant super-block: Q4_K); each tile of each format is seconds of lavapipe compiling.
  const runs = [...QUANTIZED.map((f) => [f, 'cpu'] as const), ...QUANTIZED.filter((f) => f.name === 'q8_0' || f.name === 'q4_k').map((f) => [f, 'gpu'] as const)];
  for (const [f, profile] of runs) {
    it(`${f.ggmlName}: 127 × ${2 * f.blockSize}, chunks of 40 rows, rows 1, 3, 21, +bias (${profile} profile)`, async () => {
      const ctx = await testGpu('f32');
      const seed = testSeed();
      const r = rng(seed);
      const outDim = 127;
      const inDim = 2 * f.blockSize;
      const blocks = randomBlocks(f, (outDim * inDim) / f.blockSize, r.next);
      const bias = r.fill(outDim, 1);
      const linear = createLinear(ctx, { blocks }, outDim, inDim, { bias, format: f.name, maxChunkRows: 40 });
      expect(linear.chunks.map((c) => c.rows)).toEqual([40, 40, 40, 7]);
      const wRef = dequantizeMatrix(f, blocks, outDim, inDim);
      const maxRows = 21;
      const xHost = r.fill(maxRows * inDim, 1);
      const x = createStorageFrom(ctx, xHost, 'x');
      const y = createStorage(ctx, maxRows * outDim * 4, 'y');
      const mm = new Matmul(ctx, { linear, x, y, maxRows, profile });
      for (const rows of [1, 3, 21]) {
        const y0 = r.fill(maxRows * outDim, 1);
        ctx.device.queue.writeBuffer(y, 0, y0);
        await run(mm, ctx, rows);
        const got = await readF32(ctx, y, maxRows * outDim);
        const want = matmulRef(xHost, wRef, rows, outDim, inDim, bias);
        const err = maxRelError(got.subarray(0, rows * outDim), want);
        expect(err, `seed ${seed} rows ${rows}: max rel error ${err}`).toBeLessThan(1e-5);
        expect(maxRelError(got.subarray(rows * outDim), y0.subarray(rows * outDim)), `seed ${seed} rows ${rows}: wrote past the last row`).toBe(0);
      }
      mm.destroy();
    });
  }

  it('one Linear of mixed formats (Q4_K, Q6_K, dense, Q8_0 chunks, as a Q4_K_M file fuses q/k/v), accumulate into y', async () => {
    for (const kind of ['f16', 'f32'] as const) {
      const ctx = await testGpu(kind);
      const seed = testSeed();
      const r = rng(seed);
      const inDim = 256;
      const sizes = [24, 9, 30, 17];
      const formats: FormatName[] = ['q4_k', 'q6_k', ctx.f16 ? 'f16' : 'f32', 'q8_0'];
      const outDim = sizes.reduce((a, b) => a + b, 0);
      const values = r.fill(outDim * inDim, 0.5);
      const blocks = sizes.map((rows, i) => (FORMATS[formats[i]!].wgsl ? randomBlocks(FORMATS[formats[i]!], (rows * inDim) / FORMATS[formats[i]!].blockSize, r.next) : undefined));
      const linear = createLinearChunked(ctx, values, outDim, inDim, sizes, undefined, formats, blocks);
      // Reference weights: each chunk's own dequantization (dense chunks: the values as the GPU holds them).
      const wRef = new Float64Array(outDim * inDim);
      let row = 0;
      sizes.forEach((rows, i) => {
        const part = blocks[i] ? dequantizeMatrix(FORMATS[formats[i]!], blocks[i]!, rows, inDim) : ctx.f16 ? roundToF16(values.subarray(row * inDim, (row + rows) * inDim)) : values.subarray(row * inDim, (row + rows) * inDim);
        wRef.set(part, row * inDim);
        row += rows;
      });
      const maxRows = 5;
      const xHost = r.fill(maxRows * inDim, 1);
      const x = createStorageFrom(ctx, xHost, 'x');
      const y = createStorage(ctx, maxRows * outDim * 4, 'y');
      const mm = new Matmul(ctx, { linear, x, y, maxRows, accumulate: true });
      for (const rows of [1, 5]) {
        const y0 = r.fill(maxRows * outDim, 1);
        ctx.device.queue.writeBuffer(y, 0, y0);
        await run(mm, ctx, rows);
        const got = await readF32(ctx, y, maxRows * outDim);
        const want = matmulRef(xHost, wRef, rows, outDim, inDim, undefined, y0);
        const err = maxRelError(got.subarray(0, rows * outDim), want);
        expect(err, `${kind} seed ${seed} rows ${rows}: max rel error ${err}`).toBeLessThan(1e-5);
      }
      mm.destroy();
    }
  });
});
