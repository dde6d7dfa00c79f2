// Q8_0 (ggml type 8): blocks of 32 weights, 34 bytes.
//   d: f16 (bytes 0..1) | qs: 32 × i8 (bytes 2..33)          w[j] = d · qs[j]
// GPU: the 32-byte qs body per block; d in the chunk's trailing f16 array.
import { clamp, getHalf, getI8, nearest, setHalf } from './bytes.ts';
import type { WeightFormat } from './format.ts';
import wgsl from '../../shaders/formats/q8_0.wgsl';

const QK = 32;
const BYTES = 34;

export const Q8_0: WeightFormat = {
  name: 'q8_0',
  ggmlName: 'Q8_0',
  ggmlType: 8,
  blockSize: QK,
  blockBytes: BYTES,
  splitD: 0,
  halfFields: [0],
  dequantize(src, nBlocks, out) {
    for (let b = 0; b < nBlocks; b++) {
      const s = b * BYTES;
      const d = getHalf(src, s);
      for (let j = 0; j < QK; j++) out[b * QK + j] = d * getI8(src, s + 2 + j);
    }
  },
  quantize(x) {
    const nBlocks = x.length / QK;
    const out = new Uint8Array(nBlocks * BYTES);
    for (let b = 0; b < nBlocks; b++) {
      let amax = 0;
      for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[b * QK + j]!));
      const d = setHalf(out, b * BYTES, amax / 127);
      for (let j = 0; j < QK; j++) out[b * BYTES + 2 + j] = (d ? clamp(nearest(x[b * QK + j]! / d), -127, 127) : 0) & 0xff;
    }
    return out;
  },
  wgsl,
};
