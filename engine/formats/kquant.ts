// What Q4_K and Q5_K share: the 12-byte scale field, the dequantization and the quantizer.
//
// The 12-byte scale field: eight 6-bit (scale, min) pairs, one per 32-weight sub-block.
//   sub-block j < 4:  scale = q[j] & 63,                         min = q[j + 4] & 63
//   sub-block j ≥ 4:  scale = (q[j + 4] & 15) | (q[j − 4] >> 6) << 4,   min = (q[j + 4] >> 4) | (q[j] >> 6) << 4
// (ggml's get_scale_min_k4). The top 2 bits of q[0..7] carry the high bits of sub-blocks 4..7.
import { clamp, getHalf, nearest, setHalf } from './bytes.ts';

/** (scale, min) of sub-block j from the 12 bytes at `at`. */
export function getScaleMin(q: Uint8Array, at: number, j: number): [number, number] {
  if (j < 4) return [q[at + j]! & 63, q[at + j + 4]! & 63];
  return [(q[at + j + 4]! & 15) | ((q[at + j - 4]! >> 6) << 4), (q[at + j + 4]! >> 4) | ((q[at + j]! >> 6) << 4)];
}

/** Packs 8 scales and 8 mins (each 0..63) into the 12 bytes at `at` (the inverse of getScaleMin). */
export function setScaleMins(q: Uint8Array, at: number, sc: ArrayLike<number>, m: ArrayLike<number>) {
  for (let j = 0; j < 4; j++) {
    q[at + j] = (sc[j]! & 63) | ((sc[j + 4]! >> 4) << 6);
    q[at + j + 4] = (m[j]! & 63) | ((m[j + 4]! >> 4) << 6);
    q[at + j + 8] = (sc[j + 4]! & 15) | ((m[j + 4]! & 15) << 4);
  }
}

/**
 * Per sub-block of 32 (8 per 256-block starting at x[x0]): an affine code w ≈ d·sc·q − dmin·m with q in
 * 0..levels. Simple choice: the sub-block's [min(0, lo), hi] range split evenly; the 6-bit sc and m are
 * the sub-block scales and mins relative to the block's largest. Returns what the quantizer needs.
 */
export function affineSubBlocks(x: ArrayLike<number>, x0: number, levels: number): { scales: number[]; mins: number[] } {
  const scales: number[] = [];
  const mins: number[] = [];
  for (let s = 0; s < 8; s++) {
    let lo = 0;
    let hi = -Infinity;
    for (let l = 0; l < 32; l++) {
      const v = x[x0 + 32 * s + l]!;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    scales.push(Math.max(0, (hi - lo) / levels));
    mins.push(-lo);
  }
  return { scales, mins };
}

/** Where a K-quant block keeps its fields: Q4_K (no qh) and Q5_K (qh: the 5th bit of every weight). */
export interface KLayout {
  bytes: number;
  /** byte offset of qs (128 bytes of nibbles) */
  qs: number;
  /** byte offset of qh (32 bytes), Q5_K only */
  qh?: number;
}

/**
 * Dequantizes Q4_K / Q5_K blocks (the two differ only in qh). Sub-blocks 2c and 2c + 1 are the low and
 * high nibbles of qs[32c .. 32c + 31]; with qh, bit s of qh[l] adds 16 to weight l of sub-block s:
 *   w[32s + l] = d·sc[s]·q − dmin·m[s]
 */
export function dequantizeK(k: KLayout, src: Uint8Array, nBlocks: number, out: Float64Array) {
  for (let b = 0; b < nBlocks; b++) {
    const s0 = b * k.bytes;
    const d = getHalf(src, s0);
    const dmin = getHalf(src, s0 + 2);
    for (let s = 0; s < 8; s++) {
      const [sc, m] = getScaleMin(src, s0 + 4, s);
      const c = s >> 1;
      for (let l = 0; l < 32; l++) {
        let q = (src[s0 + k.qs + 32 * c + l]! >> (s & 1 ? 4 : 0)) & 15;
        if (k.qh !== undefined) q += 16 * ((src[s0 + k.qh + l]! >> s) & 1);
        out[b * 256 + 32 * s + l] = d * sc * q - dmin * m;
      }
    }
  }
}

/** Quantizes into Q4_K (levels 15) or Q5_K (levels 31) blocks with affineSubBlocks' simple scales. */
export function quantizeK(k: KLayout, x: ArrayLike<number>): Uint8Array {
  const levels = k.qh === undefined ? 15 : 31;
  const nBlocks = x.length / 256;
  const out = new Uint8Array(nBlocks * k.bytes);
  for (let b = 0; b < nBlocks; b++) {
    const s0 = b * k.bytes;
    const { scales, mins } = affineSubBlocks(x, b * 256, levels);
    const d = setHalf(out, s0, Math.max(...scales) / 63);
    const dmin = setHalf(out, s0 + 2, Math.max(...mins) / 63);
    const sc = scales.map((v) => (d ? clamp(nearest(v / d), 0, 63) : 0));
    const m = mins.map((v) => (dmin ? clamp(nearest(v / dmin), 0, 63) : 0));
    setScaleMins(out, s0 + 4, sc, m);
    for (let s = 0; s < 8; s++) {
      const ds = d * sc[s]!;
      for (let l = 0; l < 32; l++) {
        const q = ds ? clamp(nearest((x[b * 256 + 32 * s + l]! + dmin * m[s]!) / ds), 0, levels) : 0;
        out[s0 + k.qs + 32 * (s >> 1) + l]! |= (q & 15) << (s & 1 ? 4 : 0);
        if (k.qh !== undefined) out[s0 + k.qh + l]! |= (q >> 4) << s;
      }
    }
  }
  return out;
}
