// Reads the header of a GGUF file (llama.cpp's model format, versions 2 and 3), little-endian:
//   u32 magic "GGUF" · u32 version · u64 tensor_count · u64 metadata_kv_count
//   metadata: key (u64 length + UTF-8) · u32 value type · value      (arrays: u32 type · u64 count · items)
//   tensor infos: name · u32 n_dims · u64 ne[n_dims] · u32 ggml type · u64 offset (from the data section)
//   padding to general.alignment (default 32) · data section
// ne[0] is the fastest-varying dimension (a row); `shape` below is ne reversed, row-major as in
// safetensors ([rows, cols] for a matrix). Only the header is read here, through a ModelSource in chunks,
// so a multi-GB file over HTTP is never fetched whole; tensor data is read in ranges by the loader.
//
// Our own reader rather than @huggingface/gguf: that package reads through its own fetch/file access
// (not our ModelSource, which is what the Electron engine window's fanout:// and the HTTP Range reader
// provide), parses metadata without limits on counts and lengths, and we need every size in a file
// someone downloaded checked against the file before anything is allocated. The format is small.
import { clipMiddle, describeName, ModelError } from './errors.ts';
import { ggmlType, ggmlTypeName, type GgmlType } from './ggml-types.ts';
import type { ModelSource } from './source.ts';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types (enum gguf_type). */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** A metadata value: numbers (64-bit integers beyond 2^53 as bigint), strings, booleans, arrays of them. */
export type GgufValue = number | bigint | string | boolean | GgufArray;
/** Numeric arrays as typed arrays (a vocabulary's token types and scores have 150 000 items). */
export type GgufArray = string[] | boolean[] | Float32Array | Float64Array | Int32Array | Uint32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | (number | bigint)[] | GgufValue[][];

/** A metadata value for a message: a number, a name quoted (when it is printable), anything else by its type. */
export function describeMeta(v: GgufValue): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'not a finite number';
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return describeName(v, 40);
  if (typeof v === 'boolean') return `a bool (${v})`;
  return `an array of ${v.length} items`;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml type id (see ggml-types.ts). */
  type: number;
  /** ne reversed: [rows, cols] for a matrix. */
  shape: number[];
  /** Absolute byte offset of the tensor's data in the file. */
  offset: number;
  bytes: number;
}

export interface GgufHeader {
  version: 2 | 3;
  alignment: number;
  metadata: Map<string, GgufValue>;
  tensors: Map<string, GgufTensorInfo>;
  /** Where the data section starts. */
  dataStart: number;
  fileBytes: number;
}

// Limits on what a header may declare, far beyond real files (Llama 3's vocabulary: 128 256 tokens and
// 280 000 merges in ~10 MB of metadata; the largest models have a few thousand tensors).
const MAX_HEADER_BYTES = 256 << 20;
const MAX_TENSORS = 1 << 20;
const MAX_KV = 1 << 16;
const MAX_KEY_BYTES = 1 << 16;
const MAX_ARRAY_ITEMS = 1 << 24;
/**
 * Items read one by one (strings, bools, 64-bit integers, nested arrays) in the whole header: each is a
 * JS value of 10–200 bytes, so a 256 MiB header of 1-byte bools or 12-byte empty arrays would take
 * gigabytes (and minutes). Real files: a vocabulary's tokens and merges, under a million in all.
 */
const MAX_LOOSE_ITEMS = 1 << 22;
/** What one nested array counts against MAX_LOOSE_ITEMS (a typed array or a JS array: ~200 bytes). */
const NESTED_ARRAY_COST = 64;
const MAX_NESTING = 2;
const MAX_DIMS = 4; // GGML_MAX_DIMS
const CHUNK = 1 << 20;

const corrupt = (source: ModelSource, file: string, msg: string) =>
  new ModelError('corrupt-gguf', `${clipMiddle(`${source.name}/${file}`)}: ${msg}. The file is damaged or not a GGUF file; download it again.`);

/** Reads the header of the GGUF file `file` of `source`. */
export async function readGgufHeader(source: ModelSource, file: string): Promise<GgufHeader> {
  const fileBytes = await source.size(file);
  const r = new Reader(source, file, fileBytes);
  const bad = (msg: string) => corrupt(source, file, msg);
  if (fileBytes < 24) throw bad(`it is ${fileBytes} bytes, too short for a GGUF header`);
  const magic = await r.u32();
  if (magic !== GGUF_MAGIC) {
    const text = await source.read(file, 0, 4);
    throw bad(text.every((b) => b >= 32 && b < 127) && String.fromCharCode(...text) === 'FUGG' ? 'it is a big-endian GGUF file, which is not supported' : 'it does not start with "GGUF"');
  }
  const version = await r.u32();
  if (version === 1) throw new ModelError('corrupt-gguf', `${clipMiddle(`${source.name}/${file}`)}: GGUF version 1 (2023) is not supported; convert the model again with a current llama.cpp.`);
  if (version !== 2 && version !== 3) throw bad(`GGUF version ${version} is not one this reader knows (2 or 3)`);
  const tensorCount = await r.count('tensor_count', MAX_TENSORS);
  const kvCount = await r.count('metadata_kv_count', MAX_KV);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await r.string(`metadata key ${i}`, MAX_KEY_BYTES);
    if (metadata.has(key)) throw bad(`metadata key ${describeName(key)} appears twice`);
    const type = await r.u32();
    metadata.set(key, await r.value(type, `metadata ${describeName(key)}`, 0));
  }

  const alignmentValue = metadata.get('general.alignment');
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentValue !== undefined) {
    if (typeof alignmentValue !== 'number' || !Number.isInteger(alignmentValue) || alignmentValue < 1 || alignmentValue > 1 << 20 || (alignmentValue & (alignmentValue - 1)) !== 0) {
      throw bad('general.alignment is not a power of two up to 1 MiB');
    }
    alignment = alignmentValue;
  }

  const infos: { name: string; ne: number[]; type: number; rel: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await r.string(`tensor ${i}'s name`, MAX_KEY_BYTES);
    const shown = `tensor ${describeName(name)}`;
    if (names.has(name)) throw bad(`${shown} appears twice`);
    names.add(name);
    const nDims = await r.u32();
    if (nDims < 1 || nDims > MAX_DIMS) throw bad(`${shown} has ${nDims} dimensions (1 to ${MAX_DIMS} are valid)`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(await r.u64Safe(`${shown} dimension ${d}`));
    const type = await r.u32();
    const rel = await r.u64Safe(`${shown} offset`);
    infos.push({ name, ne, type, rel });
  }
  const dataStart = alignUp(r.pos, alignment);
  if (dataStart > fileBytes) throw bad(`the header ends at byte ${r.pos} but the file is ${fileBytes} bytes`);

  const tensors = new Map<string, GgufTensorInfo>();
  for (const { name, ne, type, rel } of infos) {
    const t = ggmlType(type);
    const elements = ne.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements)) throw bad(`tensor ${describeName(name)} has more elements than any file holds`);
    if (rel % alignment !== 0) throw bad(`tensor ${describeName(name)} starts at data offset ${rel}, not a multiple of the alignment ${alignment}`);
    // An unknown type's size is not known: its tensor is kept (the loader names it if it is needed).
    const bytes = t ? tensorBytes(t, ne, () => bad(`tensor ${describeName(name)} (${t.name}) has rows of ${ne[0]} elements, not a multiple of its block size ${t.blockSize}`)) : 0;
    const offset = dataStart + rel;
    if (offset + bytes > fileBytes) throw bad(`tensor ${describeName(name)} (${ggmlTypeName(type)}, ${bytes} bytes at ${offset}) ends past the end of the file (${fileBytes} bytes)`);
    tensors.set(name, { name, type, shape: [...ne].reverse(), offset, bytes });
  }
  const sorted = [...tensors.values()].filter((t) => t.bytes > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.offset < prev.offset + prev.bytes) throw bad(`tensors ${describeName(prev.name)} and ${describeName(cur.name)} overlap`);
  }
  return { version: version as 2 | 3, alignment, metadata, tensors, dataStart, fileBytes };
}

/** Bytes of a tensor of type `t` with dimensions `ne` (ne[0] a multiple of the block size). */
export function tensorBytes(t: GgmlType, ne: readonly number[], notWhole: () => Error): number {
  if (ne[0]! % t.blockSize !== 0) throw notWhole();
  const rows = ne.slice(1).reduce((a, b) => a * b, 1);
  return (ne[0]! / t.blockSize) * t.typeSize * rows;
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Sequential little-endian reads through a ModelSource, fetched CHUNK bytes at a time. */
class Reader {
  pos = 0;
  /** Items of arrays read one by one so far (see MAX_LOOSE_ITEMS). */
  private looseItems = 0;
  // buf/view are replaced by need(): read them only after it resolves.
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private bufStart = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly source: ModelSource,
    private readonly file: string,
    private readonly fileBytes: number,
  ) {}

  private bad(msg: string) {
    return corrupt(this.source, this.file, msg);
  }

  /** Makes bytes [pos, pos + n) available in buf; returns their offset in buf. */
  private async need(n: number, what: string): Promise<number> {
    const end = this.pos + n;
    if (end > this.fileBytes) throw this.bad(`${what} runs past the end of the file (${this.fileBytes} bytes)`);
    if (end > MAX_HEADER_BYTES) throw this.bad(`the header is larger than ${MAX_HEADER_BYTES >> 20} MiB, more than any model's`);
    if (this.pos < this.bufStart || end > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, CHUNK), this.fileBytes - this.pos);
      this.buf = await this.source.read(this.file, this.pos, len);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      this.bufStart = this.pos;
    }
    const at = this.pos - this.bufStart;
    this.pos = end;
    return at;
  }

  async u8(what = 'a value') {
    const o = await this.need(1, what);
    return this.view.getUint8(o);
  }
  async u32(what = 'a value') {
    const o = await this.need(4, what);
    return this.view.getUint32(o, true);
  }
  async u64(what = 'a value'): Promise<bigint> {
    const o = await this.need(8, what);
    return this.view.getBigUint64(o, true);
  }
  /** A u64 that must be a safe integer (a size or an offset). */
  async u64Safe(what: string): Promise<number> {
    const v = await this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.bad(`${what} is ${v}, larger than any file`);
    return Number(v);
  }
  async count(what: string, max: number): Promise<number> {
    const v = await this.u64(what);
    if (v > BigInt(max)) throw this.bad(`${what} is ${v}; at most ${max} is supported`);
    return Number(v);
  }
  async string(what: string, maxBytes = MAX_HEADER_BYTES): Promise<string> {
    const len = await this.u64(what);
    if (len > BigInt(maxBytes)) throw this.bad(`${what} is ${len} bytes long; at most ${maxBytes} are supported`);
    const n = Number(len);
    const at = await this.need(n, what);
    try {
      return this.decoder.decode(this.buf.subarray(at, at + n));
    } catch {
      throw this.bad(`${what} is not valid UTF-8`);
    }
  }

  /** A value of type `type`; `what` names it in messages ("metadata 'general.name'"). */
  async value(type: number, what: string, depth: number): Promise<GgufValue> {
    const at = async (n: number) => this.need(n, what);
    switch (type) {
      case GgufValueType.UINT8: {
        const o = await at(1);
        return this.view.getUint8(o);
      }
      case GgufValueType.INT8: {
        const o = await at(1);
        return this.view.getInt8(o);
      }
      case GgufValueType.UINT16: {
        const o = await at(2);
        return this.view.getUint16(o, true);
      }
      case GgufValueType.INT16: {
        const o = await at(2);
        return this.view.getInt16(o, true);
      }
      case GgufValueType.UINT32: {
        const o = await at(4);
        return this.view.getUint32(o, true);
      }
      case GgufValueType.INT32: {
        const o = await at(4);
        return this.view.getInt32(o, true);
      }
      case GgufValueType.FLOAT32: {
        const o = await at(4);
        return this.view.getFloat32(o, true);
      }
      case GgufValueType.FLOAT64: {
        const o = await at(8);
        return this.view.getFloat64(o, true);
      }
      case GgufValueType.BOOL: {
        const o = await at(1);
        const b = this.view.getUint8(o);
        if (b > 1) throw this.bad(`${what} is a bool of value ${b}`);
        return b === 1;
      }
      case GgufValueType.UINT64: {
        const o = await at(8);
        const v = this.view.getBigUint64(o, true);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case GgufValueType.INT64: {
        const o = await at(8);
        const v = this.view.getBigInt64(o, true);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      }
      case GgufValueType.STRING:
        return this.string(what);
      case GgufValueType.ARRAY:
        return this.array(what, depth);
      default:
        throw this.bad(`${what} has value type ${type}, which GGUF does not define`);
    }
  }

  private async array(what: string, depth: number): Promise<GgufArray> {
    const type = await this.u32(what);
    const n = await this.count(`the item count of ${what}`, MAX_ARRAY_ITEMS);
    const fixed = FIXED_ARRAYS[type];
    if (fixed) {
      // Read in one piece (copied: the chunk buffer is reused).
      const [size, make] = fixed;
      const bytes = n * size;
      if (this.pos + bytes > this.fileBytes) throw this.bad(`${what} runs past the end of the file (${this.fileBytes} bytes)`);
      const out = make(n);
      const raw = new Uint8Array(out.buffer);
      for (let done = 0; done < bytes; ) {
        const step = Math.min(CHUNK, bytes - done);
        const at = await this.need(step, what);
        raw.set(this.buf.subarray(at, at + step), done);
        done += step;
      }
      return out;
    }
    if (type === GgufValueType.ARRAY && depth + 2 > MAX_NESTING) throw this.bad(`${what} nests arrays more than ${MAX_NESTING} deep`);
    // Counted before reading: a count within MAX_ARRAY_ITEMS but past the budget fails at once.
    this.looseItems += n * (type === GgufValueType.ARRAY ? NESTED_ARRAY_COST : 1);
    if (this.looseItems > MAX_LOOSE_ITEMS) {
      throw this.bad(`${what} has ${n} items, more than any model's metadata holds (the header may list ${MAX_LOOSE_ITEMS} strings, bools and 64-bit integers in all)`);
    }
    const items: GgufValue[] = [];
    const item = `an item of ${what}`;
    for (let i = 0; i < n; i++) items.push(this.itemInBuffer(type) ?? (await this.value(type, item, depth + 1)));
    return items as GgufArray;
  }

  /**
   * The next array item read synchronously when it is a string, bool or 64-bit integer that lies whole
   * in the buffer and is valid, else undefined with nothing consumed (value() then reads it, or says what
   * is wrong). An await per item made a vocabulary's 400 000 strings take seconds.
   */
  private itemInBuffer(type: number): GgufValue | undefined {
    const at = this.pos - this.bufStart;
    // The buffer may run up to a chunk past MAX_HEADER_BYTES: that much is never read.
    const room = Math.min(this.buf.length - at, MAX_HEADER_BYTES - this.pos);
    if (at < 0) return undefined;
    switch (type) {
      case GgufValueType.STRING: {
        if (room < 8 || this.view.getUint32(at + 4, true) !== 0) return undefined;
        const n = this.view.getUint32(at, true);
        if (n > room - 8) return undefined;
        let s: string;
        try {
          s = this.decoder.decode(this.buf.subarray(at + 8, at + 8 + n));
        } catch {
          return undefined;
        }
        this.pos += 8 + n;
        return s;
      }
      case GgufValueType.BOOL: {
        const b = room >= 1 ? this.view.getUint8(at) : 2;
        if (b > 1) return undefined;
        this.pos += 1;
        return b === 1;
      }
      case GgufValueType.UINT64:
      case GgufValueType.INT64: {
        if (room < 8) return undefined;
        const v = type === GgufValueType.UINT64 ? this.view.getBigUint64(at, true) : this.view.getBigInt64(at, true);
        this.pos += 8;
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
      }
      default:
        return undefined;
    }
  }
}

// Little-endian typed arrays (every platform Fanout runs on is little-endian).
const FIXED_ARRAYS: Record<number, [number, (n: number) => Exclude<GgufArray, unknown[]>]> = {
  [GgufValueType.UINT8]: [1, (n) => new Uint8Array(n)],
  [GgufValueType.INT8]: [1, (n) => new Int8Array(n)],
  [GgufValueType.UINT16]: [2, (n) => new Uint16Array(n)],
  [GgufValueType.INT16]: [2, (n) => new Int16Array(n)],
  [GgufValueType.UINT32]: [4, (n) => new Uint32Array(n)],
  [GgufValueType.INT32]: [4, (n) => new Int32Array(n)],
  [GgufValueType.FLOAT32]: [4, (n) => new Float32Array(n)],
  [GgufValueType.FLOAT64]: [8, (n) => new Float64Array(n)],
};
