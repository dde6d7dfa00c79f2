// Uploads a dense matrix as a row-split `Linear` (engine/model/types.ts): W [outDim, inDim] in WT
// (f16 when ctx.f16, else f32), split by output rows so that each chunk fits one storage binding.
import type { GpuContext } from '../gpu/context.ts';
import { createStorageFrom } from '../gpu/buffers.ts';
import { f32ArrayToF16 } from '../gpu/f16.ts';
import type { Linear, RowChunk } from '../model/types.ts';

/** Bytes of one weight element on this device (WT). */
export const wtBytes = (ctx: GpuContext) => (ctx.f16 ? 2 : 4);

/**
 * Rows per chunk for a matrix with `inDim` columns: as many as fit `ctx.maxBinding` bytes, capped by
 * `maxChunkRows`. Chunks hold a multiple of 8 rows (except the last) so chunk boundaries stay aligned for
 * kernels that tile rows.
 */
export function chunkRowsFor(ctx: GpuContext, inDim: number, maxChunkRows = Infinity): number {
  const fit = Math.floor(ctx.maxBinding / (inDim * wtBytes(ctx)));
  let rows = Math.min(fit, maxChunkRows);
  if (rows >= 16) rows -= rows % 8;
  if (rows < 1) throw new RangeError(`a row of ${inDim} weights does not fit one storage binding (${ctx.maxBinding} bytes)`);
  return rows;
}

/** Splits `outDim` rows into chunks of at most `chunkRows` rows: [rowStart, rows][]. */
export function splitRows(outDim: number, chunkRows: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < outDim; s += chunkRows) out.push([s, Math.min(chunkRows, outDim - s)]);
  return out;
}

/**
 * Uploads W (f32, row-major [outDim, inDim]) as a Linear, converting to f16 when ctx.f16.
 * bias: f32 [outDim]. maxChunkRows forces smaller chunks (tests exercise the chunk path with it).
 */
export function createLinear(
  ctx: GpuContext,
  w: Float32Array,
  outDim: number,
  inDim: number,
  opts: { bias?: Float32Array; maxChunkRows?: number; label?: string } = {},
): Linear {
  if (w.length !== outDim * inDim) throw new RangeError(`createLinear: w has ${w.length} values, expected ${outDim}×${inDim}`);
  if (opts.bias && opts.bias.length !== outDim) throw new RangeError(`createLinear: bias has ${opts.bias.length} values, expected ${outDim}`);
  const label = opts.label ?? 'linear';
  const chunkRows = chunkRowsFor(ctx, inDim, opts.maxChunkRows);
  const chunks: RowChunk[] = splitRows(outDim, chunkRows).map(([rowStart, rows], i) => {
    const part = w.subarray(rowStart * inDim, (rowStart + rows) * inDim);
    const data = ctx.f16 ? f32ArrayToF16(part) : part;
    return { buffer: createStorageFrom(ctx, data, `${label}.w${i}`), rowStart, rows };
  });
  const bias = opts.bias ? createStorageFrom(ctx, opts.bias, `${label}.b`) : undefined;
  return { outDim, inDim, chunks, bias };
}

/** Builds a Linear from chunk sizes you choose (uneven chunks for tests), same upload rules as createLinear. */
export function createLinearChunked(ctx: GpuContext, w: Float32Array, outDim: number, inDim: number, chunkSizes: number[], bias?: Float32Array): Linear {
  if (chunkSizes.reduce((a, b) => a + b, 0) !== outDim) throw new RangeError('createLinearChunked: chunk sizes do not sum to outDim');
  let rowStart = 0;
  const chunks: RowChunk[] = chunkSizes.map((rows, i) => {
    const part = w.subarray(rowStart * inDim, (rowStart + rows) * inDim);
    const data = ctx.f16 ? f32ArrayToF16(part) : part;
    const c = { buffer: createStorageFrom(ctx, data, `linear.w${i}`), rowStart, rows };
    rowStart += rows;
    return c;
  });
  return { outDim, inDim, chunks, bias: bias ? createStorageFrom(ctx, bias, 'linear.b') : undefined };
}

/** Frees a Linear's GPU buffers. */
export function destroyLinear(l: Linear) {
  for (const c of l.chunks) c.buffer.destroy();
  l.bias?.destroy();
}
