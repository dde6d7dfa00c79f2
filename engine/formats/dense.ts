// The dense formats: F32, F16 and BF16 elements (blockSize 1). F16 and BF16 tensors stay as they are on
// any device (the kernels unpack them from u32 words: shaders/formats/dense.wgsl); F32 tensors become f16
// on devices with shader-f16, else stay f32 (engine/model/load.ts). The matmul runs the dense kernels
// (engine/kernels/matmul-gen.ts, shaders/matmul.wgsl).
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../gpu/f16.ts';

import type { WeightFormat } from './format.ts';

export const F32: WeightFormat = {
  name: 'f32',
  ggmlName: 'F32',
  ggmlType: 0,
  blockSize: 1,
  blockBytes: 4,
  halfFields: [],
  dequantize(src, n, out) {
    const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
    for (let i = 0; i < n; i++) out[i] = v.getFloat32(i * 4, true);
  },
  quantize(x) {
    const out = new Uint8Array(x.length * 4);
    const v = new DataView(out.buffer);
    for (let i = 0; i < x.length; i++) v.setFloat32(i * 4, x[i]!, true);
    return out;
  },
};

export const F16: WeightFormat = {
  name: 'f16',
  ggmlName: 'F16',
  ggmlType: 1,
  blockSize: 1,
  blockBytes: 2,
  halfFields: [],
  dequantize(src, n, out) {
    for (let i = 0; i < n; i++) out[i] = f16ToF32(src[2 * i]! | (src[2 * i + 1]! << 8));
  },
  quantize(x) {
    const out = new Uint8Array(x.length * 2);
    for (let i = 0; i < x.length; i++) {
      const h = f32ToF16(x[i]!);
      out[2 * i] = h & 0xff;
      out[2 * i + 1] = h >> 8;
    }
    return out;
  },
};

export const BF16: WeightFormat = {
  name: 'bf16',
  ggmlName: 'BF16',
  ggmlType: 30,
  blockSize: 1,
  blockBytes: 2,
  halfFields: [],
  dequantize(src, n, out) {
    for (let i = 0; i < n; i++) out[i] = bf16ToF32(src[2 * i]! | (src[2 * i + 1]! << 8));
  },
  quantize(x) {
    const out = new Uint8Array(x.length * 2);
    for (let i = 0; i < x.length; i++) {
      const b = f32ToBf16(x[i]!);
      out[2 * i] = b & 0xff;
      out[2 * i + 1] = b >> 8;
    }
    return out;
  },
};
