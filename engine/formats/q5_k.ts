// Q5_K (ggml type 13): super-blocks of 256 weights, 176 bytes, 8 sub-blocks of 32.
//   d: f16 (0..1) | dmin: f16 (2..3) | scales: 12 bytes (4..15, kquant.ts) | qh: 32 bytes (16..47)
//   | qs: 128 bytes (48..175). As Q4_K, plus a 5th bit: bit s of qh[l] belongs to weight l of sub-block s.
//   w[64c + l]      = d·sc[2c]·((qs[32c + l] & 15) + 16·bit(qh[l], 2c)) − dmin·m[2c]
//   w[64c + 32 + l] = d·sc[2c+1]·((qs[32c + l] >> 4) + 16·bit(qh[l], 2c + 1)) − dmin·m[2c+1]
// GPU: the block as it is (176 bytes = 44 words).
import { dequantizeK, quantizeK, type KLayout } from './kquant.ts';
import type { WeightFormat } from './format.ts';
import head from '../../shaders/formats/kquant-head.wgsl';
import own from '../../shaders/formats/q5_k.wgsl';

const LAYOUT: KLayout = { bytes: 176, qs: 48, qh: 16 };

export const Q5_K: WeightFormat = {
  name: 'q5_k',
  ggmlName: 'Q5_K',
  ggmlType: 13,
  blockSize: 256,
  blockBytes: LAYOUT.bytes,
  halfFields: [0, 2],
  dequantize: (src, nBlocks, out) => dequantizeK(LAYOUT, src, nBlocks, out),
  quantize: (x) => quantizeK(LAYOUT, x),
  wgsl: head + own,
};
