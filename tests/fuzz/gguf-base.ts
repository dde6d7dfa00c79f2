// The GGUF fuzz category's base file and its check. The base is a small random llama model written by
// tests/fixtures/hf-to-gguf.ts with a mix of weight types (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, F16; norms F32),
// taken apart here into a GgufDoc — header fields, metadata entries as (key, type id, encoded value bytes),
// tensor infos with their data — so a mutation can change any field, including to what no valid writer
// writes (counts, lengths, type ids, offsets), and encode it again. The check: the engine loads the file
// or refuses it with a ModelError whose message passes messageProblems; the host (a `load` of
// { kind: 'dir', path: <file>.gguf }, as the web host's nodeModelSource resolves it) does the same and
// still answers `status`; a file that loads is asked for a short generate that must end.
// FANOUT_FUZZ_SHOW=1 prints every refusal's message and every generate error, to read them over.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { randomModelToGguf, type GgufTypes } from '../fixtures/hf-to-gguf.ts';
import { ModelError, type ModelErrorCode } from '../../engine/model/errors.ts';
import { modelPathSource } from '../../engine/model/fs-source.ts';
import { GgufValueType as VT } from '../../engine/model/gguf.ts';
import { ggmlType } from '../../engine/model/ggml-types.ts';
import { FUZZ_SEED, messageProblems } from './harness.ts';
import type { Expect, ModelCtx } from './model-folder.ts';

// ---------------------------------------------------------------------------------------------------
// A GGUF file taken apart

export interface Kv {
  key: string;
  /** The key's bytes when they are not `key` in UTF-8 (non-UTF-8 keys). */
  keyBytes?: Uint8Array;
  /** The key's length field when it is not the byte length (a lie). */
  keyLen?: bigint;
  /** Value type id (GgufValueType; anything for a hostile file). */
  type: number;
  /** The value, encoded (for arrays: item type, count, items). */
  body: Uint8Array;
}

export interface TensorInfo {
  name: string;
  nameBytes?: Uint8Array;
  nameLen?: bigint;
  /** n_dims when it is not ne.length. */
  nDims?: number;
  ne: (number | bigint)[];
  type: number;
  /** Offset from the data section; undefined: packed after the previous tensor, aligned. */
  offset?: number | bigint;
  /** The tensor's bytes in the data section (written at its offset when that is a number in range). */
  data: Uint8Array;
}

export interface GgufDoc {
  /** The first four bytes (default "GGUF"). */
  magic?: Uint8Array;
  version: number;
  /** Counts when they are not kvs.length / tensors.length (lies). */
  tensorCount?: bigint;
  kvCount?: bigint;
  kvs: Kv[];
  tensors: TensorInfo[];
  /** The alignment the file is laid out with (its general.alignment value, if any, is a Kv of its own). */
  align: number;
  /** Bytes after the last tensor's data. */
  trailing?: Uint8Array;
}

const utf8 = new TextEncoder();

/** Little-endian writes into a growing list of parts. */
export class Out {
  private parts: Uint8Array[] = [];
  length = 0;
  bytes(b: Uint8Array) {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  private num(size: number, set: (d: DataView) => void) {
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    return this.bytes(b);
  }
  u8 = (v: number) => this.num(1, (d) => d.setUint8(0, v));
  i8 = (v: number) => this.num(1, (d) => d.setInt8(0, v));
  u16 = (v: number) => this.num(2, (d) => d.setUint16(0, v, true));
  i16 = (v: number) => this.num(2, (d) => d.setInt16(0, v, true));
  u32 = (v: number) => this.num(4, (d) => d.setUint32(0, v >>> 0, true));
  i32 = (v: number) => this.num(4, (d) => d.setInt32(0, v, true));
  f32 = (v: number) => this.num(4, (d) => d.setFloat32(0, v, true));
  f64 = (v: number) => this.num(8, (d) => d.setFloat64(0, v, true));
  u64 = (v: number | bigint) => this.num(8, (d) => d.setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true));
  i64 = (v: number | bigint) => this.num(8, (d) => d.setBigInt64(0, BigInt.asIntN(64, BigInt(v)), true));
  str = (s: string) => {
    const b = utf8.encode(s);
    return this.u64(b.length).bytes(b);
  };
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Encoded metadata values, by type: V.u32(256) is { type: UINT32, body }. */
export const V = {
  u8: (v: number) => ({ type: VT.UINT8, body: new Out().u8(v).concat() }),
  i8: (v: number) => ({ type: VT.INT8, body: new Out().i8(v).concat() }),
  u16: (v: number) => ({ type: VT.UINT16, body: new Out().u16(v).concat() }),
  i16: (v: number) => ({ type: VT.INT16, body: new Out().i16(v).concat() }),
  u32: (v: number) => ({ type: VT.UINT32, body: new Out().u32(v).concat() }),
  i32: (v: number) => ({ type: VT.INT32, body: new Out().i32(v).concat() }),
  f32: (v: number) => ({ type: VT.FLOAT32, body: new Out().f32(v).concat() }),
  f64: (v: number) => ({ type: VT.FLOAT64, body: new Out().f64(v).concat() }),
  u64: (v: number | bigint) => ({ type: VT.UINT64, body: new Out().u64(v).concat() }),
  i64: (v: number | bigint) => ({ type: VT.INT64, body: new Out().i64(v).concat() }),
  bool: (v: boolean | number) => ({ type: VT.BOOL, body: new Out().u8(Number(v)).concat() }),
  str: (s: string) => ({ type: VT.STRING, body: new Out().str(s).concat() }),
  /** A string value of raw bytes (not necessarily UTF-8), with an optional lying length. */
  rawStr: (b: Uint8Array, len = BigInt(b.length)) => ({ type: VT.STRING, body: new Out().u64(len).bytes(b).concat() }),
  /** An array: item type, count (default: the items' count), the encoded items. */
  arr: (itemType: number, items: Uint8Array[], count = BigInt(items.length)) => {
    const o = new Out().u32(itemType).u64(count);
    for (const it of items) o.bytes(it);
    return { type: VT.ARRAY, body: o.concat() };
  },
  strs: (xs: readonly string[]) => V.arr(VT.STRING, xs.map((s) => new Out().str(s).concat())),
  i32s: (xs: ArrayLike<number>) => V.arr(VT.INT32, Array.from(xs, (x) => new Out().i32(x).concat())),
};

/** An array value nested `depth` deep (an array of arrays of … of one u8), encoded without recursion. */
export function nestedArray(depth: number): { type: number; body: Uint8Array } {
  const o = new Out();
  for (let i = 1; i < depth; i++) o.u32(VT.ARRAY).u64(1);
  o.u32(VT.UINT8).u64(1).u8(7);
  return { type: VT.ARRAY, body: o.concat() };
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** The file for `doc`: header, padding to doc.align, each tensor's data at its offset, trailing bytes. */
export function encode(doc: GgufDoc): Uint8Array {
  const o = new Out();
  o.bytes(doc.magic ?? utf8.encode('GGUF'));
  o.u32(doc.version);
  o.u64(doc.tensorCount ?? BigInt(doc.tensors.length));
  o.u64(doc.kvCount ?? BigInt(doc.kvs.length));
  for (const kv of doc.kvs) {
    const key = kv.keyBytes ?? utf8.encode(kv.key);
    o.u64(kv.keyLen ?? BigInt(key.length)).bytes(key);
    o.u32(kv.type).bytes(kv.body);
  }
  const align = doc.align;
  // Offsets: given, or packed after the previous tensor.
  let next = 0;
  const placed: { at: number | undefined; data: Uint8Array }[] = [];
  for (const t of doc.tensors) {
    const off = t.offset ?? next;
    const n = typeof off === 'bigint' ? (off <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(off) : undefined) : off;
    placed.push({ at: n !== undefined && n >= 0 && n + t.data.length <= 64 << 20 ? n : undefined, data: t.data });
    if (n !== undefined) next = alignUp(n + t.data.length, align);
    const name = t.nameBytes ?? utf8.encode(t.name);
    o.u64(t.nameLen ?? BigInt(name.length)).bytes(name);
    o.u32(t.nDims ?? t.ne.length);
    for (const d of t.ne) o.u64(d);
    o.u32(t.type);
    o.u64(off);
  }
  const header = o.length;
  const dataStart = alignUp(header, align);
  const dataLen = placed.reduce((m, p) => (p.at === undefined ? m : Math.max(m, p.at + p.data.length)), 0);
  const trailing = doc.trailing ?? new Uint8Array(0);
  const out = new Uint8Array(dataStart + alignUp(dataLen, align) + trailing.length);
  out.set(o.concat());
  for (const p of placed) if (p.at !== undefined) out.set(p.data, dataStart + p.at);
  out.set(trailing, out.length - trailing.length);
  return out;
}

/**
 * `bytes` (a valid GGUF file) taken apart. Written for the files hf-to-gguf writes: every value type is
 * skipped by its size; tensor data is cut out at each tensor's offset up to the next one.
 */
export function parse(bytes: Uint8Array): { doc: GgufDoc; dataStart: number } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const u32 = () => ((p += 4), v.getUint32(p - 4, true));
  const u64 = () => ((p += 8), Number(v.getBigUint64(p - 8, true)));
  const str = () => {
    const n = u64();
    p += n;
    return new TextDecoder().decode(bytes.subarray(p - n, p));
  };
  const SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skip = (type: number): void => {
    if (type === VT.STRING) str();
    else if (type === VT.ARRAY) {
      const t = u32();
      const n = u64();
      for (let i = 0; i < n; i++) skip(t);
    } else p += SIZE[type]!;
  };
  if (u32() !== 0x46554747) throw new Error('parse: not GGUF');
  const version = u32();
  const nT = u64();
  const nKv = u64();
  const kvs: Kv[] = [];
  let align = 32;
  for (let i = 0; i < nKv; i++) {
    const key = str();
    const type = u32();
    const start = p;
    skip(type);
    kvs.push({ key, type, body: bytes.slice(start, p) });
    if (key === 'general.alignment') align = v.getUint32(start, true);
  }
  const infos: { name: string; ne: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < nT; i++) {
    const name = str();
    const nd = u32();
    const ne = Array.from({ length: nd }, () => u64());
    infos.push({ name, ne, type: u32(), offset: u64() });
  }
  const dataStart = alignUp(p, align);
  const tensors: TensorInfo[] = infos.map((t) => {
    const g = ggmlType(t.type)!;
    const size = (t.ne.reduce((a, b) => a * b, 1) / g.blockSize) * g.typeSize;
    return { name: t.name, ne: t.ne, type: t.type, offset: t.offset, data: bytes.slice(dataStart + t.offset, dataStart + t.offset + size) };
  });
  return { doc: { version, kvs, tensors, align }, dataStart };
}

// ---------------------------------------------------------------------------------------------------
// The base model

/**
 * Weight types of the base file, a mix of every quantized format (each fused matrix of the engine gets
 * parts in two formats somewhere: q/k/v, gate/up) and F16; norms are F32 (hf-to-gguf writes 1-D tensors so).
 */
export const BASE_TYPES: GgufTypes = (name) => {
  if (name === 'model.embed_tokens.weight') return 'q8_0';
  if (name === 'lm_head.weight') return 'q6_k';
  const layer = Number(/layers\.(\d+)\./.exec(name)?.[1] ?? 0);
  const byPart: [RegExp, string, string][] = [
    [/q_proj/, 'q4_k', 'q5_k'],
    [/k_proj/, 'q5_k', 'q4_k'],
    [/v_proj/, 'q6_k', 'q8_0'],
    [/o_proj/, 'q4_0', 'F16'],
    [/gate_proj/, 'q4_k', 'q4_0'],
    [/up_proj/, 'F16', 'q6_k'],
    [/down_proj/, 'q6_k', 'q5_k'],
  ];
  const hit = byPart.find(([re]) => re.test(name));
  return (hit ? hit[1 + (layer % 2)] : 'F16') as ReturnType<Exclude<GgufTypes, string>>;
};

export interface GgufBase {
  /** The valid file, taken apart. */
  doc: GgufDoc;
  bytes: Uint8Array;
  /** Where the data section starts in `bytes`. */
  dataStart: number;
  /** Where the tensor infos start and end (the header's padding follows). */
  infoStart: number;
  headerEnd: number;
  /** The tokenizer's token strings (as many as the embedding has rows). */
  tokens: string[];
}

export async function makeGgufBase(): Promise<GgufBase> {
  const tmp = await mkdtemp(join(tmpdir(), 'fanout-fuzz-gguf-base-'));
  try {
    // hidden 256 (a K-quant block per row), head size 64, 2 layers, untied: lm_head is stored (Q6_K).
    const model = await writeRandomModel(tmp, { arch: 'llama', dtype: 'F32', hidden: 256, layers: 2, heads: 4, kvHeads: 2, intermediate: 256, tie: false, seed: FUZZ_SEED, maxPositions: 512 });
    const tokenizerJson = JSON.parse(await readFile(join(tmp, 'tokenizer.json'), 'utf8')) as unknown;
    const bytes = randomModelToGguf(model, BASE_TYPES, tokenizerJson);
    const { doc, dataStart } = parse(bytes);
    // The round trip must be exact, or mutations would test the fixture.
    const again = encode(doc);
    if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw new Error('gguf-base: parse/encode does not reproduce the file');
    const tokKv = doc.kvs.find((k) => k.key === 'tokenizer.ggml.tokens')!;
    const tokens = readStrings(tokKv.body);
    const infoStart = encode({ ...doc, tensors: [], align: 1 }).length;
    const headerEnd = encode({ ...doc, align: 1, tensors: doc.tensors.map((t) => ({ ...t, offset: 0, data: new Uint8Array(0) })) }).length;
    return { doc, bytes, dataStart, infoStart, headerEnd, tokens };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The strings of an encoded string array (u32 type, u64 count, items). */
export function readStrings(body: Uint8Array): string[] {
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = Number(v.getBigUint64(4, true));
  const out: string[] = [];
  let p = 12;
  const dec = new TextDecoder();
  for (let i = 0; i < n; i++) {
    const len = Number(v.getBigUint64(p, true));
    out.push(dec.decode(body.subarray(p + 8, p + 8 + len)));
    p += 8 + len;
  }
  return out;
}

/** A deep copy of the doc (tensor data shared: mutations replace it, never write into it). */
export function cloneDoc(doc: GgufDoc): GgufDoc {
  return { ...doc, kvs: doc.kvs.map((k) => ({ ...k })), tensors: doc.tensors.map((t) => ({ ...t, ne: [...t.ne] })) };
}

// ---------------------------------------------------------------------------------------------------
// The check

export interface GgufCtx extends ModelCtx {
  gguf: GgufBase;
  /** Generates asked for, and those that failed with the sampler's non-finite-logits error (weights made NaN by a mutation). */
  generates: number;
  nonFinite: number;
}

export interface GgufCheck {
  /** When the file loads: ask the host for a short generate (n 2, 3 tokens) that must end. */
  generate?: boolean;
}

const LOAD_TIMEOUT_MS = 60_000;
const GENERATE_TIMEOUT_MS = 60_000;

/** The sampler's error for a logits row with NaN or ±Infinity (weights that are not finite). */
export const NON_FINITE = /the logits row contains NaN or infinite values/;

/**
 * Writes `bytes` as <case>/model.gguf and loads it with Engine.load and through the host; returns
 * every problem found (see the file comment).
 */
export async function checkGguf(ctx: GgufCtx, bytes: Uint8Array, wanted: Expect, opts: GgufCheck = {}): Promise<string[]> {
  const dir = join(ctx.root, `gguf-case-${ctx.n++}`);
  await mkdir(dir);
  const file = join(dir, 'model.gguf');
  await writeFile(file, bytes);
  const problems: string[] = [];
  try {
    let direct: { ok: true } | { ok: false; code: string; message: string } = { ok: true };
    try {
      await ctx.engine.load(modelPathSource(file));
    } catch (e) {
      if (!(e instanceof ModelError)) {
        problems.push(`Engine.load threw ${(e as Error)?.name ?? typeof e}, not a ModelError: ${String((e as Error)?.stack ?? e).slice(0, 500)}`);
        direct = { ok: false, code: '(none)', message: String((e as Error)?.message ?? e) };
      } else {
        direct = { ok: false, code: e.code, message: e.message };
        problems.push(...messageProblems(`Engine.load's ${e.code} message`, e.message));
        if (process.env.FANOUT_FUZZ_SHOW) console.log(`SHOW ${ctx.n - 1} ${e.code}: ${e.message}`);
      }
    }
    if (wanted === 'load' && !direct.ok) problems.push(`expected the file to load, but Engine.load failed (${direct.code}): ${direct.message.slice(0, 300)}`);
    if (Array.isArray(wanted)) {
      if (direct.ok) problems.push(`expected a ModelError (${wanted.join(' or ')}), but the file loaded`);
      else if (!wanted.includes(direct.code as ModelErrorCode)) problems.push(`expected a ModelError ${wanted.join(' or ')}, got ${direct.code}: ${direct.message.slice(0, 300)}`);
    }

    const id = `gguf-load-${ctx.n}`;
    const sent = await ctx.client.frame(JSON.stringify({ type: 'load', id, model: { kind: 'dir', path: file } }), LOAD_TIMEOUT_MS);
    problems.push(...sent.invalid.map((s) => `host: unreadable reply ${s}`));
    const end = sent.replies.filter((r) => r.type === 'loaded' || r.type === 'error');
    if (end.length !== 1) problems.push(`host: expected one loaded or error reply, got ${JSON.stringify(sent.replies).slice(0, 400)}`);
    const last = end[0];
    if (last?.type === 'error') {
      if (last.code !== 'load-failed') problems.push(`host: error code ${last.code}, expected load-failed: ${last.message.slice(0, 200)}`);
      problems.push(...messageProblems('host error message', last.message), ...messageProblems('host error hint', last.hint));
      if (direct.ok) problems.push(`host refused a file Engine.load accepted: ${last.message.slice(0, 200)}`);
    } else if (last?.type === 'loaded') {
      if (!direct.ok) problems.push(`host loaded a file Engine.load refused (${direct.code})`);
      else if (opts.generate ?? true) problems.push(...(await generateProblems(ctx)));
    }
    problems.push(...(await ctx.client.statusProblems()));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return problems;
}

/**
 * A short generate on the loaded model: it must end (done, or an error) within the timeout. Weights a
 * mutation made NaN or infinite end in the sampler's non-finite-logits error (generate-failed): counted
 * in ctx.nonFinite, not a failure; any other error must be a clear, bounded message.
 */
async function generateProblems(ctx: GgufCtx): Promise<string[]> {
  const id = `gguf-gen-${ctx.n}`;
  ctx.generates++;
  const sent = await ctx.client.frame(JSON.stringify({ type: 'generate', id, request: { prefix: 'def f(x):\n    return', n: 2, maxTokens: 3, seed: 1 } }), GENERATE_TIMEOUT_MS);
  const out = sent.invalid.map((s) => `generate: unreadable reply ${s}`);
  const done = sent.replies.filter((r) => (r.type === 'event' && r.event.type === 'done') || r.type === 'error');
  if (done.length !== 1) return [...out, `generate: expected one done event or error, got ${JSON.stringify(sent.replies).slice(0, 400)}`];
  const last = done[0]!;
  if (last.type === 'error') {
    if (process.env.FANOUT_FUZZ_SHOW) console.log(`SHOWGEN ${last.code}: ${last.message} | hint: ${last.hint}`);
    if (last.code === 'generate-failed' && NON_FINITE.test(last.message)) ctx.nonFinite++;
    else out.push(`generate: error ${last.code}: ${last.message.slice(0, 300)}`, ...messageProblems('generate error message', last.message));
  }
  return out;
}
