// A valid small model folder to mutate, and the check every mutated folder goes through: the engine
// loads it or refuses it with a ModelError whose message passes messageProblems; the host refuses it
// with a `load-failed` error saying the same (or loads it), and still answers `status` afterwards.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { Engine } from '../../engine/engine.ts';
import { ModelError, type ModelErrorCode } from '../../engine/model/errors.ts';
import { dirSource } from '../../engine/model/fs-source.ts';
import { TEXT_LIMITS } from '../../engine/model/source.ts';
import { FUZZ_SEED, jsonText, messageProblems, type FuzzClient } from './harness.ts';

export interface TensorEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

/** model.safetensors taken apart: the header object (tensor entries in file order) and the data buffer. */
export interface Safetensors {
  header: Record<string, unknown>;
  data: Uint8Array;
}

export interface BaseModel {
  config: Record<string, unknown>;
  tokenizer: Record<string, unknown>;
  weights: Safetensors;
  /** The sharded variant: the index and its shards. */
  shards: { index: Record<string, unknown>; files: Map<string, Safetensors> };
}

/** What a case writes: file name → content (text or bytes). Files not named come from the base model. */
export type Files = Map<string, string | Uint8Array>;

export function unpack(bytes: Uint8Array): Safetensors {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Record<string, unknown>;
  return { header, data: bytes.slice(8 + len) };
}

/** A safetensors file: the header (object → JSON, or raw text/bytes), its length (or `length`), the data. */
export function pack(header: Record<string, unknown> | string | Uint8Array, data: Uint8Array, length?: bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : jsonText(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

export async function makeBase(dir: string): Promise<BaseModel> {
  const opts = { arch: 'llama', dtype: 'F16', hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 48, tie: true, seed: FUZZ_SEED } as const;
  await writeRandomModel(join(dir, 'single'), opts);
  await writeRandomModel(join(dir, 'sharded'), { ...opts, shards: 2 });
  const json = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as Record<string, unknown>;
  const index = await json(join(dir, 'sharded', 'model.safetensors.index.json'));
  const files = new Map<string, Safetensors>();
  for (const f of new Set(Object.values(index.weight_map as Record<string, string>))) files.set(f, unpack(await readFile(join(dir, 'sharded', f))));
  return {
    config: await json(join(dir, 'single', 'config.json')),
    tokenizer: await json(join(dir, 'single', 'tokenizer.json')),
    weights: unpack(await readFile(join(dir, 'single', 'model.safetensors'))),
    shards: { index, files },
  };
}

/** The base folder's files (single-file weights), JSON as text. */
export function baseFiles(base: BaseModel): Files {
  return new Map<string, string | Uint8Array>([
    ['config.json', JSON.stringify(base.config)],
    ['tokenizer.json', JSON.stringify(base.tokenizer)],
    ['model.safetensors', pack(base.weights.header, base.weights.data)],
  ]);
}

export function shardedFiles(base: BaseModel): Files {
  const files: Files = new Map([
    ['config.json', JSON.stringify(base.config)],
    ['tokenizer.json', JSON.stringify(base.tokenizer)],
    ['model.safetensors.index.json', JSON.stringify(base.shards.index)],
  ]);
  for (const [f, st] of base.shards.files) files.set(f, pack(st.header, st.data));
  return files;
}

export interface ModelCtx {
  root: string;
  base: BaseModel;
  /** An engine of its own on the test GPU: Engine.load's error is checked for its class and code. */
  engine: Engine;
  client: FuzzClient;
  n: number;
}

/** The outcome a kind expects: 'any' (some mutations are harmless), or failure with one of these codes. */
export type Expect = 'any' | 'load' | readonly ModelErrorCode[];

const LOAD_TIMEOUT_MS = 60_000;

const byteLength = (c: string | Uint8Array) => (typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength);

/**
 * Writes `files` as a model folder and loads it twice: with Engine.load (a ModelError or success) and
 * through the host's protocol (a load-failed error or loaded), then asks the host for its status.
 * Returns every problem found.
 */
export async function checkFolder(ctx: ModelCtx, files: Files, wanted: Expect): Promise<string[]> {
  // A JSON file over its read limit (a mutation made it megabytes long) is refused as too-large first.
  const over = [...files].some(([name, content]) => name in TEXT_LIMITS && byteLength(content) > TEXT_LIMITS[name as keyof typeof TEXT_LIMITS]);
  const expected: Expect = over ? ['too-large'] : wanted;
  const dir = join(ctx.root, `case-${ctx.n++}`);
  await mkdir(dir);
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  const problems: string[] = [];
  try {
    // 1. The engine itself.
    let direct: { ok: true } | { ok: false; code: string; message: string } = { ok: true };
    try {
      await ctx.engine.load(dirSource(dir));
    } catch (e) {
      if (!(e instanceof ModelError)) {
        problems.push(`Engine.load threw ${(e as Error)?.name ?? typeof e}, not a ModelError: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
        direct = { ok: false, code: '(none)', message: String((e as Error)?.message ?? e) };
      } else {
        direct = { ok: false, code: e.code, message: e.message };
        problems.push(...messageProblems(`Engine.load's ${e.code} message`, e.message));
      }
    }
    if (expected === 'load' && !direct.ok) problems.push(`expected the folder to load, but Engine.load failed (${direct.code})`);
    if (Array.isArray(expected)) {
      if (direct.ok) problems.push(`expected a ModelError (${expected.join(' or ')}), but the folder loaded`);
      else if (!expected.includes(direct.code as ModelErrorCode)) problems.push(`expected a ModelError ${expected.join(' or ')}, got ${direct.code}: ${direct.message.slice(0, 300)}`);
    }

    // 2. The host, over the protocol.
    const id = `load-${ctx.n}`;
    const sent = await ctx.client.frame(JSON.stringify({ type: 'load', id, model: { kind: 'dir', path: dir } }), LOAD_TIMEOUT_MS);
    problems.push(...sent.invalid.map((s) => `host: unreadable reply ${s}`));
    const end = sent.replies.filter((r) => r.type === 'loaded' || r.type === 'error');
    if (end.length !== 1) problems.push(`host: expected one loaded or error reply, got ${JSON.stringify(sent.replies).slice(0, 400)}`);
    const last = end[0];
    if (last?.type === 'error') {
      if (last.code !== 'load-failed') problems.push(`host: error code ${last.code}, expected load-failed: ${last.message.slice(0, 200)}`);
      if (last.id !== id) problems.push(`host: error id ${JSON.stringify(last.id)}, expected ${id}`);
      problems.push(...messageProblems('host error message', last.message), ...messageProblems('host error hint', last.hint));
      if (direct.ok) problems.push(`host refused a folder Engine.load accepted: ${last.message.slice(0, 200)}`);
    } else if (last?.type === 'loaded' && !direct.ok) {
      problems.push(`host loaded a folder Engine.load refused (${direct.code})`);
    }
    problems.push(...(await ctx.client.statusProblems()));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return problems;
}
