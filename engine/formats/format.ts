// What a weight format is to the engine: its block layout in files (ggml's), its layout on the GPU, a
// float64 dequantization reference, a simple quantizer, and the WGSL that dequantizes it inside the
// matmul and embedding kernels. One object per format; engine/formats/registry.ts lists them all, so
// adding a format touches its own file, the registry and their tests.
//
// GPU layout. A weight matrix is stored by rows in RowChunks (engine/model/types.ts); a row of `inDim`
// elements is inDim / blockSize consecutive blocks. Blocks keep ggml's byte layout, except that a block
// whose size is not a multiple of 4 bytes (Q4_0: 18, Q8_0: 34, Q6_K: 210) has its 2-byte f16 scale `d`
// moved out: the chunk holds every block's body (16 / 32 / 208 bytes, word-aligned, so kernels read
// whole u32 words) followed by the chunk's f16 `d` values in block order. No padding: the GPU holds the
// file's bytes exactly, reordered.

export type FormatName = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_k' | 'q5_k' | 'q6_k';

export interface WeightFormat {
  name: FormatName;
  /** ggml's type name and id (GGUF tensor info). */
  ggmlName: string;
  ggmlType: number;
  /** Elements per block (1 for the dense formats). */
  blockSize: number;
  /** Bytes per block in a GGUF file. */
  blockBytes: number;
  /** Byte offset in the file block of the f16 `d` that moves to the chunk's trailing array (see above). */
  splitD?: number;
  /** Byte offsets in the file block of its f16 scale fields (synthetic blocks set them to sane values). */
  halfFields: number[];
  /** Dequantizes `nBlocks` file-layout blocks of `src` into out[0 .. nBlocks·blockSize) (float64 reference). */
  dequantize(src: Uint8Array, nBlocks: number, out: Float64Array): void;
  /**
   * Quantizes x (length a multiple of blockSize) into file-layout blocks: a valid encoding with simple
   * per-block scales (not llama.cpp's error-minimising search); tests, `--quantize` and export use it.
   */
  quantize(x: ArrayLike<number>): Uint8Array;
  /** WGSL defining QK, QW, QHead, qhead() and qgroup() (quantized formats; see shaders/formats/README.md). */
  wgsl?: string;
}

/** Bytes of the block body kept in place on the GPU (the whole block unless `d` is split off). */
export const bodyBytes = (f: WeightFormat) => f.blockBytes - (f.splitD !== undefined ? 2 : 0);

/** GPU bytes of `nBlocks` blocks in one chunk: bodies, then (split formats) the f16 d values, padded to 4. */
export function gpuBytes(f: WeightFormat, nBlocks: number): number {
  return nBlocks * bodyBytes(f) + (f.splitD !== undefined ? Math.ceil((nBlocks * 2) / 4) * 4 : 0);
}

/** Byte offset of the trailing d array in a chunk of `nBlocks` blocks (split formats). */
export const dArrayOffset = (f: WeightFormat, nBlocks: number) => nBlocks * bodyBytes(f);

/**
 * Repacks `nBlocks` file-layout blocks into the GPU layout pieces: the bodies (d removed where split)
 * and the d values (f16 bits) of split formats.
 */
export function splitBlocks(f: WeightFormat, src: Uint8Array, nBlocks: number): { body: Uint8Array; d?: Uint16Array } {
  if (src.length < nBlocks * f.blockBytes) throw new RangeError(`${f.ggmlName}: ${src.length} bytes hold fewer than ${nBlocks} blocks`);
  if (f.splitD === undefined) return { body: src.subarray(0, nBlocks * f.blockBytes) };
  const bb = bodyBytes(f);
  const at = f.splitD;
  const body = new Uint8Array(nBlocks * bb);
  const d = new Uint16Array(nBlocks);
  for (let b = 0; b < nBlocks; b++) {
    const s = b * f.blockBytes;
    body.set(src.subarray(s, s + at), b * bb);
    body.set(src.subarray(s + at + 2, s + f.blockBytes), b * bb + at);
    d[b] = src[s + at]! | (src[s + at + 1]! << 8);
  }
  return { body, d };
}

/** Dequantizes a whole row-major matrix [rows, cols] of file-layout blocks (float64 reference). */
export function dequantizeMatrix(f: WeightFormat, src: Uint8Array, rows: number, cols: number): Float64Array {
  if (cols % f.blockSize !== 0) throw new RangeError(`${f.ggmlName}: a row of ${cols} is not a whole number of ${f.blockSize}-element blocks`);
  const out = new Float64Array(rows * cols);
  f.dequantize(src, (rows * cols) / f.blockSize, out);
  return out;
}

/** `nBlocks` file-layout blocks as one chunk's GPU bytes (gpuBytes(f, nBlocks) long). */
export function toGpuLayout(f: WeightFormat, src: Uint8Array, nBlocks: number): Uint8Array {
  const { body, d } = splitBlocks(f, src, nBlocks);
  if (!d) return body;
  const out = new Uint8Array(gpuBytes(f, nBlocks));
  out.set(body);
  out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), body.length);
  return out;
}

/** GPU bytes of a chunk of `rows` rows of `inDim` weights (a whole number of blocks per row). */
export function chunkBytes(f: WeightFormat, rows: number, inDim: number): number {
  return gpuBytes(f, (rows * inDim) / f.blockSize);
}

/** The f16 index in a chunk's words of its first trailing `d` (split formats; 0 otherwise). */
export function dHalfIndex(f: WeightFormat, rows: number, inDim: number): number {
  return f.splitD === undefined ? 0 : dArrayOffset(f, (rows * inDim) / f.blockSize) / 2;
}

/**
 * Index of the first of `nBlocks` file-layout blocks whose f16 scale fields (halfFields) hold NaN or
 * ±Inf, or -1: one such scale makes every output its row touches NaN, so a file holding one is damaged.
 */
export function firstNonFiniteScale(f: WeightFormat, src: Uint8Array, nBlocks: number): number {
  for (let b = 0; b < nBlocks; b++) {
    for (const at of f.halfFields) if ((src[b * f.blockBytes + at + 1]! & 0x7c) === 0x7c) return b;
  }
  return -1;
}

/**
 * Most rows of `inDim` weights one chunk of at most `limitBytes` holds: a row takes its blocks' file bytes
 * on the GPU too (body + split d), and a split format's d array adds at most 3 bytes of padding.
 */
export function maxChunkRows(f: WeightFormat, inDim: number, limitBytes: number): number {
  return Math.floor((limitBytes - 4) / ((inDim / f.blockSize) * f.blockBytes));
}
