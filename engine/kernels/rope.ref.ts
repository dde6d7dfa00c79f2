// Float64 reference for shaders/rope.wgsl. qkv: [rows, (H + 2G)·D], rotated copy returned; inv_freq as the
// kernel uses it (f32-rounded theta^(-2i/D)), angle = pos·inv_freq in float64.
import { ropeInvFreq } from './rope.ts';

export function ropeRef(qkv: ArrayLike<number>, positions: ArrayLike<number>, rows: number, heads: number, kvHeads: number, headDim: number, theta: number): Float64Array {
  const out = Float64Array.from(qkv);
  const half = headDim / 2;
  const row = (heads + 2 * kvHeads) * headDim;
  const inv = ropeInvFreq(theta, headDim);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads + kvHeads; h++) {
      for (let i = 0; i < half; i++) {
        const a = positions[r] * inv[i];
        const c = Math.cos(a);
        const s = Math.sin(a);
        const j = r * row + h * headDim + i;
        const x0 = qkv[j];
        const x1 = qkv[j + half];
        out[j] = x0 * c - x1 * s;
        out[j + half] = x1 * c + x0 * s;
      }
    }
  }
  return out;
}
