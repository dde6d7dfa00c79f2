// Random valid blocks of a format: every quant bit random, the f16 scale fields set to finite values of
// about `scale` (so dequantized weights are finite and of a sane size). Kernel tests use them (all bit
// patterns, not only what a quantizer emits) and synthetic benchmark models (timing only).
import { f32ToF16 } from '../gpu/f16.ts';
import type { WeightFormat } from './format.ts';

/** `nBlocks` file-layout blocks; `next()` gives uniform [0, 1) numbers. */
export function randomBlocks(f: WeightFormat, nBlocks: number, next: () => number, scale = 0.01): Uint8Array {
  const out = new Uint8Array(nBlocks * f.blockBytes);
  for (let i = 0; i < out.length; i += 4) {
    const v = (next() * 2 ** 32) >>> 0;
    for (let k = 0; k < 4 && i + k < out.length; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
  }
  if (!f.wgsl) {
    // Dense: random bits would be NaNs and huge values; write plain random numbers instead.
    const x = Float64Array.from({ length: nBlocks }, () => (next() * 2 - 1) * scale * 100);
    return f.quantize(x);
  }
  for (let b = 0; b < nBlocks; b++) {
    for (const at of f.halfFields) {
      const h = f32ToF16(scale * (0.25 + next()));
      out[b * f.blockBytes + at] = h & 0xff;
      out[b * f.blockBytes + at + 1] = h >> 8;
    }
  }
  return out;
}
