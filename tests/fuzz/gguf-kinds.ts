// Mutations of a valid GGUF file (tests/fuzz/gguf-base.ts): the header's magic, version and counts;
// metadata keys, value types, arrays and strings; general.alignment; the architecture and its
// hyper-parameters; the tokenizer.ggml.* keys; tensor infos (names, dimensions, types, offsets); the
// data section (truncated, bytes flipped, quantized scales and dense weights made NaN or infinite).
// Each kind builds one file and says what it expects: 'load' (harmless), 'any' (may load or fail), or
// the ModelError codes a refusal may have. Whatever it expects, a refusal must be a ModelError with a
// clear message, and a file whose data was damaged must still load and generate (or fail cleanly).
import type { ModelErrorCode } from '../../engine/model/errors.ts';
import { GgufValueType as VT } from '../../engine/model/gguf.ts';
import { ggmlType } from '../../engine/model/ggml-types.ts';
import { formatOfGgmlType } from '../../engine/formats/registry.ts';
import { SECRET, type Kind, type Rand } from './harness.ts';
import { checkGguf, cloneDoc, encode, nestedArray, Out, readStrings, V, type GgufCheck, type GgufCtx, type GgufDoc, type Kv, type TensorInfo } from './gguf-base.ts';
import type { Expect } from './model-folder.ts';

type K = Kind<GgufCtx>;
const kind = (name: string, run: K['run']): K => ({ name, run });

const C: readonly ModelErrorCode[] = ['corrupt-gguf'];
/** Refused, with whatever code fits what the mutation turned the file into. */
const REFUSED: readonly ModelErrorCode[] = ['corrupt-gguf', 'bad-config', 'bad-tokenizer', 'missing-tensor', 'bad-shape', 'unsupported-dtype', 'unsupported-architecture', 'too-large'];

const enc = (s: string) => new TextEncoder().encode(s);
const ARCH = 'llama';

// ---------------------------------------------------------------------------------------------------
// Helpers

/** Checks the base file with its doc edited by `edit` (a clone). */
function withDoc(ctx: GgufCtx, expected: Expect | ((doc: GgufDoc) => Expect), edit: (doc: GgufDoc) => void, opts?: GgufCheck) {
  const doc = cloneDoc(ctx.gguf.doc);
  edit(doc);
  return checkGguf(ctx, encode(doc), typeof expected === 'function' ? expected(doc) : expected, opts);
}

function kvOf(doc: GgufDoc, key: string): Kv | undefined {
  return doc.kvs.find((k) => k.key === key);
}

/** Sets `key` to the encoded value (replacing it in place, or appended). */
function setKv(doc: GgufDoc, key: string, v: { type: number; body: Uint8Array }) {
  const kv = kvOf(doc, key);
  if (kv) Object.assign(kv, v);
  else doc.kvs.push({ key, ...v });
}

function dropKv(doc: GgufDoc, key: string) {
  doc.kvs = doc.kvs.filter((k) => k.key !== key);
}

const tensorOf = (doc: GgufDoc, name: string) => doc.tensors.find((t) => t.name === name)!;

const isQuantized = (t: TensorInfo) => formatOfGgmlType(t.type) !== undefined;

/** Bytes a tensor of type `type` and dimensions `ne` takes (undefined: unknown type or not whole blocks). */
function sizeOf(type: number, ne: readonly (number | bigint)[]): number | undefined {
  const g = ggmlType(type);
  if (!g) return undefined;
  const n = ne.map(Number);
  if (n[0]! % g.blockSize !== 0) return undefined;
  return (n.reduce((a, b) => a * b, 1) / g.blockSize) * g.typeSize;
}

/** The room a tensor has at its offset before the next tensor (or the end of the data). */
function room(doc: GgufDoc, t: TensorInfo, dataLen: number): number {
  const off = Number(t.offset);
  const after = doc.tensors.map((u) => Number(u.offset)).filter((o) => o > off);
  return (after.length ? Math.min(...after) : dataLen) - off;
}

/** The data section's length in the base file. */
const dataLength = (ctx: GgufCtx) => ctx.gguf.bytes.length - ctx.gguf.dataStart;

/** A copy of `bytes` with `n` random bytes in [from, to) XORed with a random non-zero byte. */
function flip(rng: Rand, bytes: Uint8Array, from: number, to: number, n: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < n; i++) out[rng.range(from, to - 1)]! ^= rng.range(1, 255);
  return out;
}

const HYPER = {
  block_count: `${ARCH}.block_count`,
  embedding_length: `${ARCH}.embedding_length`,
  feed_forward_length: `${ARCH}.feed_forward_length`,
  head_count: `${ARCH}.attention.head_count`,
  head_count_kv: `${ARCH}.attention.head_count_kv`,
  context_length: `${ARCH}.context_length`,
  freq_base: `${ARCH}.rope.freq_base`,
  rms_eps: `${ARCH}.attention.layer_norm_rms_epsilon`,
} as const;
const INT_KEYS: string[] = [HYPER.block_count, HYPER.embedding_length, HYPER.feed_forward_length, HYPER.head_count, HYPER.head_count_kv, HYPER.context_length];
const FLOAT_KEYS: string[] = [HYPER.freq_base, HYPER.rms_eps];

const TOKENS = 'tokenizer.ggml.tokens';
const TYPES = 'tokenizer.ggml.token_type';
const MERGES = 'tokenizer.ggml.merges';

/** Invalid UTF-8 byte sequences: a lone continuation byte, 0xFF, an overlong '/', a truncated 3-byte sequence, a surrogate. */
const BAD_UTF8 = [[0x80], [0xff], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xfe, 0xfe]];
function badUtf8(rng: Rand, around: string): Uint8Array {
  const s = enc(around);
  const at = rng.int(s.length + 1);
  return Uint8Array.from([...s.subarray(0, at), ...rng.pick(BAD_UTF8), ...s.subarray(at)]);
}

/** A metadata value of a random type (for keys the engine does not read). */
function randomValue(rng: Rand): { type: number; body: Uint8Array } {
  switch (rng.int(9)) {
    case 0:
      return V.u32(rng.int(2 ** 32));
    case 1:
      return V.i64(BigInt(rng.int(2 ** 31)) * BigInt(rng.pick([1, -1, 2 ** 20])));
    case 2:
      return V.f32(rng.pick([NaN, Infinity, -0, 1e-45, 3e38]));
    case 3:
      return V.bool(rng.chance(0.5));
    case 4:
      return V.str(rng.pick([SECRET, rng.junk(rng.range(0, 5000)), '\ud800', '<|endoftext|>']));
    case 5:
      return V.strs(Array.from({ length: rng.range(0, 50) }, () => rng.junk(rng.range(0, 20))));
    case 6:
      return V.arr(VT.FLOAT64, Array.from({ length: rng.range(0, 100) }, () => new Out().f64(rng.next()).concat()));
    case 7:
      return nestedArray(2);
    default:
      return V.arr(VT.BOOL, Array.from({ length: rng.range(0, 100) }, () => Uint8Array.of(rng.int(2))));
  }
}

// ---------------------------------------------------------------------------------------------------
// The kinds

export const ggufKinds: K[] = [
  // --- The file and its header fields
  kind('file: empty, shorter than a header, text or another format', (rng, ctx) => {
    const b = ctx.gguf.bytes;
    const bytes = rng.pick([
      new Uint8Array(0),
      b.slice(0, rng.range(1, 23)),
      enc(SECRET),
      enc('{"__metadata__": {"format": "pt"}}'),
      Uint8Array.from({ length: rng.range(24, 5000) }, () => rng.int(256)),
      enc('version https://git-lfs.github.com/spec/v1\noid sha256:' + 'ab'.repeat(32) + '\nsize 4368439296\n'),
    ]);
    return checkGguf(ctx, bytes, C);
  }),
  kind('magic: not "GGUF"', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      d.magic = rng.pick([enc('FUGG'), enc('GGML'), enc('GGJT'), enc('gguf'), new Uint8Array(4), Uint8Array.from({ length: 4 }, () => rng.int(256))]);
    }),
  ),
  kind('version: 0, 1, 4 or huge', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      d.version = rng.pick([0, 1, 4, 5, 2 ** 31, 2 ** 32 - 1, 0x03000000]);
    }),
  ),
  kind('version: 2 (the same layout: loads)', (_rng, ctx) =>
    withDoc(ctx, 'load', (d) => {
      d.version = 2;
    }),
  ),
  kind('tensor_count: huge', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      d.tensorCount = rng.pick([1n << 63n, (1n << 64n) - 1n, (1n << 20n) + 1n, 1n << 40n, 1n << 32n]);
    }),
  ),
  kind('tensor_count: off by one, or zero', (rng, ctx) => {
    const n = BigInt(ctx.gguf.doc.tensors.length);
    const count = rng.pick([n + 1n, n - 1n, 0n]);
    // One fewer: the last tensor info is read as padding (output.weight, the last one, may then be missing and the embedding tied).
    const expected: Expect = count === n + 1n ? ['corrupt-gguf', 'bad-config', 'missing-tensor'] : count === 0n ? ['bad-config', 'missing-tensor'] : 'any';
    return withDoc(ctx, expected, (d) => {
      d.tensorCount = count;
    });
  }),
  kind('metadata_kv_count: huge', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      d.kvCount = rng.pick([1n << 63n, (1n << 64n) - 1n, (1n << 16n) + 1n, 1n << 32n]);
    }),
  ),
  kind('metadata_kv_count: off by one, or zero', (rng, ctx) => {
    const n = BigInt(ctx.gguf.doc.kvs.length);
    return withDoc(ctx, REFUSED, (d) => {
      d.kvCount = rng.pick([n + 1n, n - 1n, 0n]);
    });
  }),

  // --- Metadata keys
  kind('key: length huge or past the end of the file', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const kv = rng.pick(d.kvs);
      kv.keyLen = rng.pick([1n << 63n, (1n << 64n) - 1n, (1n << 16n) + 1n, 1n << 32n, BigInt(ctx.gguf.bytes.length)]);
    }),
  ),
  kind('key: not UTF-8', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const kv = rng.pick(d.kvs);
      kv.keyBytes = badUtf8(rng, kv.key);
    }),
  ),
  kind('key: a key twice', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const kv = rng.pick(d.kvs);
      d.kvs.splice(rng.int(d.kvs.length + 1), 0, { ...kv, ...(rng.chance(0.5) ? randomValue(rng) : {}) });
    }),
  ),
  kind('key: keys and values the engine does not read: junk, long, odd Unicode, a secret (harmless)', (rng, ctx) => {
    let long = false;
    return withDoc(
      ctx,
      () => (long ? C : 'load'),
      (d) => {
        for (let i = rng.range(1, 6); i > 0; i--) {
          const key = rng.pick([rng.string(), `general.${rng.junk(rng.range(1, 40))}`, `${ARCH}.${rng.junk(8)}`, '', 'tokenizer.chat_template', 'general.name2']);
          if (d.kvs.some((k) => k.key === key)) continue;
          if (enc(key).length > 1 << 16) long = true;
          d.kvs.splice(rng.int(d.kvs.length + 1), 0, { key, ...randomValue(rng) });
        }
        if (rng.chance(0.3)) setKv(d, 'general.name', V.str(SECRET + rng.junk(rng.range(0, 100_000))));
      },
    );
  }),

  // --- Value types
  kind('value: a type id GGUF does not define', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      rng.pick(d.kvs).type = rng.pick([13, 14, 255, 2 ** 31, 2 ** 32 - 1]);
    }),
  ),
  kind('value: a type id that does not match its bytes', (rng, ctx) =>
    withDoc(ctx, 'any', (d) => {
      const kv = rng.pick(d.kvs);
      kv.type = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((t) => t !== kv.type));
    }),
  ),
  kind('value: the wrong type for a key the engine reads', (rng, ctx) => {
    const nTokens = ctx.gguf.tokens.length;
    const cases: [string, { type: number; body: Uint8Array }, Expect][] = [
      ['general.architecture', V.u32(1), ['bad-config']],
      ['general.architecture', V.strs([ARCH]), ['bad-config']],
      [HYPER.block_count, V.str('2'), ['bad-config']],
      [HYPER.block_count, V.f32(2), 'load'],
      [HYPER.block_count, V.f64(2.5), ['bad-config']],
      [HYPER.block_count, V.bool(true), ['bad-config']],
      [HYPER.block_count, V.i32s([2, 2]), ['bad-config']],
      [HYPER.embedding_length, V.u64(256), 'load'],
      [HYPER.embedding_length, V.i16(256), 'load'],
      [HYPER.embedding_length, V.str('256'), ['bad-config']],
      [HYPER.head_count, V.i32s([4, 4]), ['bad-config']],
      [HYPER.head_count_kv, nestedArray(2), ['bad-config']],
      [HYPER.freq_base, V.str('10000'), ['bad-config']],
      [HYPER.freq_base, V.u32(10000), 'load'],
      [HYPER.rms_eps, V.bool(true), ['bad-config']],
      ['tokenizer.ggml.model', V.u32(2), ['bad-tokenizer']],
      ['tokenizer.ggml.model', V.strs(['gpt2']), ['bad-tokenizer']],
      ['tokenizer.ggml.pre', V.u8(1), ['bad-tokenizer']],
      [TOKENS, V.str('a'), ['bad-tokenizer', 'bad-config']],
      [TOKENS, V.i32s(Array.from({ length: nTokens }, (_, i) => i)), ['bad-tokenizer']],
      [TYPES, V.arr(VT.UINT8, Array.from({ length: nTokens }, () => Uint8Array.of(1))), ['bad-tokenizer']],
      [TYPES, V.strs(Array.from({ length: nTokens }, () => '1')), ['bad-tokenizer']],
      [MERGES, V.i32s([1, 2, 3]), ['bad-tokenizer']],
      [MERGES, V.str('Ġ Ġ'), ['bad-tokenizer']],
      ['tokenizer.ggml.eos_token_id', V.str('0'), ['bad-config']],
      ['tokenizer.ggml.eos_token_id', V.f32(2.5), ['bad-config']],
      ['tokenizer.ggml.eos_token_id', V.i32(-1), ['bad-config']],
      ['tokenizer.ggml.bos_token_id', V.bool(false), ['bad-config']],
      ['general.alignment', V.str('32'), C],
      ['general.alignment', V.f32(32.5), C],
      ['general.alignment', V.u64(32), 'load'],
    ];
    const [key, value, expected] = rng.pick(cases);
    return withDoc(ctx, expected, (d) => setKv(d, key, value));
  }),
  kind('value: arrays of arrays, nested past the limit', (rng, ctx) => {
    const depth = rng.pick([2, 3, 4, 64, 100_000]);
    const onTokens = rng.chance(0.3);
    const expected: Expect = depth > 2 ? C : onTokens ? ['bad-tokenizer'] : 'load';
    return withDoc(ctx, expected, (d) => setKv(d, onTokens ? TOKENS : `general.${rng.junk(6)}`, nestedArray(depth)));
  }),
  kind('value: an array count huge or past the end of the file', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const key = rng.pick([TOKENS, TYPES, MERGES, 'general.extra']);
      const count = rng.pick([1n << 63n, (1n << 64n) - 1n, (1n << 24n) + 1n, 1n << 24n, 1n << 32n, 5_000_000n]);
      const itemType = key === TYPES ? VT.INT32 : key === 'general.extra' ? rng.pick([VT.UINT8, VT.BOOL, VT.UINT64, VT.STRING, VT.ARRAY, VT.FLOAT64]) : VT.STRING;
      setKv(d, key, V.arr(itemType, [], count));
    }),
  ),
  kind('value: an array count off by one, or zero', (rng, ctx) => {
    const key = rng.pick([TOKENS, TYPES, MERGES]);
    const kv = kvOf(ctx.gguf.doc, key)!;
    const n = new DataView(kv.body.buffer, kv.body.byteOffset).getBigUint64(4, true);
    const count = rng.pick([n + 1n, n - 1n, 0n]);
    return withDoc(ctx, count === 0n && key === MERGES ? 'any' : REFUSED, (d) => {
      const body = kv.body.slice();
      new DataView(body.buffer).setBigUint64(4, count, true);
      setKv(d, key, { type: VT.ARRAY, body });
    });
  }),
  kind('value: a string length huge, past the end or off by one', (rng, ctx) => {
    const huge = rng.chance(0.6);
    return withDoc(ctx, huge ? C : 'any', (d) => {
      const key = rng.pick(['general.architecture', 'general.name', 'tokenizer.ggml.model', 'tokenizer.ggml.pre']);
      const s = enc({ 'general.architecture': ARCH, 'general.name': 'random test model', 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'gpt-2' }[key]!);
      const len = huge ? rng.pick([1n << 63n, (1n << 64n) - 1n, 1n << 40n, BigInt(ctx.gguf.bytes.length)]) : BigInt(s.length + rng.pick([-1, 1, 2, -2]));
      setKv(d, key, V.rawStr(s, len));
    });
  }),
  kind('value: a bool that is not 0 or 1', (rng, ctx) => withDoc(ctx, C, (d) => setKv(d, `general.${rng.junk(5)}`, V.bool(rng.range(2, 255))))),
  kind('value: a string that is not UTF-8', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      if (rng.chance(0.5)) setKv(d, rng.pick(['general.architecture', 'general.name', 'tokenizer.ggml.pre']), V.rawStr(badUtf8(rng, 'llama')));
      else {
        const tokens = ctx.gguf.tokens.map((t) => new Out().str(t).concat());
        const i = rng.int(tokens.length);
        const bad = badUtf8(rng, ctx.gguf.tokens[i]!);
        tokens[i] = new Out().u64(bad.length).bytes(bad).concat();
        setKv(d, TOKENS, V.arr(VT.STRING, tokens));
      }
    }),
  ),

  // --- general.alignment
  kind('general.alignment: 0, not a power of two, huge, negative, NaN', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const v = rng.pick([V.u32(0), V.u32(3), V.u32(48), V.u32(100), V.u32(1 << 21), V.u32(2 ** 31), V.u32(2 ** 32 - 1), V.i32(-32), V.u64(1n << 40n), V.u64(1n << 63n), V.f32(NaN), V.f64(Infinity)]);
      d.kvs.unshift({ key: 'general.alignment', ...v });
    }),
  ),
  kind('general.alignment: another power of two, the data laid out by it (harmless)', (rng, ctx) =>
    withDoc(ctx, 'load', (d) => {
      const a = rng.pick([1, 2, 4, 8, 16, 64, 256, 4096]);
      d.kvs.splice(rng.int(d.kvs.length + 1), 0, { key: 'general.alignment', ...V.u32(a) });
      d.align = a;
      for (const t of d.tensors) t.offset = undefined; // packed again at the new alignment
    }),
  ),
  kind('general.alignment: larger than the layout (tensors not on its multiples)', (rng, ctx) =>
    withDoc(
      ctx,
      (d) => {
        const a = Number(new DataView(kvOf(d, 'general.alignment')!.body.buffer).getUint32(0, true));
        return d.tensors.every((t) => Number(t.offset) % a === 0) ? 'load' : C;
      },
      (d) => d.kvs.push({ key: 'general.alignment', ...V.u32(rng.pick([64, 128, 1024])) }),
    ),
  ),

  // --- The architecture and its hyper-parameters
  kind('general.architecture: missing, unknown, huge, another supported one', (rng, ctx) => {
    const v = rng.pick<string | undefined>([undefined, 'gpt2', '', 'LLAMA', 'llama\u0000', 'mistral', rng.junk(rng.range(100, 100_000)), SECRET, 'qwen2', '\ud800', '__proto__', 'constructor']);
    const expected: Expect = v === undefined ? ['bad-config'] : v === 'qwen2' ? ['bad-config'] : ['unsupported-architecture'];
    return withDoc(ctx, expected, (d) => {
      if (v === undefined) dropKv(d, 'general.architecture');
      else setKv(d, 'general.architecture', V.str(v));
    });
  }),
  kind('hyper-parameter: missing', (rng, ctx) => {
    const key: string = rng.pick(Object.values(HYPER));
    // Without head_count_kv it is head_count (4): k_proj then has half the rows it should.
    const expected: Expect = key === HYPER.head_count_kv ? ['bad-shape'] : ([HYPER.context_length, HYPER.freq_base, HYPER.rms_eps] as string[]).includes(key) ? 'load' : ['bad-config'];
    return withDoc(ctx, expected, (d) => dropKv(d, key));
  }),
  kind('hyper-parameter: zero', (rng, ctx) => {
    const key: string = rng.pick(Object.values(HYPER));
    return withDoc(ctx, ['bad-config'], (d) => setKv(d, key, FLOAT_KEYS.includes(key) ? V.f32(rng.pick([0, -0])) : V.u32(0)));
  }),
  kind('hyper-parameter: negative', (rng, ctx) => {
    const key: string = rng.pick(Object.values(HYPER));
    return withDoc(ctx, ['bad-config'], (d) =>
      setKv(d, key, FLOAT_KEYS.includes(key) ? V.f32(-rng.pick([1e-6, 10000, 1])) : rng.pick([V.i32(-rng.range(1, 2 ** 31)), V.i64(-(1n << 62n)), V.i8(-4)])),
    );
  }),
  kind('hyper-parameter: huge', (rng, ctx) => {
    const key = rng.pick([...INT_KEYS, ...FLOAT_KEYS]);
    if (FLOAT_KEYS.includes(key)) {
      // A huge rope base or epsilon is valid (if useless): it loads, and a generate must still end.
      return withDoc(ctx, 'load', (d) => setKv(d, key, rng.pick([V.f32(3e38), V.f64(1e300)])), { generate: true });
    }
    return withDoc(ctx, ['bad-config'], (d) => setKv(d, key, rng.pick([V.u32(2 ** 32 - 1), V.u64(1n << 40n), V.u64((1n << 64n) - 1n), V.i64(1n << 62n), V.u32(1 << 23)])));
  }),
  kind('hyper-parameter: NaN or infinite floats', (rng, ctx) => {
    const key = rng.pick([...FLOAT_KEYS, ...INT_KEYS]);
    const v = rng.pick([NaN, Infinity, -Infinity]);
    return withDoc(ctx, ['bad-config'], (d) => setKv(d, key, rng.chance(0.5) ? V.f32(v) : V.f64(v)));
  }),
  kind('hyper-parameter: head counts that do not divide, head sizes that do not fit', (rng, ctx) => {
    const cases: [[string, { type: number; body: Uint8Array }][], Expect][] = [
      [[[HYPER.head_count, V.u32(3)]], ['bad-config']],
      [[[HYPER.head_count, V.u32(5)]], ['bad-config']],
      [[[HYPER.head_count_kv, V.u32(3)]], ['bad-config']],
      [[[HYPER.head_count_kv, V.u32(8)]], ['bad-config']],
      [[[HYPER.head_count, V.u32(8)]], ['bad-shape']],
      [[[HYPER.head_count, V.u32(2)]], ['bad-shape']],
      [[[`${ARCH}.attention.key_length`, V.u32(63)]], ['bad-config']],
      [[[`${ARCH}.attention.key_length`, V.u32(32)]], ['bad-shape']],
      [[[`${ARCH}.attention.key_length`, V.u32(64)], [`${ARCH}.attention.value_length`, V.u32(64)]], 'load'],
      [[[`${ARCH}.attention.key_length`, V.u32(64)], [`${ARCH}.attention.value_length`, V.u32(32)]], ['bad-config']],
      [[[HYPER.embedding_length, V.u32(250)]], ['bad-shape', 'bad-config']],
      [[[HYPER.feed_forward_length, V.u32(512)]], ['bad-shape']],
      [[[HYPER.block_count, V.u32(rng.pick([1, 3, 1024]))]], ['bad-config']],
    ];
    const [edits, expected] = rng.pick(cases);
    return withDoc(ctx, expected, (d) => {
      for (const [k, v] of edits) setKv(d, k, v);
    });
  }),
  kind('vocabulary: vocab_size and token ids out of range, RoPE scaling', (rng, ctx) => {
    const n = ctx.gguf.tokens.length;
    const cases: [string, { type: number; body: Uint8Array }, Expect][] = [
      [`${ARCH}.vocab_size`, V.u32(n + 1), ['bad-shape', 'bad-config', 'bad-tokenizer']],
      [`${ARCH}.vocab_size`, V.u32(n - 1), ['bad-shape', 'bad-config', 'bad-tokenizer']],
      [`${ARCH}.vocab_size`, V.u32(0), ['bad-config']],
      [`${ARCH}.vocab_size`, V.u32(n), 'load'],
      // An end-of-sample id past the vocabulary is never sampled (llama.cpp warns and ignores it): either is fine.
      ['tokenizer.ggml.eos_token_id', V.u32(n), 'any'],
      ['tokenizer.ggml.eos_token_id', V.u32(2 ** 32 - 1), 'any'],
      ['tokenizer.ggml.bos_token_id', V.u64((1n << 64n) - 1n), ['bad-config', 'bad-tokenizer']],
      ['tokenizer.ggml.eot_token_id', V.u32(n + 5), 'any'],
      ['tokenizer.ggml.eot_token_id', V.u32(0), 'load'],
      [`${ARCH}.rope.scaling.type`, V.str(rng.pick(['linear', 'yarn', rng.junk(50_000), SECRET])), ['bad-config']],
      [`${ARCH}.rope.scaling.type`, V.str('none'), 'load'],
      [`${ARCH}.rope.scaling.type`, V.u32(1), ['bad-config']],
    ];
    const [key, value, expected] = rng.pick(cases);
    return withDoc(ctx, expected, (d) => setKv(d, key, value));
  }),

  // --- The tokenizer
  kind('tokenizer.ggml.model: missing, llama (SentencePiece), another', (rng, ctx) => {
    const v = rng.pick<string | undefined>([undefined, 'llama', 'bert', 't5', '', rng.junk(rng.range(100, 100_000)), 'GPT2', SECRET]);
    return withDoc(ctx, ['bad-tokenizer'], (d) => (v === undefined ? dropKv(d, 'tokenizer.ggml.model') : setKv(d, 'tokenizer.ggml.model', V.str(v))));
  }),
  kind('tokenizer.ggml.pre: unknown, empty, huge', (rng, ctx) =>
    withDoc(ctx, ['bad-tokenizer'], (d) => setKv(d, 'tokenizer.ggml.pre', V.str(rng.pick(['', 'llama3', 'GPT-2', '__proto__', 'constructor', 'toString', rng.junk(rng.range(100, 100_000)), SECRET])))),
  ),
  kind('tokenizer.ggml.pre: another known one, or missing (loads)', (rng, ctx) => {
    const v = rng.pick([undefined, 'qwen2', 'llama-bpe', 'deepseek-coder', 'starcoder', 'default', 'smollm']);
    return withDoc(ctx, 'load', (d) => (v === undefined ? dropKv(d, 'tokenizer.ggml.pre') : setKv(d, 'tokenizer.ggml.pre', V.str(v))), { generate: rng.chance(0.5) });
  }),
  kind('tokenizer.ggml.tokens: missing, empty, not strings', (rng, ctx) => {
    const v = rng.pick([undefined, V.strs([]), V.arr(VT.UINT32, []), nestedArray(2), V.arr(VT.BOOL, ctx.gguf.tokens.map(() => Uint8Array.of(1)))]);
    return withDoc(ctx, ['bad-tokenizer', 'bad-config'], (d) => (v === undefined ? dropKv(d, TOKENS) : setKv(d, TOKENS, v)));
  }),
  kind('tokenizer.ggml.tokens: duplicated, empty, huge or special spellings (same count)', (rng, ctx) =>
    withDoc(ctx, 'any', (d) => {
      const t = [...ctx.gguf.tokens];
      for (let i = rng.range(1, 20); i > 0; i--) {
        const at = rng.int(t.length);
        t[at] = rng.pick([t[rng.int(t.length)]!, '', ' ', rng.junk(rng.range(100, 60_000)), '<|endoftext|>', '<|fim_prefix|>', '\u0000', 'Ġ', SECRET]);
      }
      setKv(d, TOKENS, V.strs(t));
    }, { generate: true }),
  ),
  kind('tokenizer.ggml.tokens: fewer or more than the embedding has rows', (rng, ctx) =>
    withDoc(ctx, ['bad-shape', 'bad-config', 'bad-tokenizer'], (d) => {
      const t = [...ctx.gguf.tokens];
      const more = rng.chance(0.5);
      const k = rng.pick([1, 2, 100, t.length - 1]);
      const tokens = more ? [...t, ...Array.from({ length: k }, (_, i) => `[EXTRA${i}]`)] : t.slice(0, t.length - k);
      setKv(d, TOKENS, V.strs(tokens));
      if (rng.chance(0.5)) setKv(d, TYPES, V.i32s(tokens.map(() => 1)));
    }),
  ),
  kind('tokenizer.ggml.token_type: wrong length, wrong item type', (rng, ctx) =>
    withDoc(ctx, ['bad-tokenizer'], (d) => {
      const n = ctx.gguf.tokens.length;
      setKv(d, TYPES, rng.pick([V.i32s(new Array(n - 1).fill(1)), V.i32s(new Array(n + 1).fill(1)), V.i32s([]), V.arr(VT.UINT32, Array.from({ length: n }, () => new Out().u32(1).concat())), V.str('1'), V.u32(1)]));
    }),
  ),
  kind('tokenizer.ggml.token_type: values out of range, all control, all unused', (rng, ctx) =>
    withDoc(ctx, 'any', (d) => {
      const n = ctx.gguf.tokens.length;
      const all = rng.pick([null, 3, 5, 6, 0, -1, 2 ** 31 - 1]);
      const types = Array.from({ length: n }, () => (all !== null ? all : rng.pick([0, 1, 2, 3, 4, 5, 6, 7, -1, 2 ** 31 - 1, -(2 ** 31)])));
      setKv(d, TYPES, V.i32s(types));
    }, { generate: true }),
  ),
  kind('tokenizer.ggml.merges: malformed', (rng, ctx) =>
    withDoc(ctx, 'any', (d) => {
      const kv = kvOf(d, MERGES)!;
      const merges = readStrings(kv.body);
      for (let i = rng.range(1, 5); i > 0; i--) {
        const at = rng.int(merges.length + 1);
        merges.splice(at, rng.int(2), rng.pick(['', 'Ġ', 'a b c', 'Ġ  Ġ', ' ', 'zz qq', `${rng.junk(5)} ${rng.junk(5)}`, rng.junk(rng.range(100, 50_000)), merges[rng.int(merges.length)] ?? 'a b', '\u0000 \u0000']));
      }
      setKv(d, MERGES, V.strs(merges));
    }, { generate: true }),
  ),

  // --- Tensor infos
  kind('tensor: a name twice', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const a = rng.pick(d.tensors);
      const b = rng.pick(d.tensors.filter((t) => t !== a));
      b.name = a.name;
    }),
  ),
  kind('tensor: renamed to an unknown or unused name', (rng, ctx) =>
    withDoc(ctx, ['missing-tensor', 'bad-config', 'corrupt-gguf'], (d) => {
      const t = rng.pick(d.tensors.filter((x) => x.name !== 'output.weight'));
      t.name = rng.pick(['', rng.junk(rng.range(1, 60_000)), 'blk.0.attn_qkv.weight', `blk.${'9'.repeat(rng.range(7, 400))}.attn_q.weight`, 'blk.-1.attn_q.weight', t.name.toUpperCase(), `${t.name} `, '\ud800', SECRET]);
    }),
  ),
  kind('tensor: name length huge, or not UTF-8', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const t = rng.pick(d.tensors);
      if (rng.chance(0.5)) t.nameLen = rng.pick([1n << 63n, (1n << 64n) - 1n, (1n << 16n) + 1n, BigInt(ctx.gguf.bytes.length)]);
      else t.nameBytes = badUtf8(rng, t.name);
    }),
  ),
  kind('tensor: an extra tensor', (rng, ctx) =>
    withDoc(ctx, ['bad-config', 'missing-tensor'], (d) => {
      const name = rng.pick(['blk.2.attn_norm.weight', 'rope_freqs.weight', 'blk.0.attn_q.bias', 'blk.0.ffn_gate_inp.weight', rng.junk(rng.range(1, 1000)), SECRET, 'token_embd_norm.weight', `blk.${'9'.repeat(30)}.ffn_up.weight`]);
      d.tensors.splice(rng.int(d.tensors.length + 1), 0, { name, ne: [256], type: 0, data: new Uint8Array(1024) });
      for (const t of d.tensors) t.offset = undefined;
    }),
  ),
  kind('tensor: a tensor missing', (rng, ctx) => {
    const name = rng.pick(ctx.gguf.doc.tensors).name;
    // Without output.weight the embedding is tied (llama.cpp's convention): that loads.
    return withDoc(ctx, name === 'output.weight' ? 'load' : ['missing-tensor', 'bad-config'], (d) => {
      d.tensors = d.tensors.filter((t) => t.name !== name);
    });
  }),
  kind('tensor: n_dims 0 or more than 4', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const t = rng.pick(d.tensors);
      const n = rng.pick([0, 5, 8, 2 ** 16, 2 ** 32 - 1]);
      t.nDims = n;
      if (n > 0 && n <= 8) while (t.ne.length < n) t.ne.push(1);
    }),
  ),
  kind('tensor: extra dimensions of size 1 (same bytes, another shape)', (rng, ctx) =>
    withDoc(ctx, ['bad-shape'], (d) => {
      const t = rng.pick(d.tensors);
      const k = rng.range(1, 4 - t.ne.length);
      // After the row length: a row of 1 is not whole blocks (the reader's error, not this one).
      const rest = t.ne.slice(1);
      for (let i = 0; i < k; i++) rest.splice(rng.int(rest.length + 1), 0, 1);
      t.ne = [t.ne[0]!, ...rest];
    }),
  ),
  kind('tensor: a dimension zero, huge, or rows not whole blocks', (rng, ctx) => {
    const t = rng.pick(ctx.gguf.doc.tensors);
    const g = ggmlType(t.type)!;
    const i = rng.int(t.ne.length);
    const v = rng.pick<number | bigint>([0, 2 ** 40, 2 ** 53, 1n << 63n, (1n << 64n) - 1n, ...(i === 0 && g.blockSize > 1 ? [g.blockSize - 1, Number(t.ne[0]) + rng.range(1, g.blockSize - 1), 100] : [Number(t.ne[i]) - 1])]);
    const ne = t.ne.map((x, k) => (k === i ? v : x));
    // Zero: no bytes, the wrong shape. Huge: more than the file. Not whole blocks: refused by the reader.
    const size = sizeOf(t.type, ne);
    const fits = size !== undefined && typeof v === 'number' && v < 2 ** 40 && size <= room(ctx.gguf.doc, t, dataLength(ctx));
    return withDoc(ctx, fits ? ['bad-shape'] : C, (d) => {
      tensorOf(d, t.name).ne = ne;
    });
  }),
  kind('tensor: a type id ggml does not define', (rng, ctx) =>
    withDoc(ctx, ['unsupported-dtype'], (d) => {
      rng.pick(d.tensors).type = rng.pick([4, 5, 31, 40, 255, 2 ** 31, 2 ** 32 - 1]);
    }),
  ),
  kind('tensor: a ggml type Fanout does not load (Q4_1, Q5_0, IQ…, I8, F64…)', (rng, ctx) => {
    const t = rng.pick(ctx.gguf.doc.tensors);
    const type = rng.pick([3, 6, 7, 9, 10, 11, 15, 16, 19, 20, 23, 24, 26, 28, 34, 39]);
    const size = sizeOf(type, t.ne);
    const fits = size !== undefined && size <= room(ctx.gguf.doc, t, dataLength(ctx));
    return withDoc(ctx, fits ? ['unsupported-dtype'] : C, (d) => {
      tensorOf(d, t.name).type = type;
    });
  }),
  kind('tensor: the type of another loadable format (other block sizes)', (rng, ctx) => {
    const t = rng.pick(ctx.gguf.doc.tensors);
    const type = rng.pick([0, 1, 30, 8, 2, 12, 13, 14].filter((x) => x !== t.type));
    const size = sizeOf(type, t.ne);
    // Fewer bytes than before: the same file reads as other (garbage) weights; it loads and must generate, or
    // (garbage that holds a NaN or infinite scale or weight) is refused with corrupt-gguf.
    const fits = size !== undefined && size <= room(ctx.gguf.doc, t, dataLength(ctx));
    return withDoc(ctx, fits ? 'any' : C, (d) => {
      tensorOf(d, t.name).type = type;
    }, { generate: fits });
  }),
  kind('tensor: offset not a multiple of the alignment', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const t = rng.pick(d.tensors);
      t.offset = Number(t.offset) + rng.range(1, d.align - 1);
    }),
  ),
  kind('tensor: offsets overlapping', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const a = rng.pick(d.tensors);
      const b = rng.pick(d.tensors.filter((t) => t !== a));
      const span = Math.floor(b.data.length / d.align) * d.align;
      a.offset = Number(b.offset) + (rng.chance(0.5) || span === 0 ? 0 : rng.int(span / d.align) * d.align);
    }),
  ),
  kind('tensor: offset past the end or huge', (rng, ctx) =>
    withDoc(ctx, C, (d) => {
      const t = rng.pick(d.tensors);
      t.offset = rng.pick<number | bigint>([1n << 63n, (1n << 64n) - 32n, 2 ** 53 - 32, dataLength(ctx), Math.ceil(dataLength(ctx) / 32) * 32 + 32 * rng.range(1, 1000)]);
      t.data = new Uint8Array(0); // nothing written there: the file keeps its length
    }),
  ),
  kind("tensor: two tensors of one byte size reading each other's data (loads)", (rng, ctx) =>
    withDoc(ctx, 'load', (d) => {
      const bySize = new Map<number, TensorInfo[]>();
      for (const t of d.tensors) bySize.set(t.data.length, [...(bySize.get(t.data.length) ?? []), t]);
      const group = rng.pick([...bySize.values()].filter((g) => g.length > 1));
      const a = rng.pick(group);
      const b = rng.pick(group.filter((t) => t !== a));
      // The infos swap offsets, the bytes stay where they were: each reads the other's data.
      [a.offset, b.offset] = [b.offset, a.offset];
      [a.data, b.data] = [b.data, a.data];
    }),
  ),

  // --- The data section and raw bytes
  kind('data: truncated at a random point (header intact)', (rng, ctx) => {
    const { bytes, dataStart, doc } = ctx.gguf;
    const cut = rng.range(dataStart, bytes.length - 1);
    const end = Math.max(...doc.tensors.map((t) => dataStart + Number(t.offset) + t.data.length));
    return checkGguf(ctx, bytes.slice(0, cut), cut >= end ? 'load' : C);
  }),
  kind('header: truncated at a random point', (rng, ctx) => {
    const { bytes, dataStart } = ctx.gguf;
    return checkGguf(ctx, bytes.slice(0, rng.range(0, dataStart - 1)), C);
  }),
  kind('header: random bytes flipped', (rng, ctx) => {
    const { bytes, dataStart } = ctx.gguf;
    return checkGguf(ctx, flip(rng, bytes, 0, dataStart, rng.pick([1, 1, 2, 4, 16])), 'any', { generate: true });
  }),
  kind('header: random bytes flipped in the tensor infos', (rng, ctx) => {
    const { bytes, infoStart, headerEnd } = ctx.gguf;
    return checkGguf(ctx, flip(rng, bytes, infoStart, headerEnd, rng.pick([1, 2, 4])), 'any', { generate: true });
  }),
  kind('data: random bytes flipped (loads, generates)', (rng, ctx) => {
    const { bytes, dataStart } = ctx.gguf;
    // Loads, or (a flip made a scale or an F16/F32 weight NaN or infinite) is refused with corrupt-gguf.
    return checkGguf(ctx, flip(rng, bytes, dataStart, bytes.length, rng.pick([1, 8, 64, 4096])), 'any', { generate: true });
  }),
  // A NaN or infinite scale or weight is refused at load (corrupt-gguf, naming the tensor); a huge or
  // subnormal finite one loads, and its generates may still end in the typed non-finite-logits error.
  kind("data: a quantized block's scale NaN, infinite, huge or subnormal", (rng, ctx) => {
    const { bytes, dataStart, doc } = ctx.gguf;
    const out = bytes.slice();
    const quantized = doc.tensors.filter(isQuantized);
    let nonFinite = false;
    for (let i = rng.range(1, 3); i > 0; i--) {
      const t = rng.pick(quantized);
      const f = formatOfGgmlType(t.type)!;
      const block = rng.int(t.data.length / f.blockBytes);
      const at = dataStart + Number(t.offset) + block * f.blockBytes + rng.pick(f.halfFields);
      const half = rng.pick([0x7e00, 0xfe00, 0x7c00, 0xfc00, 0x7bff, 0xfbff, 0x0001, 0x7fff]);
      nonFinite ||= (half & 0x7c00) === 0x7c00;
      out[at] = half & 255;
      out[at + 1] = half >> 8;
    }
    return checkGguf(ctx, out, nonFinite ? ['corrupt-gguf'] : 'load', { generate: !nonFinite });
  }),
  kind('data: dense weights (F16 matrices, F32 norms) NaN or infinite', (rng, ctx) => {
    const { bytes, dataStart, doc } = ctx.gguf;
    const out = bytes.slice();
    const dense = doc.tensors.filter((t) => t.type === 0 || t.type === 1);
    const t = rng.pick(dense);
    const size = t.type === 0 ? 4 : 2;
    const at = dataStart + Number(t.offset) + rng.int(t.data.length / size) * size;
    const v = new DataView(out.buffer);
    const value = t.type === 0 ? rng.pick([NaN, Infinity, -Infinity, 3e38]) : rng.pick([0x7e00, 0x7c00, 0xfc00, 0x7bff]);
    if (t.type === 0) v.setFloat32(at, value, true);
    else v.setUint16(at, value, true);
    const nonFinite = t.type === 0 ? !Number.isFinite(value) : (value & 0x7c00) === 0x7c00;
    return checkGguf(ctx, out, nonFinite ? ['corrupt-gguf'] : 'load', { generate: !nonFinite });
  }),
  kind('file: trailing bytes after the data (harmless)', (rng, ctx) =>
    withDoc(ctx, 'load', (d) => {
      d.trailing = rng.chance(0.5) ? enc(SECRET) : Uint8Array.from({ length: rng.range(1, 100_000) }, () => rng.int(256));
    }),
  ),
];
