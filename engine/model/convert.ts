// Converts safetensors element bytes (little-endian F32 / F16 / BF16) to GPU storage elements:
// f16 bits in a Uint16Array or f32 in a Float32Array. Half-precision conversions go through 64K-entry
// tables (exactly f32ToF16(bf16ToF32(x)) and f16ToF32(x)), so converting a large model is fast.
import { bf16ToF32, f16ToF32, f32ToF16 } from '../gpu/f16.ts';
import type { SourceDtype } from './types.ts';

export type StorageArray = Float32Array | Uint16Array;

let bf16ToF16Table: Uint16Array | undefined;
let f16ToF32Table: Float32Array | undefined;

function bf16ToF16(): Uint16Array {
  if (!bf16ToF16Table) {
    bf16ToF16Table = new Uint16Array(65536);
    for (let b = 0; b < 65536; b++) bf16ToF16Table[b] = f32ToF16(bf16ToF32(b));
  }
  return bf16ToF16Table;
}
function f16ToF32Lut(): Float32Array {
  if (!f16ToF32Table) {
    f16ToF32Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16ToF32Table[h] = f16ToF32(h);
  }
  return f16ToF32Table;
}

/** Element size in bytes of a loadable source dtype. */
export const sourceElemBytes = (dtype: SourceDtype) => (dtype === 'F32' ? 4 : 2);

/**
 * dst[dstElem + i] = convert(src element srcElem + i) for i < count.
 * src: raw tensor bytes (byteOffset a multiple of 4); dst: f16 bits (Uint16Array), f32 (Float32Array), or
 * with `dstBf16` bf16 bits (Uint16Array; BF16 sources only: copied as they are).
 */
export function convertElements(dtype: SourceDtype, src: Uint8Array, srcElem: number, dst: StorageArray, dstElem: number, count: number, dstBf16 = false): void {
  if (src.byteOffset % 4 !== 0) src = src.slice();
  if (dstBf16) {
    if (dtype !== 'BF16' || !(dst instanceof Uint16Array)) throw new Error(`convertElements: bf16 storage takes BF16 elements, not ${dtype}`);
    dst.set(new Uint16Array(src.buffer, src.byteOffset + srcElem * 2, count), dstElem);
    return;
  }
  if (dtype === 'F32') {
    const s = new Float32Array(src.buffer, src.byteOffset + srcElem * 4, count);
    if (dst instanceof Float32Array) dst.set(s, dstElem);
    else for (let i = 0; i < count; i++) dst[dstElem + i] = f32ToF16(s[i]);
    return;
  }
  const s = new Uint16Array(src.buffer, src.byteOffset + srcElem * 2, count);
  if (dtype === 'F16') {
    if (dst instanceof Uint16Array) dst.set(s, dstElem);
    else {
      const t = f16ToF32Lut();
      for (let i = 0; i < count; i++) dst[dstElem + i] = t[s[i]];
    }
    return;
  }
  // BF16
  if (dst instanceof Uint16Array) {
    const t = bf16ToF16();
    for (let i = 0; i < count; i++) dst[dstElem + i] = t[s[i]];
  } else {
    const bits = new Uint32Array(dst.buffer, dst.byteOffset + dstElem * 4, count);
    for (let i = 0; i < count; i++) bits[i] = s[i] << 16;
  }
}

/**
 * Index of the first of `count` elements of `src` (raw F32 / F16 / BF16 bytes) that is NaN or ±Inf,
 * or -1. A weight that is not a finite number makes every output it touches NaN: such a file is refused
 * at load rather than failing every request.
 */
export function firstNonFinite(dtype: SourceDtype, src: Uint8Array, count: number): number {
  if (src.byteOffset % 4 !== 0) src = src.slice();
  if (dtype === 'F32') {
    const s = new Float32Array(src.buffer, src.byteOffset, count);
    for (let i = 0; i < count; i++) if (!Number.isFinite(s[i])) return i;
    return -1;
  }
  // f16: exponent bits 10..14 all set; bf16: bits 7..14 all set.
  const mask = dtype === 'F16' ? 0x7c00 : 0x7f80;
  const s = new Uint16Array(src.buffer, src.byteOffset, count);
  for (let i = 0; i < count; i++) if ((s[i]! & mask) === mask) return i;
  return -1;
}
