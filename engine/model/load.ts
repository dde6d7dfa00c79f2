// Loads a Hugging Face model folder (config.json, tokenizer.json, safetensors weights) or a GGUF file
// (F32/F16/BF16 and quantized tensors) onto the GPU in the engine's layouts (docs/ENGINE.md): matrices
// row-split into RowChunks that each fit one storage binding, q/k/v and gate/up fused by rows, norms and
// biases in f32. A matrix's rows keep the weight format they come in (engine/formats/registry.ts):
// F16 and BF16 stay as they are, F32 becomes f16 when ctx.f16 (else stays f32), quantized GGUF tensors
// stay in their blocks; `quantize` turns dense matrices into a quantized format on the way. A fused matrix whose
// parts differ in format (a Q4_K_M file's Q4_K q/k and Q6_K v) gets one run of chunks per format.
// Tensors are streamed in slices of a few MB: no file, and no large tensor, is ever held whole in memory.
import type { LoadProgress } from '../../protocol/engine.ts';
import { alignTo, createStorage, writeBuffer } from '../gpu/buffers.ts';
import type { GpuContext } from '../gpu/context.ts';
import { convertElements, firstNonFinite, sourceElemBytes, type StorageArray } from './convert.ts';
import { clipMiddle, describeName, ModelError } from './errors.ts';
import { countParameters, layerPrefix } from './params.ts';
import { readCheckedModel, type Loadable } from './checked-model.ts';
import { ggufTensorName } from './gguf-config.ts';
import type { ModelSource } from './source.ts';
import type { LayerWeights, Linear, ModelConfig, ModelWeights, RowChunk, SourceDtype } from './types.ts';
import { bodyBytes, chunkBytes, dArrayOffset, firstNonFiniteScale, maxChunkRows, splitBlocks, type FormatName } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  /** Largest row chunk in bytes (default ctx.maxBinding); smaller values force row splits (tests). */
  maxBinding?: number;
  /** GPU memory budget for the weights in bytes (default: none; an out-of-memory while allocating still becomes 'too-large'). */
  maxBytes?: number;
  /**
   * Called once everything that can be checked without reading the weights' data has passed (files,
   * config.json, tokenizer.json parsed, every tensor's name/shape/dtype, the budget), just before GPU
   * memory is allocated. The engine builds the tokenizer and frees the previous model here, so a broken
   * folder is refused while the previous model is still loaded. Throwing aborts the load.
   */
  beforeAllocate?: (tokenizerJson: unknown, config: ModelConfig) => void;
  /**
   * Store dense (F32/F16/BF16) matrices in this quantized format instead (`--quantize q8_0`), quantized
   * by the format's simple quantizer as they stream in. Matrices whose rows are not a whole number of the
   * format's blocks stay dense. Quantized tensors keep their own format.
   */
  quantize?: FormatName;
}

export interface LoadedModel {
  /** The folder's name (last segment of the source path or URL). */
  name: string;
  config: ModelConfig;
  weights: ModelWeights;
  /** tokenizer.json, parsed. */
  tokenizerJson: unknown;
  /** Total element count of the model's tensors (a tied embedding counted once). */
  parameters: number;
}

/** Bytes read from the source per slice (a multiple of every element size). */
const SLICE_BYTES = 4 << 20;
/** Elements converted per queue.writeBuffer (even, so f16 writes stay 4-byte aligned). */
const STAGE_ELEMS = 1 << 20;
/** Let the queue drain this often so the implementation can recycle its upload staging memory. */
const DRAIN_BYTES = 64 << 20;

/** Rows of a fused matrix that share one GPU format: `parts` concatenated, split into chunks. */
interface Segment {
  format: FormatName;
  parts: Loadable[];
  /** first row of the segment in the fused matrix */
  rowStart: number;
  chunks: { rowStart: number; rows: number; bytes: number }[];
}

/** A fused, row-split matrix to build: its parts concatenated by rows, [outDim, inDim]. */
interface MatrixPlan {
  label: string;
  outDim: number;
  inDim: number;
  segments: Segment[];
}

interface VectorPlan {
  label: string;
  parts: Loadable[];
  length: number;
}

const MiB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function loadModel(ctx: GpuContext, source: ModelSource, opts: LoadOptions = {}): Promise<LoadedModel> {
  const { config, tokenizerJson, tensors, displayName } = await readCheckedModel(source);

  const { matrices, vectors, totalBytes } = planUpload(ctx, config, tensors, opts);
  if (opts.maxBytes !== undefined && totalBytes > opts.maxBytes) {
    throw new ModelError('too-large', `${source.name}: the weights need ${MiB(totalBytes)} on the GPU but the budget is ${MiB(opts.maxBytes)}; use a smaller model.`);
  }

  opts.beforeAllocate?.(tokenizerJson, config);

  // Allocate everything first, so running out of GPU memory fails before minutes of reading.
  const created: GPUBuffer[] = [];
  ctx.device.pushErrorScope('out-of-memory');
  const linears = new Map<string, Linear>();
  /** the chunks of each segment, in plan order */
  const segmentChunks = new Map<Segment, RowChunk[]>();
  const vecBufs = new Map<string, GPUBuffer>();
  for (const m of matrices) {
    const chunks: RowChunk[] = [];
    for (const seg of m.segments) {
      const own = seg.chunks.map((c) => {
        const buffer = createStorage(ctx, c.bytes, `${m.label}[${chunks.length}] ${seg.format}`);
        created.push(buffer);
        const chunk: RowChunk = { buffer, rowStart: seg.rowStart + c.rowStart, rows: c.rows, format: seg.format };
        chunks.push(chunk);
        return chunk;
      });
      segmentChunks.set(seg, own);
    }
    linears.set(m.label, { outDim: m.outDim, inDim: m.inDim, chunks });
  }
  for (const v of vectors) {
    const buffer = createStorage(ctx, v.length * 4, `${v.label} f32`);
    created.push(buffer);
    vecBufs.set(v.label, buffer);
  }
  const oom = await ctx.device.popErrorScope();
  if (oom) {
    for (const b of created) b.destroy();
    throw new ModelError('too-large', `${source.name}: the GPU ran out of memory allocating ${MiB(totalBytes)} of weights (${oom.message}); use a smaller model or close other GPU programs.`);
  }

  try {
    const progress = new Progress(opts.onProgress, [...tensors.values()].reduce((a, t) => a + t.bytes, 0));
    for (const m of matrices) {
      for (const seg of m.segments) {
        const chunks = segmentChunks.get(seg)!;
        if (FORMATS[seg.format].wgsl) await uploadBlocks(ctx, source, seg, chunks, m.inDim, progress);
        else await uploadDense(ctx, source, seg, chunks, m.inDim, progress);
      }
    }
    for (const v of vectors) await uploadVector(ctx, source, v, vecBufs.get(v.label)!, progress);
    await ctx.device.queue.onSubmittedWorkDone();
  } catch (e) {
    for (const b of created) b.destroy();
    throw e;
  }

  const lin = (label: string) => linears.get(label)!;
  const vec = (label: string) => vecBufs.get(label)!;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.layers; i++) {
    const p = layerPrefix(i);
    const qkv = lin(p + 'qkv');
    if (config.qkvBias) qkv.bias = vec(p + 'qkv.bias');
    layers.push({
      inputNorm: vec(p + 'input_layernorm'),
      qkv,
      o: lin(p + 'o'),
      postNorm: vec(p + 'post_attention_layernorm'),
      gateUp: lin(p + 'gateUp'),
      down: lin(p + 'down'),
    });
  }
  const embed = lin('embed');
  const weights: ModelWeights = {
    embed,
    layers,
    finalNorm: vec('norm'),
    lmHead: config.tieEmbeddings ? embed : lin('lmHead'),
    bytes: created.reduce((a, b) => a + b.size, 0),
  };
  const name = displayName ?? (source.gguf ? source.gguf.replace(/\.gguf$/i, '') : source.name.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || source.name);
  return { name, config, weights, tokenizerJson, parameters: countParameters(config) };
}

/** `bytes` (rows of `rowBytes`) with HF row r taken from stored row order[r]. */
function reorderRows(bytes: Uint8Array, order: Int32Array, rowBytes: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let r = 0; r < order.length; r++) out.set(bytes.subarray(order[r]! * rowBytes, (order[r]! + 1) * rowBytes), r * rowBytes);
  return out;
}

/** Where every tensor goes on the GPU, and the bytes that takes; throws 'too-large' if a row cannot fit a binding. */
function planUpload(ctx: GpuContext, c: ModelConfig, t: Map<string, Loadable>, opts: LoadOptions) {
  // F16 and BF16 matrices stay as they are (the kernels unpack them on any device); F32 ones become f16
  // where the device has shader-f16 (half the memory and traffic), else stay f32.
  const dense = (p: Loadable & { encoding: { kind: 'dense' } }): FormatName => (p.encoding.dtype === 'F16' ? 'f16' : p.encoding.dtype === 'BF16' ? 'bf16' : ctx.f16 ? 'f16' : 'f32');
  const quantize = opts.quantize ? FORMATS[opts.quantize] : undefined;
  if (quantize && !quantize.wgsl) throw new RangeError(`quantize: ${opts.quantize} is not a quantized format`);
  // Chunk buffers are allocated in multiples of 16 bytes; keep that within the limit.
  const limit = Math.floor(Math.min(opts.maxBinding ?? ctx.maxBinding, ctx.maxBuffer) / 16) * 16;
  const matrices: MatrixPlan[] = [];
  const vectors: VectorPlan[] = [];
  const get = (name: string) => t.get(name)!;
  /** The GPU format of a matrix part. */
  const gpuFormat = (p: Loadable, inDim: number): FormatName => {
    if (p.encoding.kind === 'blocks') return p.encoding.format.name;
    return quantize && inDim % quantize.blockSize === 0 ? quantize.name : dense(p as Loadable & { encoding: { kind: 'dense' } });
  };
  const matrix = (label: string, names: string[]) => {
    const parts = names.map(get);
    const inDim = parts[0].shape[1];
    const outDim = parts.reduce((a, p) => a + p.shape[0], 0);
    const segments: Segment[] = [];
    let row = 0;
    for (const p of parts) {
      const format = gpuFormat(p, inDim);
      const last = segments[segments.length - 1];
      if (last && last.format === format) last.parts.push(p);
      else segments.push({ format, parts: [p], rowStart: row, chunks: [] });
      row += p.shape[0];
    }
    for (const seg of segments) {
      const f = FORMATS[seg.format];
      const rows = seg.parts.reduce((a, p) => a + p.shape[0], 0);
      const perChunk = maxChunkRows(f, inDim, limit);
      if (perChunk < 1) {
        throw new ModelError(
          'too-large',
          `${names.join(' + ')}: one row is ${chunkBytes(f, 1, inDim)} bytes but the device binds at most ${limit} bytes per buffer; this model is too large for this GPU.`,
        );
      }
      for (let r = 0; r < rows; r += perChunk) {
        const n = Math.min(perChunk, rows - r);
        seg.chunks.push({ rowStart: r, rows: n, bytes: chunkBytes(f, n, inDim) });
      }
    }
    matrices.push({ label, outDim, inDim, segments });
  };
  const vector = (label: string, names: string[]) => {
    const parts = names.map(get);
    vectors.push({ label, parts, length: parts.reduce((a, p) => a + p.shape[0], 0) });
  };

  matrix('embed', ['model.embed_tokens.weight']);
  for (let i = 0; i < c.layers; i++) {
    const p = layerPrefix(i);
    const a = p + 'self_attn.';
    matrix(p + 'qkv', [a + 'q_proj.weight', a + 'k_proj.weight', a + 'v_proj.weight']);
    if (c.qkvBias) vector(p + 'qkv.bias', [a + 'q_proj.bias', a + 'k_proj.bias', a + 'v_proj.bias']);
    matrix(p + 'o', [a + 'o_proj.weight']);
    matrix(p + 'gateUp', [p + 'mlp.gate_proj.weight', p + 'mlp.up_proj.weight']);
    matrix(p + 'down', [p + 'mlp.down_proj.weight']);
    vector(p + 'input_layernorm', [p + 'input_layernorm.weight']);
    vector(p + 'post_attention_layernorm', [p + 'post_attention_layernorm.weight']);
  }
  vector('norm', ['model.norm.weight']);
  if (!c.tieEmbeddings) matrix('lmHead', ['lm_head.weight']);

  const bufBytes = (n: number) => Math.max(16, alignTo(n, 16));
  let totalBytes = 0;
  for (const m of matrices) for (const seg of m.segments) for (const ch of seg.chunks) totalBytes += bufBytes(ch.bytes);
  for (const v of vectors) totalBytes += bufBytes(v.length * 4);
  return { matrices, vectors, totalBytes };
}

class Progress {
  private done = 0;
  private sinceDrain = 0;
  constructor(
    private readonly cb: ((p: LoadProgress) => void) | undefined,
    private readonly total: number,
  ) {}
  /** Counts `bytes` of `file` as loaded; true when the queue should be drained. */
  add(file: string, bytes: number): boolean {
    this.done += bytes;
    this.sinceDrain += bytes;
    this.cb?.({ file, bytesDone: this.done, bytesTotal: this.total });
    if (this.sinceDrain < DRAIN_BYTES) return false;
    this.sinceDrain = 0;
    return true;
  }
}

/** Streams a dense segment's parts (row-concatenated) into its chunk buffers, converting to f16/f32 (or copying bf16) on the way. */
async function uploadDense(ctx: GpuContext, source: ModelSource, seg: Segment, chunks: RowChunk[], inDim: number, progress: Progress) {
  const stage: StorageArray = seg.format === 'f32' ? new Float32Array(STAGE_ELEMS) : new Uint16Array(STAGE_ELEMS);
  const chunkElems = chunks.map((c) => c.rows * inDim);
  let chunk = 0; // current chunk
  let flushed = 0; // elements of the current chunk already written to the GPU
  let staged = 0; // elements waiting in `stage`
  const flush = () => {
    writeBuffer(ctx, chunks[chunk].buffer, flushed * stage.BYTES_PER_ELEMENT, stage.subarray(0, staged));
    flushed += staged;
    staged = 0;
    if (flushed === chunkElems[chunk]) {
      chunk++;
      flushed = 0;
    }
  };
  for (const part of seg.parts) {
    const dtype = denseDtype(part);
    const eb = sourceElemBytes(dtype);
    const total = part.bytes / eb;
    const sliceElems = SLICE_BYTES / eb;
    // Rows stored in another order (llama q/k in GGUF: one attention matrix, a few MB) are read whole and reordered.
    const whole = part.rowOrder ? reorderRows(await source.read(part.file, part.offset, part.bytes), part.rowOrder, inDim * eb) : undefined;
    for (let e0 = 0; e0 < total; e0 += sliceElems) {
      const n = Math.min(sliceElems, total - e0);
      const bytes = whole ? whole.subarray(e0 * eb, (e0 + n) * eb) : await source.read(part.file, part.offset + e0 * eb, n * eb);
      const bad = firstNonFinite(dtype, bytes, n);
      if (bad >= 0) throw nonFiniteWeight(source, part, e0 + bad, inDim);
      let i = 0;
      while (i < n) {
        const k = Math.min(n - i, STAGE_ELEMS - staged, chunkElems[chunk] - flushed - staged);
        convertElements(dtype, bytes, i, stage, staged, k, seg.format === 'bf16');
        staged += k;
        i += k;
        if (staged === STAGE_ELEMS || flushed + staged === chunkElems[chunk]) flush();
      }
      if (progress.add(part.file, n * eb)) await drain(ctx);
    }
  }
  if (chunk !== chunks.length) throw new Error(`internal: a dense segment filled ${chunk} of ${chunks.length} chunks`);
}

const denseDtype = (p: Loadable): SourceDtype => {
  if (p.encoding.kind !== 'dense') throw new Error(`internal: ${p.name} is not dense`);
  return p.encoding.dtype;
};

/**
 * Streams a quantized segment's parts into its chunks in their GPU layout (engine/formats/format.ts:
 * block bodies in row order, then a split format's d values). Parts are quantized blocks of the segment's
 * format, or dense rows quantized here (LoadOptions.quantize).
 */
async function uploadBlocks(ctx: GpuContext, source: ModelSource, seg: Segment, chunks: RowChunk[], inDim: number, progress: Progress) {
  const f = FORMATS[seg.format];
  const nb = inDim / f.blockSize; // blocks per row
  const fileRow = nb * f.blockBytes;
  const split = f.splitD !== undefined;
  let chunk = 0;
  let rowInChunk = 0;
  let d = split ? new Uint16Array(chunks[0].rows * nb) : undefined;
  /** Appends `rows` rows of file-layout blocks of `part` (its rows from `partRow` on). */
  const put = (blocks: Uint8Array, rows: number, part: Loadable, partRow: number) => {
    const bad = firstNonFiniteScale(f, blocks, rows * nb);
    if (bad >= 0) {
      const where = source.gguf ? clipMiddle(`${source.name}/${source.gguf}`) : source.name;
      throw new ModelError(
        'corrupt-gguf',
        `${where}: tensor ${describeName(fileTensorName(source, part))} (${f.ggmlName}) has a scale that is not a finite number in block ${bad % nb} of row ${partRow + Math.floor(bad / nb)}; the file is damaged: download it again.`,
      );
    }
    for (let r = 0; r < rows; ) {
      const c = chunks[chunk];
      const k = Math.min(rows - r, c.rows - rowInChunk);
      const pieces = splitBlocks(f, blocks.subarray(r * fileRow, (r + k) * fileRow), k * nb);
      writeBuffer(ctx, c.buffer, rowInChunk * nb * bodyBytes(f), pieces.body);
      if (pieces.d) d!.set(pieces.d, rowInChunk * nb);
      rowInChunk += k;
      r += k;
      if (rowInChunk === c.rows) {
        if (d) writeBuffer(ctx, c.buffer, dArrayOffset(f, c.rows * nb), d);
        chunk++;
        rowInChunk = 0;
        if (split && chunk < chunks.length) d = new Uint16Array(chunks[chunk].rows * nb);
      }
    }
  };
  for (const part of seg.parts) {
    const rows = part.shape[0];
    const enc = part.encoding;
    // Source bytes of one row, and rows per read slice.
    const srcRow = enc.kind === 'blocks' ? fileRow : inDim * sourceElemBytes(enc.dtype);
    const sliceRows = Math.max(1, Math.floor(SLICE_BYTES / srcRow));
    const whole = part.rowOrder ? reorderRows(await source.read(part.file, part.offset, part.bytes), part.rowOrder, srcRow) : undefined;
    for (let r0 = 0; r0 < rows; r0 += sliceRows) {
      const n = Math.min(sliceRows, rows - r0);
      const bytes = whole ? whole.subarray(r0 * srcRow, (r0 + n) * srcRow) : await source.read(part.file, part.offset + r0 * srcRow, n * srcRow);
      if (enc.kind === 'blocks') put(bytes, n, part, r0);
      else {
        const bad = firstNonFinite(enc.dtype, bytes, n * inDim);
        if (bad >= 0) throw nonFiniteWeight(source, part, r0 * inDim + bad, inDim);
        const values = new Float32Array(n * inDim);
        convertElements(enc.dtype, bytes, 0, values, 0, n * inDim);
        put(f.quantize(values), n, part, r0);
      }
      if (progress.add(part.file, n * srcRow)) await drain(ctx);
    }
  }
  if (chunk !== chunks.length) throw new Error(`internal: a ${f.ggmlName} segment filled ${chunk} of ${chunks.length} chunks`);
}

/** A tensor's name as its file spells it (GGUF files: blk.0.attn_q.weight, not the HF name it is loaded as). */
const fileTensorName = (source: ModelSource, part: Loadable) => (source.gguf ? (ggufTensorName(part.name) ?? part.name) : part.name);

/** The error for a weight that is NaN or ±Inf: element `at` of `part` (rows of `cols`). */
function nonFiniteWeight(source: ModelSource, part: Loadable, at: number, cols: number): ModelError {
  const where = source.gguf ? clipMiddle(`${source.name}/${source.gguf}`) : `${source.name}/${part.file}`;
  const pos = part.shape.length > 1 ? `row ${Math.floor(at / cols)}, column ${at % cols}` : `element ${at}`;
  return new ModelError(source.gguf ? 'corrupt-gguf' : 'corrupt-safetensors', `${where}: tensor ${describeName(fileTensorName(source, part))} holds a value that is not a finite number (${pos}); the file is damaged: download it again.`);
}

/** Reads small f32 vectors (norm weights, biases) whole and writes them, concatenated, into `buf`. */
async function uploadVector(ctx: GpuContext, source: ModelSource, plan: VectorPlan, buf: GPUBuffer, progress: Progress) {
  const out = new Float32Array(plan.length);
  let at = 0;
  for (const part of plan.parts) {
    const n = part.shape[0];
    const raw = await source.read(part.file, part.offset, part.bytes);
    const enc = part.encoding;
    if (enc.kind === 'blocks') {
      // Quantized vectors (llama.cpp keeps norms and biases in F32; a file may not): dequantized here.
      const v = new Float64Array(n);
      enc.format.dequantize(raw, n / enc.format.blockSize, v);
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw nonFiniteWeight(source, part, bad, 1);
      for (let r = 0; r < n; r++) out[at + r] = v[part.rowOrder ? part.rowOrder[r]! : r]!;
    } else {
      const bad = firstNonFinite(enc.dtype, raw, n);
      if (bad >= 0) throw nonFiniteWeight(source, part, bad, 1);
      convertElements(enc.dtype, part.rowOrder ? reorderRows(raw, part.rowOrder, sourceElemBytes(enc.dtype)) : raw, 0, out, at, n);
    }
    at += n;
    progress.add(part.file, part.bytes);
  }
  writeBuffer(ctx, buf, 0, out);
}

async function drain(ctx: GpuContext) {
  ctx.device.queue.submit([]);
  await ctx.device.queue.onSubmittedWorkDone();
}
