// Writes safetensors bytes (F32 / F16 / BF16, or raw bytes in any dtype) — used by test fixtures and
// the training export. Layout: u64 LE header length, JSON header padded with spaces to a multiple of 8,
// then each tensor's little-endian data in order.
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../gpu/f16.ts';

export { f32ToBf16 };
export type WriteDtype = 'F32' | 'F16' | 'BF16';

export type TensorToWrite =
  | { name: string; shape: number[]; dtype: WriteDtype; data: ArrayLike<number> }
  /** Pre-encoded data in any safetensors dtype (e.g. 'I8'), for files we only need to exist. */
  | { name: string; shape: number[]; dtype: string; raw: Uint8Array };

/** Each value rounded as `dtype` stores it (what a reader of the file gets back), as float64. */
export function roundToDtype(dtype: WriteDtype, data: ArrayLike<number>): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = dtype === 'F32' ? Math.fround(v) : dtype === 'F16' ? f16ToF32(f32ToF16(v)) : bf16ToF32(f32ToBf16(v));
  }
  return out;
}

/** Little-endian bytes of `data` in `dtype`. */
export function encodeTensorData(dtype: WriteDtype, data: ArrayLike<number>): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(Float32Array.from(data).buffer);
  const bits = new Uint16Array(data.length);
  const conv = dtype === 'F16' ? f32ToF16 : f32ToBf16;
  for (let i = 0; i < data.length; i++) bits[i] = conv(data[i]);
  return new Uint8Array(bits.buffer);
}

/** One safetensors file holding `tensors` in order. */
export function encodeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = {}): Uint8Array {
  const datas: Uint8Array[] = [];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const bytes = 'raw' in t ? t.raw : encodeTensorData(t.dtype, t.data);
    if (!('raw' in t)) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (n !== t.data.length) throw new RangeError(`${t.name}: shape ${JSON.stringify(t.shape)} holds ${n} elements but data has ${t.data.length}`);
    }
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    datas.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.byteLength % 8)) % 8;
  if (pad) headerBytes = enc.encode(json + ' '.repeat(pad));
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.byteLength;
  for (const d of datas) {
    out.set(d, pos);
    pos += d.byteLength;
  }
  return out;
}
