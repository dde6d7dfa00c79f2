// Little-endian field access in block bytes, shared by the format references and quantizers.
import { f16ToF32, f32ToF16 } from '../gpu/f16.ts';

/** f16 at byte offset `at`, as a number. */
export const getHalf = (b: Uint8Array, at: number) => f16ToF32(b[at]! | (b[at + 1]! << 8));

/** Writes v as f16 at byte offset `at`; returns the value the f16 holds (what a reader will see). */
export function setHalf(b: Uint8Array, at: number, v: number): number {
  const h = f32ToF16(v);
  b[at] = h & 0xff;
  b[at + 1] = h >> 8;
  return f16ToF32(h);
}

/** Signed byte. */
export const getI8 = (b: Uint8Array, at: number) => (b[at]! << 24) >> 24;

/** Round half away from zero (ggml's nearest_int rounds to nearest; any valid rounding will do here). */
export const nearest = (v: number) => Math.round(v);

export const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
