// Q4_0 (ggml type 2): blocks of 32 weights, 18 bytes.
//   d: f16 (bytes 0..1) | qs: 16 bytes (2..17); weight j < 16 is the low nibble of qs[j], weight j + 16
//   its high nibble:   w[j] = d · ((qs[j] & 15) − 8),   w[j + 16] = d · ((qs[j] >> 4) − 8)
// GPU: the 16-byte qs body per block; d in the chunk's trailing f16 array.
import { clamp, getHalf, nearest, setHalf } from './bytes.ts';
import type { WeightFormat } from './format.ts';
import wgsl from '../../shaders/formats/q4_0.wgsl';

const QK = 32;
const BYTES = 18;

export const Q4_0: WeightFormat = {
  name: 'q4_0',
  ggmlName: 'Q4_0',
  ggmlType: 2,
  blockSize: QK,
  blockBytes: BYTES,
  splitD: 0,
  halfFields: [0],
  dequantize(src, nBlocks, out) {
    for (let b = 0; b < nBlocks; b++) {
      const s = b * BYTES;
      const d = getHalf(src, s);
      for (let j = 0; j < 16; j++) {
        const q = src[s + 2 + j]!;
        out[b * QK + j] = d * ((q & 15) - 8);
        out[b * QK + j + 16] = d * ((q >> 4) - 8);
      }
    }
  },
  quantize(x) {
    const nBlocks = x.length / QK;
    const out = new Uint8Array(nBlocks * BYTES);
    for (let b = 0; b < nBlocks; b++) {
      // As ggml: the value of largest magnitude maps to −8, so the scale carries its sign.
      let max = 0;
      for (let j = 0; j < QK; j++) if (Math.abs(x[b * QK + j]!) > Math.abs(max)) max = x[b * QK + j]!;
      const d = setHalf(out, b * BYTES, max / -8);
      const q = (v: number) => (d ? clamp(nearest(v / d) + 8, 0, 15) : 8);
      for (let j = 0; j < 16; j++) out[b * BYTES + 2 + j] = q(x[b * QK + j]!) | (q(x[b * QK + j + 16]!) << 4);
    }
    return out;
  },
  wgsl,
};
