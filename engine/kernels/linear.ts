// Uploads a matrix given as f32 values as a row-split `Linear` (engine/model/types.ts): W [outDim, inDim]
// in a weight format (default: the device's dense type, f16 when ctx.f16, else f32; or a quantized format,
// quantized here on the CPU by the format's simple quantizer), split by output rows so that each chunk
// fits one storage binding. Tests and tools use it; models are uploaded by engine/model/load.ts.
import type { GpuContext } from '../gpu/context.ts';
import { createStorageFrom } from '../gpu/buffers.ts';
import { chunkBytes, maxChunkRows, toGpuLayout, type FormatName, type WeightFormat } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';
import type { Linear, RowChunk } from '../model/types.ts';

/** The dense format matrices read from F32/F16/BF16 tensors are held in on this device (WT). */
export const denseFormat = (ctx: GpuContext): FormatName => (ctx.f16 ? 'f16' : 'f32');

/** Bytes of one weight element on this device (WT). */
export const wtBytes = (ctx: GpuContext) => (ctx.f16 ? 2 : 4);

/**
 * Rows per chunk for a matrix with `inDim` columns in `format`: as many as fit `ctx.maxBinding` bytes,
 * capped by `cap`. Chunks hold a multiple of 8 rows (except the last) so chunk boundaries stay
 * aligned for kernels that tile rows.
 */
export function chunkRowsFor(ctx: GpuContext, inDim: number, cap = Infinity, format: FormatName = denseFormat(ctx)): number {
  const fit = maxChunkRows(FORMATS[format], inDim, ctx.maxBinding);
  let rows = Math.min(fit, cap);
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

/** W as `f`'s file-layout blocks: f32 values quantized (or converted), or blocks given as they are. */
type Weights = { values: Float32Array } | { blocks: Uint8Array };

/** Rows [rowStart, rowStart + rows) of W ([·, inDim]) in `f`'s GPU layout. */
function chunkData(f: WeightFormat, w: Weights, rowStart: number, rows: number, inDim: number): Uint8Array {
  const nBlocks = (rows * inDim) / f.blockSize;
  if ('values' in w) return toGpuLayout(f, f.quantize(w.values.subarray(rowStart * inDim, (rowStart + rows) * inDim)), nBlocks);
  const at = ((rowStart * inDim) / f.blockSize) * f.blockBytes;
  return toGpuLayout(f, w.blocks.subarray(at, at + nBlocks * f.blockBytes), nBlocks);
}

function checkShape(f: WeightFormat, w: Weights, outDim: number, inDim: number, bias?: Float32Array) {
  const n = 'values' in w ? w.values.length : (w.blocks.length / f.blockBytes) * f.blockSize;
  if (n !== outDim * inDim) throw new RangeError(`createLinear: w has ${n} values, expected ${outDim}×${inDim}`);
  if (bias && bias.length !== outDim) throw new RangeError(`createLinear: bias has ${bias.length} values, expected ${outDim}`);
  if (inDim % f.blockSize !== 0) throw new RangeError(`createLinear: ${f.ggmlName} needs rows of a multiple of ${f.blockSize} weights, not ${inDim}`);
}

/**
 * Uploads W (row-major [outDim, inDim]: f32 values, or `format`'s file-layout blocks) as a Linear in
 * `format` (default the device's dense type). bias: f32 [outDim]. maxChunkRows forces smaller chunks
 * (tests exercise the chunk path with it).
 */
export function createLinear(
  ctx: GpuContext,
  weights: Float32Array | { blocks: Uint8Array },
  outDim: number,
  inDim: number,
  opts: { bias?: Float32Array; maxChunkRows?: number; label?: string; format?: FormatName } = {},
): Linear {
  const format = opts.format ?? denseFormat(ctx);
  const f = FORMATS[format];
  const w: Weights = weights instanceof Float32Array ? { values: weights } : weights;
  checkShape(f, w, outDim, inDim, opts.bias);
  const label = opts.label ?? 'linear';
  const chunkRows = chunkRowsFor(ctx, inDim, opts.maxChunkRows, format);
  const chunks: RowChunk[] = splitRows(outDim, chunkRows).map(([rowStart, rows], i) => ({
    buffer: createStorageFrom(ctx, chunkData(f, w, rowStart, rows, inDim), `${label}.w${i} ${format}`),
    rowStart,
    rows,
    format,
  }));
  const bias = opts.bias ? createStorageFrom(ctx, opts.bias, `${label}.b`) : undefined;
  return { outDim, inDim, chunks, bias };
}

/**
 * Builds a Linear from chunks you choose: sizes, and optionally a format per chunk (uneven and mixed
 * chunks for tests), same upload rules as createLinear. `blocks[i]`, when given, are chunk i's weights
 * as its format's file-layout blocks (instead of `values` quantized).
 */
export function createLinearChunked(
  ctx: GpuContext,
  values: Float32Array,
  outDim: number,
  inDim: number,
  chunkSizes: number[],
  bias?: Float32Array,
  formats?: FormatName[],
  blocks?: (Uint8Array | undefined)[],
): Linear {
  if (chunkSizes.reduce((a, b) => a + b, 0) !== outDim) throw new RangeError('createLinearChunked: chunk sizes do not sum to outDim');
  let rowStart = 0;
  const chunks: RowChunk[] = chunkSizes.map((rows, i) => {
    const format = formats?.[i] ?? denseFormat(ctx);
    const f = FORMATS[format];
    const own = blocks?.[i];
    if (own && own.length !== ((rows * inDim) / f.blockSize) * f.blockBytes) throw new RangeError(`createLinearChunked: chunk ${i} blocks do not hold ${rows}×${inDim} weights`);
    const data = own ? chunkData(f, { blocks: own }, 0, rows, inDim) : chunkData(f, { values }, rowStart, rows, inDim);
    if (!own) checkShape(f, { values }, outDim, inDim, bias);
    const c = { buffer: createStorageFrom(ctx, data, `linear.w${i} ${format}`), rowStart, rows, format };
    rowStart += rows;
    return c;
  });
  return { outDim, inDim, chunks, bias: bias ? createStorageFrom(ctx, bias, 'linear.b') : undefined };
}

/** GPU bytes of a Linear's weights (what one pass over every row reads). */
export function linearBytes(l: Linear): number {
  return l.chunks.reduce((a, c) => a + chunkBytes(FORMATS[c.format], c.rows, l.inDim), 0);
}

/** Frees a Linear's GPU buffers. */
export function destroyLinear(l: Linear) {
  for (const c of l.chunks) c.buffer.destroy();
  l.bias?.destroy();
}
