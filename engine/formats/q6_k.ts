// Q6_K (ggml type 14): super-blocks of 256 weights, 210 bytes, 16 sub-blocks of 16 with i8 scales.
//   ql: 128 bytes (0..127, low 4 bits) | qh: 64 bytes (128..191, high 2 bits) | scales: 16 × i8 (192..207)
//   | d: f16 (208..209). Each half h (128 weights) uses ql[64h ..], qh[32h ..], scales[8h ..]; for l < 32:
//   w[128h + 32k + l] = d · scales[8h + l/16 + 2k] · (q − 32), k = 0..3, with the 6-bit q of
//     k = 0: ql[64h + l] & 15      | (qh[32h + l] >> 0 & 3) << 4
//     k = 1: ql[64h + 32 + l] & 15 | (qh[32h + l] >> 2 & 3) << 4
//     k = 2: ql[64h + l] >> 4      | (qh[32h + l] >> 4 & 3) << 4
//     k = 3: ql[64h + 32 + l] >> 4 | (qh[32h + l] >> 6 & 3) << 4
// GPU: the 208-byte body (ql, qh, scales) per block; d in the chunk's trailing f16 array.
import { clamp, getHalf, getI8, nearest, setHalf } from './bytes.ts';
import type { WeightFormat } from './format.ts';
import wgsl from '../../shaders/formats/q6_k.wgsl';

const QK = 256;
const BYTES = 210;

export const Q6_K: WeightFormat = {
  name: 'q6_k',
  ggmlName: 'Q6_K',
  ggmlType: 14,
  blockSize: QK,
  blockBytes: BYTES,
  splitD: 208,
  halfFields: [208],
  dequantize(src, nBlocks, out) {
    for (let b = 0; b < nBlocks; b++) {
      const s = b * BYTES;
      const d = getHalf(src, s + 208);
      for (let h = 0; h < 2; h++) {
        for (let l = 0; l < 32; l++) {
          const lo0 = src[s + 64 * h + l]!;
          const lo1 = src[s + 64 * h + 32 + l]!;
          const hi = src[s + 128 + 32 * h + l]!;
          const q = [(lo0 & 15) | ((hi & 3) << 4), (lo1 & 15) | (((hi >> 2) & 3) << 4), (lo0 >> 4) | (((hi >> 4) & 3) << 4), (lo1 >> 4) | (((hi >> 6) & 3) << 4)];
          for (let k = 0; k < 4; k++) out[b * QK + 128 * h + 32 * k + l] = d * getI8(src, s + 192 + 8 * h + (l >> 4) + 2 * k) * (q[k]! - 32);
        }
      }
    }
  },
  quantize(x) {
    const nBlocks = x.length / QK;
    const out = new Uint8Array(nBlocks * BYTES);
    for (let b = 0; b < nBlocks; b++) {
      const s = b * BYTES;
      const sub: number[] = [];
      for (let i = 0; i < 16; i++) {
        let amax = 0;
        for (let l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(x[b * QK + 16 * i + l]!));
        sub.push(amax / 31);
      }
      const d = setHalf(out, s + 208, Math.max(...sub) / 127);
      const sc = sub.map((v) => (d ? clamp(nearest(v / d), -128, 127) : 0));
      for (let i = 0; i < 16; i++) out[s + 192 + i] = sc[i]! & 0xff;
      // 6-bit codes L (q + 32) of the 256 weights, then packed as the layout above.
      const L = new Uint8Array(QK);
      for (let e = 0; e < QK; e++) {
        const ds = d * sc[e >> 4]!;
        L[e] = (ds ? clamp(nearest(x[b * QK + e]! / ds), -32, 31) : 0) + 32;
      }
      for (let h = 0; h < 2; h++) {
        for (let l = 0; l < 32; l++) {
          const [a, bb, c, e] = [0, 1, 2, 3].map((k) => L[128 * h + 32 * k + l]!);
          out[s + 64 * h + l] = (a! & 15) | ((c! & 15) << 4);
          out[s + 64 * h + 32 + l] = (bb! & 15) | ((e! & 15) << 4);
          out[s + 128 + 32 * h + l] = (a! >> 4) | ((bb! >> 4) << 2) | ((c! >> 4) << 4) | ((e! >> 4) << 6);
        }
      }
    }
    return out;
  },
  wgsl,
};
