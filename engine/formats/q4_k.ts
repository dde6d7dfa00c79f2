// Q4_K (ggml type 12): super-blocks of 256 weights, 144 bytes, 8 sub-blocks of 32.
//   d: f16 (0..1) | dmin: f16 (2..3) | scales: 12 bytes (4..15, kquant.ts) | qs: 128 bytes (16..143)
//   Sub-blocks 2c and 2c + 1 share the 32 bytes qs[32c .. 32c + 31]: low nibbles, then high nibbles.
//   w[64c + l]      = d·sc[2c]·(qs[32c + l] & 15) − dmin·m[2c]
//   w[64c + 32 + l] = d·sc[2c+1]·(qs[32c + l] >> 4) − dmin·m[2c+1]
// GPU: the block as it is (144 bytes = 36 words).
import { dequantizeK, quantizeK, type KLayout } from './kquant.ts';
import type { WeightFormat } from './format.ts';
import head from '../../shaders/formats/kquant-head.wgsl';
import own from '../../shaders/formats/q4_k.wgsl';

const LAYOUT: KLayout = { bytes: 144, qs: 16 };

export const Q4_K: WeightFormat = {
  name: 'q4_k',
  ggmlName: 'Q4_K',
  ggmlType: 12,
  blockSize: 256,
  blockBytes: LAYOUT.bytes,
  halfFields: [0, 2],
  dequantize: (src, nBlocks, out) => dequantizeK(LAYOUT, src, nBlocks, out),
  quantize: (x) => quantizeK(LAYOUT, x),
  wgsl: head + own,
};
