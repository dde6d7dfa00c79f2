// Mutations of a valid model folder, by file: model.safetensors (header length, header JSON, tensor
// entries, offsets), the sharded index, config.json and tokenizer.json. Each kind builds one folder from
// the base model and says what it expects: 'load' (harmless), 'any' (may load or fail), or the ModelError
// codes a refusal may have. Whatever it expects, a refusal must be a ModelError with a clear message.
import { DTYPE_BYTES } from '../../engine/model/safetensors.ts';
import type { ModelErrorCode } from '../../engine/model/errors.ts';
import { deep, jsonText, SECRET, type Kind, type Rand } from './harness.ts';
import { baseFiles, checkFolder, pack, shardedFiles, type Expect, type Files, type ModelCtx, type Safetensors, type TensorEntry } from './model-folder.ts';

type K = Kind<ModelCtx>;
const kind = (name: string, run: K['run']): K => ({ name, run });

const clone = <T>(v: T): T => structuredClone(v);
const enc = (s: string) => new TextEncoder().encode(s);

// ---------------------------------------------------------------------------------------------------
// JSON documents: random paths

type Json = unknown;
const DELETE = Symbol('delete');

/** A random path into `root` (possibly empty: the root itself), walking down with probability `go`. */
export function randomPath(rng: Rand, root: Json, go = 0.75): (string | number)[] {
  const path: (string | number)[] = [];
  let node = root;
  while (node !== null && typeof node === 'object' && rng.chance(go)) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    const k = rng.pick(keys);
    path.push(k);
    node = (node as Record<string | number, Json>)[k];
  }
  return path;
}

/** `root` with the value at `path` replaced (or deleted); the root itself when the path is empty. */
export function setAt(root: Json, path: readonly (string | number)[], value: Json | typeof DELETE): Json {
  if (path.length === 0) return value === DELETE ? {} : value;
  const out = clone(root);
  let node = out as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return out;
}

/** One random edit of a JSON document: a new value, a deletion, a type swap, a wrapper, a deep nesting. */
export function mutateJson(rng: Rand, root: Json): Json {
  const path = randomPath(rng, root);
  const r = rng.int(6);
  if (r === 0 && path.length) return setAt(root, path, DELETE);
  if (r === 1) {
    let cur = root;
    for (const k of path) cur = (cur as Record<string | number, Json>)[k];
    return setAt(root, path, [cur]);
  }
  if (r === 2) return setAt(root, path, deep(rng.pick([5_000, 50_000]), rng.pick(['array', 'object'] as const)));
  return setAt(root, path, rng.value());
}

/** Text that is not the JSON it should be: truncated, junk, a secret line, empty, a BOM, bytes. */
function badJsonText(rng: Rand, valid: string): string | Uint8Array {
  switch (rng.int(8)) {
    case 0:
      return valid.slice(0, rng.int(valid.length));
    case 1:
      return rng.junk(rng.range(1, 5000));
    case 2:
      return SECRET;
    case 3:
      return '';
    case 4:
      // (A BOM before valid JSON is read as UTF-8 text without it, so it is no fault.)
      return '\ufeff' + valid.slice(0, Math.max(1, rng.int(valid.length)));
    case 5:
      return valid + rng.pick([' x', ',', '}', '\u0000', SECRET]);
    case 6:
      return Uint8Array.from({ length: rng.range(1, 4000) }, () => rng.int(256));
    default:
      return rng.pick(['NaN', 'undefined', '{"a": NaN}', "{'a': 1}", '{"a": 1,}', '[1, 2', '"' + rng.junk(200), '{"a": 01}', '{"a": .5}']);
  }
}

// ---------------------------------------------------------------------------------------------------
// model.safetensors

const C: readonly ModelErrorCode[] = ['corrupt-safetensors'];

function names(st: Safetensors): string[] {
  return Object.keys(st.header).filter((k) => k !== '__metadata__');
}

function entry(st: Safetensors, name: string): TensorEntry {
  return st.header[name] as TensorEntry;
}

/** Bytes of each tensor: end - begin. */
function span(e: TensorEntry): number {
  const [b, en] = e.data_offsets as [number, number];
  return en - b;
}

/** Checks the base folder with model.safetensors replaced by `bytes`. */
function withWeights(ctx: ModelCtx, bytes: Uint8Array, expected: Expect, more?: (f: Files) => void) {
  const files = baseFiles(ctx.base);
  files.set('model.safetensors', bytes);
  more?.(files);
  return checkFolder(ctx, files, expected);
}

/** Checks the base folder with its safetensors header edited by `edit` (a clone; return a new header to replace it). */
function withHeader(ctx: ModelCtx, expected: Expect, edit: (h: Record<string, unknown>, st: Safetensors) => Record<string, unknown> | void) {
  const st = ctx.base.weights;
  const h = clone(st.header);
  const out = edit(h, st) ?? h;
  return withWeights(ctx, pack(out, st.data), expected);
}

const headerBytes = (st: Safetensors) => enc(JSON.stringify(st.header));

export const safetensorsKinds: K[] = [
  kind('length: huge (≥ 2^63)', (rng, ctx) => {
    const st = ctx.base.weights;
    return withWeights(ctx, pack(st.header, st.data, (1n << 63n) + BigInt(rng.int(2 ** 31))), C);
  }),
  kind('length: 2^64-1 or 2^53+', (rng, ctx) => {
    const st = ctx.base.weights;
    return withWeights(ctx, pack(st.header, st.data, rng.pick([(1n << 64n) - 1n, (1n << 53n) + 1n, 1n << 32n])), C);
  }),
  kind('length: zero or one', (rng, ctx) => {
    const st = ctx.base.weights;
    return withWeights(ctx, pack(st.header, st.data, BigInt(rng.int(2))), C);
  }),
  kind('length: past the end of the file', (rng, ctx) => {
    const st = ctx.base.weights;
    const total = BigInt(headerBytes(st).length + st.data.length);
    return withWeights(ctx, pack(st.header, st.data, total + BigInt(rng.range(1, 1 << 20))), C);
  }),
  kind('length: the whole rest of the file', (_rng, ctx) => {
    const st = ctx.base.weights;
    return withWeights(ctx, pack(st.header, st.data, BigInt(headerBytes(st).length + st.data.length)), C);
  }),
  kind('length: shorter than the header (truncated JSON)', (rng, ctx) => {
    const st = ctx.base.weights;
    const text = JSON.stringify(st.header);
    return withWeights(ctx, pack(text, st.data, BigInt(text.length - rng.range(1, text.length - 1))), C);
  }),
  kind('length: longer than the header (into the data)', (rng, ctx) => {
    const st = ctx.base.weights;
    const k = rng.range(1, Math.min(4096, st.data.length));
    const allSpace = [...st.data.subarray(0, k)].every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09);
    return withWeights(ctx, pack(st.header, st.data, BigInt(headerBytes(st).length + k)), allSpace ? 'any' : C);
  }),
  kind('file: shorter than 8 bytes', (rng, ctx) => withWeights(ctx, Uint8Array.from({ length: rng.int(8) }, () => rng.int(256)), C)),
  kind('file: truncated in the data', (rng, ctx) => {
    const st = ctx.base.weights;
    const full = pack(st.header, st.data);
    return withWeights(ctx, full.slice(0, full.length - rng.range(1, st.data.length)), C);
  }),
  kind('file: trailing bytes after the data (harmless)', (rng, ctx) => {
    const st = ctx.base.weights;
    const extra = Uint8Array.from({ length: rng.range(1, 4096) }, () => rng.int(256));
    const data = new Uint8Array(st.data.length + extra.length);
    data.set(st.data);
    data.set(extra, st.data.length);
    return withWeights(ctx, pack(st.header, data), 'load');
  }),
  kind('header: truncated JSON text', (rng, ctx) => {
    const st = ctx.base.weights;
    const text = JSON.stringify(st.header);
    return withWeights(ctx, pack(text.slice(0, rng.range(2, text.length - 1)), st.data), C);
  }),
  kind('header: not a JSON object', (rng, ctx) => {
    const text = rng.pick(['[]', '"weights"', '1', 'null', 'true', '[{"a": 1}]', jsonText(deep(100_000)), '  7  ']);
    return withWeights(ctx, pack(text, ctx.base.weights.data), C);
  }),
  kind('header: junk, a secret line or random bytes', (rng, ctx) => {
    const st = ctx.base.weights;
    const h = rng.pick([0, 1, 2]);
    const bytes = h === 0 ? enc(rng.junk(rng.range(2, 10_000))) : h === 1 ? enc(SECRET) : Uint8Array.from({ length: rng.range(2, 10_000) }, () => rng.int(256));
    return withWeights(ctx, pack(bytes, st.data), C);
  }),
  kind('header: BOM, NUL padding or trailing garbage', (rng, ctx) => {
    const st = ctx.base.weights;
    const text = JSON.stringify(st.header);
    const v = rng.pick(['\ufeff' + text, text + '\u0000\u0000\u0000', text + ' x', text + SECRET]);
    // A UTF-8 BOM is dropped by the decoder: harmless.
    return withWeights(ctx, pack(v, st.data), v.startsWith('\ufeff') ? 'any' : C);
  }),
  kind('header: space padding (harmless)', (rng, ctx) => {
    const st = ctx.base.weights;
    return withWeights(ctx, pack(JSON.stringify(st.header) + ' '.repeat(rng.range(1, 4000)), st.data), 'load');
  }),
  kind('entry: not an object', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      let v = rng.value();
      while (typeof v === 'object' && v !== null && !Array.isArray(v)) v = rng.value();
      h[rng.pick(names(st))] = v;
    }),
  ),
  kind('dtype: missing, not a string, unknown, huge', (rng, ctx) =>
    withHeader(ctx, ['corrupt-safetensors', 'unsupported-dtype'], (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      const v = rng.pick([undefined, 16, ['F16'], { F16: 1 }, null, 'Q4_K', 'F128', 'f16', '', rng.junk(rng.range(100, 50_000)), deep(50_000)]);
      if (v === undefined) delete (e as Partial<TensorEntry>).dtype;
      else e.dtype = v;
    }),
  ),
  kind('dtype: another safetensors dtype', (rng, ctx) => {
    const dtype = rng.pick(Object.keys(DTYPE_BYTES).filter((d) => d !== 'F16'));
    const expected: Expect = DTYPE_BYTES[dtype] !== 2 ? C : dtype === 'BF16' ? 'load' : ['unsupported-dtype'];
    return withHeader(ctx, expected, (h, st) => {
      (h[rng.pick(names(st))] as TensorEntry).dtype = dtype;
    });
  }),
  kind('shape: negative, fractional, unsafe, wrong types, nested', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      const shape = clone(e.shape) as unknown[];
      const bad = rng.pick<unknown>([-1, -32, 1.5, 2 ** 53, 1e300, '32', null, [32], {}, true, -0.5]);
      if (rng.chance(0.2)) e.shape = rng.pick<unknown>(['[32]', 32, null, {}, { 0: 32 }, deep(100_000), rng.junk(20_000)]);
      else {
        shape[rng.int(shape.length)] = bad;
        e.shape = shape;
      }
    }),
  ),
  kind('shape: thousands of 1s (same size, absurd rank)', (rng, ctx) =>
    withHeader(ctx, ['bad-shape'], (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      e.shape = [...(e.shape as number[]), ...new Array(rng.range(100, 20_000)).fill(1)];
    }),
  ),
  kind('shape: sizes whose product overflows', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      e.shape = new Array(rng.range(2, 40)).fill(rng.pick([2 ** 26, 2 ** 40, 2 ** 52, 2 ** 53 - 1]));
    }),
  ),
  kind('shape: empty or zero-sized', (rng, ctx) =>
    withHeader(ctx, ['corrupt-safetensors', 'bad-shape'], (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      const shape = rng.pick([[], [0], [0, 32], [32, 0]]);
      e.shape = shape;
      if (rng.chance(0.5)) {
        const [b] = e.data_offsets as [number, number];
        e.data_offsets = [b, b + (shape.length === 0 ? 2 : 0)];
      }
    }),
  ),
  kind('data_offsets: reversed', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      const [b, en] = e.data_offsets as [number, number];
      e.data_offsets = [en, b];
    }),
  ),
  kind('data_offsets: overlapping another tensor', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const ns = names(st);
      const peers = (n: string) => ns.filter((m) => m !== n && span(entry(st, m)) === span(entry(st, n)));
      // A tensor of the same byte size (the norms are) moved onto (or half onto) a's bytes.
      const a = entry(st, rng.pick(ns.filter((n) => peers(n).length > 0)));
      const same = ns.filter((n) => entry(st, n) !== a && span(entry(st, n)) === span(a));
      const [ab] = a.data_offsets as [number, number];
      const shift = rng.chance(0.5) ? 0 : Math.floor(span(a) / 2 / 2) * 2;
      (h[rng.pick(same)] as TensorEntry).data_offsets = [ab + shift, ab + shift + span(a)];
    }),
  ),
  kind('data_offsets: past the end of the file', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      const end = st.data.length + rng.range(1, 1 << 30);
      e.data_offsets = [end - span(e), end];
    }),
  ),
  kind('data_offsets: span not shape × dtype', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      const [b, en] = e.data_offsets as [number, number];
      const d = rng.pick([-1, 1, -2, 2]);
      e.data_offsets = [b, Math.max(b, en + d)];
    }),
  ),
  kind('data_offsets: wrong types or lengths', (rng, ctx) =>
    withHeader(ctx, C, (h, st) => {
      const e = h[rng.pick(names(st))] as TensorEntry;
      e.data_offsets = rng.pick<unknown>([[0], [0, 2, 4], ['0', '2'], [-2, 0], [0.5, 2.5], [2 ** 60, 2 ** 60 + 2], null, {}, 'x', [null, null], deep(100_000), new Array(20_000).fill(0)]);
    }),
  ),
  kind('names: duplicated key in the header text', (rng, ctx) => {
    const st = ctx.base.weights;
    const ns = names(st);
    const a = rng.pick(ns);
    const b = rng.pick(ns);
    const dup = `${JSON.stringify(a)}:${JSON.stringify(st.header[b])}`;
    let text = JSON.stringify(st.header);
    text = rng.chance(0.5) ? `{${dup},${text.slice(1)}` : `${text.slice(0, -1)},${dup}}`;
    return withWeights(ctx, pack(text, st.data), 'any');
  }),
  kind('__metadata__: odd values (harmless)', (rng, ctx) =>
    withHeader(ctx, 'load', (h) => {
      const many: Record<string, unknown> = {};
      for (let i = 0; i < 5000; i++) many[`k${i}`] = rng.junk(8);
      h.__metadata__ = rng.pick<unknown>([rng.value(), [1, 2], 'x', 7, null, many, { format: { nested: [1] } }, deep(50_000, 'object'), rng.junk(100_000)]);
    }),
  ),
  kind('tensors: an extra tensor (junk name, absurd layer index)', (rng, ctx) =>
    withHeader(ctx, ['bad-config'], (h, st) => {
      const end = st.data.length;
      const name = rng.pick([rng.junk(rng.range(100, 20_000)), `model.layers.${'9'.repeat(rng.range(20, 400))}.mlp.x`, 'model.layers.2.mlp.gate_proj.weight', 'lm_head.weight', 'x', '']);
      h[name] = { dtype: 'F16', shape: [0], data_offsets: [end, end] };
    }),
  ),
  kind('tensors: one missing or renamed', (rng, ctx) =>
    withHeader(ctx, ['missing-tensor', 'bad-config'], (h, st) => {
      const n = rng.pick(names(st));
      const e = h[n];
      delete h[n];
      if (rng.chance(0.5)) h[rng.pick([rng.junk(rng.range(1, 10_000)), '', n + ' ', n.toUpperCase(), '\ud800' + n, `model.layers.${'9'.repeat(400)}.x`])] = e;
    }),
  ),
  kind('tensors: 130 000 empty extra tensors', (_rng, ctx) =>
    withHeader(ctx, ['bad-config'], (h, st) => {
      const end = st.data.length;
      for (let i = 0; i < 130_000; i++) h[`extra.${i}`] = { dtype: 'F16', shape: [0], data_offsets: [end, end] };
    }),
  ),
  kind('names: invalid UTF-8 in the header', (rng, ctx) => {
    const st = ctx.base.weights;
    const bytes = headerBytes(st);
    // Overwrite a byte inside a tensor name with a byte that cannot start UTF-8.
    const text = JSON.stringify(st.header);
    const n = rng.pick(names(st));
    const at = text.indexOf(JSON.stringify(n)) + 1 + rng.int(n.length);
    bytes[at] = rng.pick([0xff, 0xfe, 0xc0, 0x80]);
    return withWeights(ctx, pack(bytes, st.data), ['missing-tensor', 'bad-config', 'corrupt-safetensors']);
  }),
  kind('header: a random edit anywhere', (rng, ctx) => {
    const st = ctx.base.weights;
    const h = mutateJson(rng, st.header);
    const isObj = typeof h === 'object' && h !== null && !Array.isArray(h);
    return withWeights(ctx, pack(isObj ? (h as Record<string, unknown>) : jsonText(h), st.data), 'any');
  }),
];

// ---------------------------------------------------------------------------------------------------
// model.safetensors.index.json (sharded weights)

function withIndex(ctx: ModelCtx, expected: Expect, edit: (files: Files, index: Record<string, unknown>) => unknown) {
  const files = shardedFiles(ctx.base);
  const index = clone(ctx.base.shards.index);
  const out = edit(files, index);
  files.set('model.safetensors.index.json', out instanceof Uint8Array || typeof out === 'string' ? out : jsonText(out === undefined ? index : out));
  return checkFolder(ctx, files, expected);
}

const shardNames = (ctx: ModelCtx) => [...ctx.base.shards.files.keys()];

export const indexKinds: K[] = [
  kind('index: not JSON', (rng, ctx) => withIndex(ctx, C, (_f, index) => badJsonText(rng, JSON.stringify(index)))),
  kind('index: not an object, no weight_map, wrong types', (rng, ctx) =>
    withIndex(ctx, C, (_f, index) =>
      rng.pick<unknown>([
        [],
        'x',
        null,
        7,
        { metadata: index.metadata },
        { weight_map: [] },
        { weight_map: 'model-00001-of-00002.safetensors' },
        { weight_map: { 'model.norm.weight': 1 } },
        { weight_map: { 'model.norm.weight': null } },
        { weight_map: deep(100_000, 'object') },
      ]),
    ),
  ),
  kind('index: a shard name that is a path, a dotfile or huge', (rng, ctx) =>
    withIndex(ctx, C, (_f, index) => {
      const wm = index.weight_map as Record<string, string>;
      const t = rng.pick(Object.keys(wm));
      wm[t] = rng.pick(['../x.safetensors', '/etc/passwd', '.hidden.safetensors', 'a/b.safetensors', 'a\\b.safetensors', 'x.bin', '', rng.junk(rng.range(300, 20_000)) + '.safetensors', 'nul\u0000.safetensors']);
    }),
  ),
  kind('index: a listed shard is missing', (rng, ctx) =>
    withIndex(ctx, ['missing-file'], (files) => {
      files.delete(rng.pick(shardNames(ctx)));
    }),
  ),
  kind('index: a tensor mapped to the wrong shard, or to none', (rng, ctx) =>
    withIndex(ctx, C, (_f, index) => {
      const wm = index.weight_map as Record<string, string>;
      const t = rng.pick(Object.keys(wm));
      const other = shardNames(ctx).find((s) => s !== wm[t])!;
      if (rng.chance(0.5)) wm[t] = other;
      else wm[rng.pick([rng.junk(rng.range(100, 20_000)), 'model.layers.0.absent.weight'])] = other;
    }),
  ),
  kind('index: a shard with a corrupt header', (rng, ctx) =>
    withIndex(ctx, C, (files) => {
      const f = rng.pick(shardNames(ctx));
      const st = ctx.base.shards.files.get(f)!;
      files.set(f, rng.chance(0.5) ? pack(st.header, st.data, (1n << 64n) - 1n) : pack(JSON.stringify(st.header).slice(0, 20), st.data));
    }),
  ),
  kind('index: odd metadata, unlisted tensors (harmless)', (rng, ctx) =>
    withIndex(ctx, 'load', (_f, index) => {
      index.metadata = rng.value();
      const wm = index.weight_map as Record<string, string>;
      // A tensor that the weight map leaves out is still read from its shard.
      if (rng.chance(0.5)) delete wm[rng.pick(Object.keys(wm))];
    }),
  ),
  kind('index: next to model.safetensors (the single file wins)', (rng, ctx) =>
    withIndex(ctx, 'load', (files) => {
      files.set('model.safetensors', pack(ctx.base.weights.header, ctx.base.weights.data));
      return badJsonText(rng, '{}');
    }),
  ),
];

// ---------------------------------------------------------------------------------------------------
// config.json

const SIZE_KEYS = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim', 'max_position_embeddings'];
const CONFIG_REFUSALS: readonly ModelErrorCode[] = ['bad-config', 'unsupported-architecture', 'bad-shape', 'missing-tensor', 'bad-tokenizer', 'too-large'];

function withConfig(ctx: ModelCtx, expected: Expect, edit: (c: Record<string, unknown>) => unknown) {
  const c = clone(ctx.base.config);
  const out = edit(c);
  const files = baseFiles(ctx.base);
  files.set('config.json', out instanceof Uint8Array || typeof out === 'string' ? out : jsonText(out === undefined ? c : out, 2));
  return checkFolder(ctx, files, expected);
}

export const configKinds: K[] = [
  kind('config: a random edit anywhere', (rng, ctx) => withConfig(ctx, 'any', (c) => mutateJson(rng, c))),
  kind('config: a field of the wrong type', (rng, ctx) =>
    withConfig(ctx, 'any', (c) => {
      const keys = [...Object.keys(c), 'head_dim', 'rope_scaling', 'mlp_bias', 'architectures'];
      c[rng.pick(keys)] = rng.value();
    }),
  ),
  kind('config: a required size missing', (rng, ctx) =>
    withConfig(ctx, ['bad-config'], (c) => {
      delete c[rng.pick(['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads'])];
    }),
  ),
  kind('config: sizes negative, zero, fractional, huge, strings', (rng, ctx) => {
    const key = rng.pick(SIZE_KEYS);
    const value = rng.pick<unknown>([-1, 0, -0, 0.5, 31.5, 1e9, 2 ** 31, 2 ** 53, 1e300, '32', [32], { n: 32 }, true, 1 << 20, 1023, 65_536 + 1]);
    // A context length of 1023, 65 537 or 2^20 positions is a valid one (the weights do not fix it).
    const valid = key === 'max_position_embeddings' && typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 1 << 22;
    return withConfig(ctx, valid ? 'any' : CONFIG_REFUSALS, (c) => {
      c[key] = value;
    });
  }),
  kind('config: sizes as text literals (1e400, -1e400, 1e-400)', (rng, ctx) => {
    const key = rng.pick(SIZE_KEYS.filter((k) => k in ctx.base.config));
    const lit = rng.pick(['1e400', '-1e400', '1e-400', '-0.0', '1.5e1', '123456789012345678901234567890']);
    // 1.5e1 is 15: a valid size (for max_position_embeddings, say).
    return withConfig(ctx, lit === '1.5e1' ? 'any' : CONFIG_REFUSALS, (c) => jsonText(c, 2).replace(new RegExp(`("${key}": )[^,\\n]+`), `$1${lit}`));
  }),
  kind('config: heads not dividing hidden, kv not dividing heads, odd head_dim', (rng, ctx) =>
    withConfig(ctx, ['bad-config'], (c) => {
      const v = rng.int(3);
      if (v === 0) c.num_attention_heads = rng.pick([3, 5, 7, 6, 9]);
      else if (v === 1) c.num_key_value_heads = rng.pick([3, 5, 8]);
      else c.head_dim = rng.pick([1, 3, 7, 9, 15]);
    }),
  ),
  kind('config: layers that do not match the weights', (rng, ctx) =>
    withConfig(ctx, ['bad-config'], (c) => {
      c.num_hidden_layers = rng.pick([1, 3, 100, 1024]);
    }),
  ),
  kind('config: vocab_size or tie_word_embeddings that do not match', (rng, ctx) =>
    withConfig(ctx, ['bad-shape', 'missing-tensor', 'bad-tokenizer'], (c) => {
      if (rng.chance(0.5)) c.vocab_size = (c.vocab_size as number) + rng.pick([-1, 1, -100, 1000]);
      else c.tie_word_embeddings = false;
    }),
  ),
  kind('config: architectures / model_type unknown, huge, many, nested', (rng, ctx) =>
    withConfig(ctx, ['unsupported-architecture', 'bad-config'], (c) => {
      const v = rng.int(6);
      delete c.model_type;
      if (v === 0) c.architectures = [rng.junk(rng.range(1, 50_000))];
      else if (v === 1) c.architectures = [...new Array(rng.range(1000, 200_000)).fill(7)];
      else if (v === 2) c.architectures = deep(100_000);
      else if (v === 3) c.architectures = [];
      else if (v === 4) {
        c.architectures = ['GPTNeoXForCausalLM', ...new Array(100_000).fill('LlamaForCausalLM')];
        c.model_type = rng.junk(100_000);
      } else c.architectures = 'LlamaForCausalLM';
    }),
  ),
  kind('config: huge strings in string fields', (rng, ctx) =>
    withConfig(ctx, 'any', (c) => {
      const key = rng.pick(['hidden_act', 'torch_dtype', 'dtype', 'rope_scaling', 'model_type']);
      const s = rng.junk(rng.range(1000, 200_000));
      c[key] = key === 'rope_scaling' ? { [rng.pick(['type', 'rope_type'])]: s } : s;
    }),
  ),
  kind('config: unsupported features', (rng, ctx) =>
    withConfig(ctx, ['bad-config'], (c) => {
      const v = rng.int(4);
      if (v === 0) c.rope_scaling = { type: rng.pick(['linear', 'dynamic', 'yarn', 'llama3']), factor: 2 };
      else if (v === 1) c.hidden_act = rng.pick(['gelu', 'relu', 'SiLU', '']);
      else if (v === 2) c.mlp_bias = true;
      else c.use_sliding_window = true;
    }),
  ),
  kind('config: token ids negative, huge, many', (rng, ctx) =>
    withConfig(ctx, 'any', (c) => {
      const key = rng.pick(['eos_token_id', 'bos_token_id']);
      c[key] = rng.pick<unknown>([-1, 2 ** 53, 1.5, 'x', [1, -1], new Array(200_000).fill(-1), new Array(100_000).fill(1), [], deep(100_000)]);
    }),
  ),
  kind('config: not a JSON object', (rng, ctx) => withConfig(ctx, ['bad-config', 'unsupported-architecture'], () => rng.pick<unknown>([[], [ctx.base.config], 'x', 7, null, true, deep(100_000)]))),
  kind('config: not JSON', (rng, ctx) => withConfig(ctx, ['bad-config'], (c) => badJsonText(rng, JSON.stringify(c)))),
  kind('config: extra, duplicate and deeply nested keys (harmless)', (rng, ctx) =>
    withConfig(ctx, 'load', (c) => {
      const v = rng.int(4);
      if (v === 0) for (let i = 0; i < 10_000; i++) c[`${rng.junk(6)}_${i}`] = rng.small();
      else if (v === 1) c[rng.junk(rng.range(10, 100_000))] = deep(rng.pick([10_000, 200_000]), rng.pick(['array', 'object'] as const));
      else if (v === 2) return `{"hidden_size": ${rng.range(1, 999)}, ${jsonText(c).slice(1)}`;
      else {
        c.rope_theta = rng.pick([1, 500_000, 1e300]);
        c.max_position_embeddings = rng.pick([1, 16, 1 << 22]);
        c.rms_norm_eps = rng.pick([1e-300, 0.5]);
      }
    }),
  ),
];

// ---------------------------------------------------------------------------------------------------
// tokenizer.json

const T: readonly ModelErrorCode[] = ['bad-tokenizer'];

function withTokenizer(ctx: ModelCtx, expected: Expect, edit: (t: Record<string, any>) => unknown) {
  const t = clone(ctx.base.tokenizer) as Record<string, any>;
  const out = edit(t);
  const files = baseFiles(ctx.base);
  files.set('tokenizer.json', out instanceof Uint8Array || typeof out === 'string' ? out : jsonText(out === undefined ? t : out));
  return checkFolder(ctx, files, expected);
}

const vocabOf = (t: Record<string, any>) => t.model.vocab as Record<string, unknown>;
/** `depth` Sequences, each holding the next, around `leaf`. */
const sequence = (key: 'normalizers' | 'pretokenizers', leaf: unknown, depth: number) =>
  deep(depth, 'object', { open: `{"type":"Sequence","${key}":[`, close: ']}', leaf: JSON.stringify(leaf) });

export const tokenizerKinds: K[] = [
  kind('tokenizer: a random edit anywhere', (rng, ctx) => withTokenizer(ctx, 'any', (t) => mutateJson(rng, t))),
  kind('tokenizer: not JSON or not an object', (rng, ctx) =>
    withTokenizer(ctx, ['bad-config', 'bad-tokenizer'], (t) => (rng.chance(0.5) ? badJsonText(rng, JSON.stringify(t)) : rng.pick<unknown>([[], 'x', 7, null, [t], deep(100_000)]))),
  ),
  kind('tokenizer: model missing, wrong type, not BPE', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      const v = rng.int(3);
      if (v === 0) t.model = rng.pick<unknown>([undefined, null, [], 'BPE', 7]);
      else if (v === 1) t.model.type = rng.pick(['WordPiece', 'Unigram', 'bpe', rng.junk(rng.range(100, 100_000))]);
      else t.model = { type: 'BPE' };
    }),
  ),
  kind('tokenizer: vocab ids of the wrong type, negative, fractional, huge', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      const vocab = vocabOf(t);
      const key = rng.chance(0.3) ? rng.junk(rng.range(100, 100_000)) : rng.pick(Object.keys(vocab));
      vocab[key] = rng.pick<unknown>([-1, 1.5, '5', null, [1], { id: 1 }, 2 ** 21, 2 ** 53, 1e300, rng.junk(rng.range(100, 100_000)), deep(100_000)]);
    }),
  ),
  kind('tokenizer: vocab not an object, or two tokens with one id', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      if (rng.chance(0.3)) t.model.vocab = rng.pick<unknown>([[], 'x', 7, ['a', 'b'], undefined]);
      else {
        const vocab = vocabOf(t);
        const ks = Object.keys(vocab);
        vocab[rng.chance(0.5) ? rng.pick(ks) : rng.junk(rng.range(100, 50_000))] = vocab[rng.pick(ks)];
        // (assigning an existing key its own id changes nothing: make sure two keys share one)
        const [a, b] = [ks[0]!, ks[1]!];
        if (new Set(Object.values(vocab)).size === Object.keys(vocab).length) vocab[a] = vocab[b];
      }
    }),
  ),
  kind('tokenizer: ids past config.json vocab_size or the id limit', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      const id = rng.pick([(ctx.base.config.vocab_size as number) + rng.range(0, 5), 2 ** 21 - 1, 2 ** 21, 2 ** 31, 2 ** 32, 1e15, 2 ** 53 - 1]);
      if (rng.chance(0.5)) vocabOf(t)[rng.junk(8)] = id;
      else t.added_tokens.push({ id, content: rng.pick(['<|x|>', rng.junk(rng.range(100, 50_000))]), special: true });
    }),
  ),
  kind('tokenizer: merges of the wrong type, shape, or unknown tokens', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      if (rng.chance(0.25)) t.model.merges = rng.pick<unknown>([undefined, null, 'a b', { a: 'b' }, 7]);
      else {
        const m = t.model.merges as unknown[];
        m[rng.int(m.length)] = rng.pick<unknown>([
          'a b c',
          'ab',
          '',
          7,
          ['a'],
          ['a', 'b', 'c'],
          ['a', 7],
          { a: 'b' },
          null,
          `${rng.junk(rng.range(100, 50_000))} a`,
          [rng.junk(rng.range(100, 50_000)), 'a'],
          ['\ud800', 'a'],
          deep(100_000),
          new Array(100_000).fill('a'),
        ]);
      }
    }),
  ),
  kind('tokenizer: added_tokens malformed', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      if (rng.chance(0.2)) {
        t.added_tokens = rng.pick<unknown>(['x', 7, { id: 1 }, deep(100_000, 'object')]);
        return;
      }
      const list = t.added_tokens as Record<string, unknown>[];
      const k = rng.int(list.length);
      const v = rng.int(4);
      if (v === 0) list[k] = rng.pick<unknown>([null, 7, 'x', [], deep(100_000)]) as Record<string, unknown>;
      else if (v === 1) list[k]!.id = rng.pick<unknown>([-1, 1.5, '3', null, undefined, 2 ** 53, 1e300, { id: 1 }]);
      else if (v === 2) list[k]!.content = rng.pick<unknown>([7, null, undefined, ['x'], { s: 'x' }]);
      else list[k]![rng.pick(['special', 'single_word', 'lstrip', 'rstrip'])] = rng.pick<unknown>([1, 'true', [], rng.junk(100_000)]);
    }),
  ),
  kind('tokenizer: added_tokens duplicated, empty, huge, overlapping the vocab', (rng, ctx) =>
    withTokenizer(ctx, 'any', (t) => {
      const list = t.added_tokens as Record<string, unknown>[];
      const a = list[rng.int(list.length)]!;
      const v = rng.int(4);
      if (v === 0) list.push({ ...a });
      else if (v === 1) list.push({ ...a, id: 7 });
      else if (v === 2) list.push({ ...a, content: rng.pick(['', 'a', ' ', rng.junk(rng.range(1000, 100_000))]) });
      else for (let i = 0; i < 20_000; i++) list.push({ id: rng.int(256), content: rng.junk(rng.range(1, 12)), special: rng.chance(0.5) });
    }),
  ),
  kind('tokenizer: normalizer unknown, malformed, deeply nested', (rng, ctx) =>
    withTokenizer(ctx, 'any', (t) => {
      const v = rng.int(5);
      if (v === 0) t.normalizer = { type: rng.pick(['NFC', 'Lowercase', 'Strip', 'Replace', 'BertNormalizer', '', rng.junk(rng.range(100, 100_000))]) };
      else if (v === 1) t.normalizer = rng.pick<unknown>([{ type: 'Sequence' }, { type: 'Sequence', normalizers: 'NFC' }, { type: 7 }, [], 'NFC', { normalizers: [] }]);
      else if (v === 2) t.normalizer = sequence('normalizers', { type: 'NFC' }, rng.pick([3, 2_000, 20_000]));
      else if (v === 3) t.normalizer = { type: 'Sequence', normalizers: new Array(rng.pick([100, 50_000])).fill({ type: 'NFC' }) };
      else t.normalizer = deep(100_000, 'object');
    }),
  ),
  kind('tokenizer: pre_tokenizer unknown, malformed, deeply nested', (rng, ctx) =>
    withTokenizer(ctx, 'any', (t) => {
      const bl = t.pre_tokenizer;
      const v = rng.int(6);
      if (v === 0) t.pre_tokenizer = { type: rng.pick(['Whitespace', 'Metaspace', 'BertPreTokenizer', '', rng.junk(rng.range(100, 100_000))]) };
      else if (v === 1) t.pre_tokenizer = rng.pick<unknown>([{ type: 'Split' }, { type: 'Split', pattern: 'x', behavior: 'Isolated' }, { type: 'Split', pattern: {}, behavior: 'Isolated' }, { type: 'Split', pattern: { String: 7 }, behavior: 'Isolated' }, { type: 'Sequence', pretokenizers: 'x' }, { type: 'Digits', individual_digits: 'yes' }, { ...bl, add_prefix_space: 1 }, { ...bl, use_regex: 'no' }]);
      else if (v === 2) t.pre_tokenizer = { type: 'Split', pattern: { String: ' ' }, behavior: rng.pick<unknown>(['isolated', 7, null, rng.junk(100_000), deep(100_000), { a: 1 }]) };
      else if (v === 3) t.pre_tokenizer = sequence('pretokenizers', bl, rng.pick([3, 2_000, 20_000]));
      else if (v === 4) t.pre_tokenizer = { type: 'Sequence', pretokenizers: new Array(rng.pick([100, 20_000])).fill({ type: 'Digits', individual_digits: true }) };
      else t.pre_tokenizer = deep(100_000, 'object');
    }),
  ),
  kind('tokenizer: Split regex invalid, unsupported, huge, exponential', (rng, ctx) =>
    withTokenizer(ctx, 'any', (t) => {
      const big = rng.junk(rng.range(500, 100_000));
      const regex = rng.pick([
        '(',
        ')',
        '[',
        '(?<',
        '\\',
        'a{2,1}',
        '*a',
        'a**',
        '(a)\\1',
        '(?P<n>a)',
        '[[:alpha:]]',
        '[a&&b]',
        '\\p{Nope}',
        '\\x{zz}',
        '(?x)a',
        '(x+x+)+y',
        '(a*)*b',
        '(?:\\s+)+$',
        `(${big}`,
        `${big}\\`,
        `\\p{${big}}`,
        `[${big}`,
        `(?i:${big})[`,
        `${big}|(a+)+`,
        '\\s+(?!\\S)|\\s+',
        "'s|'t| ?\\p{L}+",
      ]);
      t.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: regex }, behavior: rng.pick(['Isolated', 'Removed', 'MergedWithPrevious', 'Contiguous']), invert: rng.chance(0.2) }, t.pre_tokenizer] };
    }),
  ),
  kind('tokenizer: Split regex random', (rng, ctx) =>
    withTokenizer(ctx, 'any', (t) => {
      const alphabet = ['(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '\\', '^', '$', '.', 'a', 'b', '1', ',', ':', '!', '<', '=', '>', '-', 'p', 'L', 's', 'S', 'd', 'w', 'x', '\\p{L}', '(?:', '(?=', '(?!', '(?>', '(?i:', '\\s', '\\d'];
      let regex = '';
      for (let i = rng.range(1, 30); i > 0; i--) regex += rng.pick(alphabet);
      t.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated' }, t.pre_tokenizer] };
    }),
  ),
  kind('tokenizer: decoder missing, other, huge', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      t.decoder = rng.pick<unknown>([undefined, null, [], 'ByteLevel', { type: 'WordPiece' }, { type: rng.junk(rng.range(100, 100_000)) }, { type: 7 }, deep(100_000, 'object')]);
    }),
  ),
  kind('tokenizer: model options unsupported or malformed', (rng, ctx) =>
    withTokenizer(ctx, T, (t) => {
      const m = t.model as Record<string, unknown>;
      const v = rng.int(6);
      if (v === 0) m.unk_token = rng.pick<unknown>(['<unk>', 7, [], rng.junk(rng.range(100, 100_000))]);
      else if (v === 1) m[rng.pick(['continuing_subword_prefix', 'end_of_word_suffix'])] = rng.pick<unknown>(['##', '</w>', 7, rng.junk(100_000)]);
      else if (v === 2) m.byte_fallback = rng.pick<unknown>([true, 'no', 1]);
      else if (v === 3) m.dropout = rng.pick<unknown>([0.1, 1, '0', [0], rng.junk(100_000), deep(100_000), { p: 0.1 }]);
      else if (v === 4) m[rng.pick(['ignore_merges', 'fuse_unk'])] = rng.pick<unknown>(['yes', 1, [], rng.junk(100_000)]);
      else m.vocab = { ...(m.vocab as object), [rng.junk(100_000)]: rng.junk(100_000) };
    }),
  ),
  kind('tokenizer: fields the engine does not read (harmless)', (rng, ctx) =>
    withTokenizer(ctx, 'load', (t) => {
      t[rng.pick(['post_processor', 'truncation', 'padding', 'version', rng.junk(rng.range(1, 50_000))])] = rng.value();
      if (rng.chance(0.3)) t.model.unk_token = rng.pick(Object.keys(vocabOf(t)));
    }),
  ),
];
