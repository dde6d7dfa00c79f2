// Encodes a GGUF v3 header (engine/model/gguf.ts has the layout): magic, version, counts, typed metadata,
// tensor infos, padding to the alignment. The tensor data that follows is written by the caller
// (gguf-export.ts streams it). Only the value types an exporter needs are here.
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from './gguf.ts';

export type GgufMetaValue =
  | { type: 'u32' | 'i32' | 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; of: 'string'; value: string[] }
  | { type: 'array'; of: 'i32'; value: ArrayLike<number> };

export interface GgufTensorEntry {
  name: string;
  /** ggml dimensions, ne[0] = row length (the HF shape reversed) */
  ne: number[];
  /** ggml type id */
  type: number;
  /** offset from the start of the data section (a multiple of the alignment) */
  offset: number;
}

/** A growable little-endian byte buffer. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number) {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number) {
    this.room(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number) {
    this.room(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number) {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  u8(v: number) {
    this.room(1);
    this.buf[this.length++] = v;
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const TYPE_CODE = { u32: GgufValueType.UINT32, i32: GgufValueType.INT32, f32: GgufValueType.FLOAT32, bool: GgufValueType.BOOL, string: GgufValueType.STRING } as const;

/** The header bytes, padded so the data section starts at a multiple of `alignment`. */
export function encodeGgufHeader(metadata: [string, GgufMetaValue][], tensors: GgufTensorEntry[], alignment = GGUF_DEFAULT_ALIGNMENT): Uint8Array {
  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  const meta: [string, GgufMetaValue][] = alignment === GGUF_DEFAULT_ALIGNMENT ? metadata : [['general.alignment', { type: 'u32', value: alignment }], ...metadata];
  w.u64(meta.length);
  for (const [key, m] of meta) {
    w.str(key);
    if (m.type === 'array') {
      w.u32(GgufValueType.ARRAY);
      w.u32(TYPE_CODE[m.of]);
      w.u64(m.value.length);
      if (m.of === 'string') for (const s of m.value as string[]) w.str(s);
      else for (let i = 0; i < m.value.length; i++) w.i32((m.value as ArrayLike<number>)[i]!);
      continue;
    }
    w.u32(TYPE_CODE[m.type]);
    if (m.type === 'string') w.str(m.value);
    else if (m.type === 'bool') w.u8(m.value ? 1 : 0);
    else w[m.type](m.value);
  }
  for (const t of tensors) {
    if (t.offset % alignment !== 0) throw new RangeError(`encodeGgufHeader: tensor ${t.name} at data offset ${t.offset}, not a multiple of ${alignment}`);
    w.str(t.name);
    w.u32(t.ne.length);
    for (const n of t.ne) w.u64(n);
    w.u32(t.type);
    w.u64(t.offset);
  }
  while (w.length % alignment !== 0) w.u8(0);
  return w.bytes();
}
