// The models a user already has (local-models.ts and its parts): fake Ollama and LM Studio trees and
// FANOUT_MODEL_DIRS folders in a temp dir, holding small real GGUF files (a random llama converted as
// llama.cpp does) and hostile ones: manifests that point outside blobs/, are not JSON or are huge, blobs
// of the wrong size, a truncated GGUF, a file that is not GGUF, a symlink loop. The list never fails;
// each bad entry says what is wrong.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Q4_K_M, randomModelToGguf } from '../../tests/fixtures/hf-to-gguf.ts';
import { writeGguf, type Meta } from '../../tests/fixtures/gguf-writer.ts';
import { writeRandomModel } from '../../tests/fixtures/make-model.ts';
import { rng, testSeed } from '../../tests/gpu.ts';
import { defaultRoots, LocalModelFinder, type ModelRoots } from './local-models.ts';
import { ollamaName } from './ollama-store.ts';
import { isProjector, splitPart } from './gguf-folders.ts';
import { FILE_TYPES, summarizeGguf } from './gguf-summary.ts';
import { hasGgufMagic, modelPathKind } from './gguf-file.ts';
import { localModelListSchema, type LocalModel } from '../../protocol/host.ts';

const SEED = testSeed();
let tmp: string;
/** A loadable GGUF file: a random 2-layer llama with the byte-level test tokenizer, F16 weights. */
let good: Uint8Array;
let goodParams: number;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const meta = (entries: [string, Meta][]) => writeGguf({ metadata: entries });
const str = (value: string): Meta => ({ type: 'string', value });

/** Writes an Ollama model: its blob and its manifest (layers as given, default the model layer for `blob`). */
async function ollamaModel(store: string, rel: string, blob: Uint8Array | null, manifest?: unknown) {
  const digest = blob ? sha(blob) : '0'.repeat(64);
  if (blob) {
    await mkdir(join(store, 'blobs'), { recursive: true });
    await writeFile(join(store, 'blobs', `sha256-${digest}`), blob);
  }
  const path = join(store, 'manifests', rel);
  await mkdir(join(path, '..'), { recursive: true });
  const body = manifest ?? {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 10 },
    layers: [
      { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size: blob?.length ?? 0 },
      { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'2'.repeat(64)}`, size: 20 },
    ],
  };
  await writeFile(path, typeof body === 'string' ? body : JSON.stringify(body));
  return { digest, path };
}

const finder = (roots: Partial<ModelRoots>, opts: ConstructorParameters<typeof LocalModelFinder>[0] = {}) =>
  new LocalModelFinder({ roots: () => ({ ollama: [], lmstudio: [], folders: [], ...roots }), ...opts });

const byName = (models: LocalModel[], name: string) => {
  const m = models.find((x) => x.name === name);
  if (!m) throw new Error(`no model named ${name} in ${models.map((x) => x.name).join(', ')}`);
  return m;
};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fanout-local-models-'));
  const model = await writeRandomModel(join(tmp, 'hf'), { arch: 'llama', dtype: 'F16', hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 48, tie: false, seed: 5 });
  good = randomModelToGguf(model, 'F16', JSON.parse(readFileSync(join(tmp, 'hf', 'tokenizer.json'), 'utf8')));
  goodParams = [...model.tensors.values()].reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('Ollama stores', () => {
  it('names models as Ollama does', () => {
    expect(ollamaName('registry.ollama.ai', 'library', 'qwen2.5-coder', '7b')).toBe('qwen2.5-coder:7b');
    expect(ollamaName('registry.ollama.ai', 'jmorgan', 'x', 'latest')).toBe('jmorgan/x:latest');
    expect(ollamaName('hf.co', 'bartowski', 'Qwen2.5-Coder-7B-Instruct-GGUF', 'Q4_K_M')).toBe('hf.co/bartowski/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M');
  });

  it('lists each manifest\'s model blob with what its header says', async () => {
    const store = join(tmp, 'ollama-good');
    const { digest } = await ollamaModel(store, 'registry.ollama.ai/library/tiny/f16', good);
    await ollamaModel(store, 'registry.ollama.ai/someone/tiny/latest', good);
    await ollamaModel(store, 'hf.co/bartowski/Tiny-GGUF/F16', good);
    const list = await finder({ ollama: [store] }).list();
    expect(localModelListSchema.parse(list)).toEqual(list);
    expect(list.models.map((m) => m.name)).toEqual(['hf.co/bartowski/Tiny-GGUF:F16', 'someone/tiny:latest', 'tiny:f16']);
    expect(byName(list.models, 'tiny:f16')).toEqual({
      name: 'tiny:f16',
      path: join(store, 'blobs', `sha256-${digest}`),
      bytes: good.length,
      source: 'ollama',
      architecture: 'llama',
      quantization: 'F16',
      parameters: goodParams,
      splitParts: null,
      loadable: { ok: true },
      error: null,
    });
    expect(list.searched).toEqual([{ source: 'ollama', path: store, found: true }]);
    expect(list.truncated).toBe(false);
  });

  it('refuses hostile and broken manifests, each with its reason, and lists the rest', async () => {
    const store = join(tmp, 'ollama-hostile');
    await ollamaModel(store, 'registry.ollama.ai/library/fine/1b', good);
    const layers = (digest: string, size = 10) => ({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest, size }] });
    await ollamaModel(store, 'registry.ollama.ai/library/escape/a', null, layers('sha256:../../../../etc/passwd'));
    await ollamaModel(store, 'registry.ollama.ai/library/escape/b', null, layers('/etc/passwd'));
    await ollamaModel(store, 'registry.ollama.ai/library/notjson/x', null, '{"schemaVersion": 2, "layers": [');
    await ollamaModel(store, 'registry.ollama.ai/library/huge/x', null, `{"schemaVersion":2,"layers":[],"pad":"${'x'.repeat(100_000)}"}`);
    await ollamaModel(store, 'registry.ollama.ai/library/wrongschema/x', null, { schemaVersion: 1, fsLayers: [] });
    await ollamaModel(store, 'registry.ollama.ai/library/missingblob/x', null, layers(`sha256:${'a'.repeat(64)}`));
    // The blob's size is not the manifest's: an interrupted pull.
    const short = await ollamaModel(store, 'registry.ollama.ai/library/short/x', good.subarray(0, 100), layers(`sha256:${sha(good.subarray(0, 100))}`, 5000));
    void short;
    // A blob that is a symlink to a file outside blobs/.
    const outside = join(tmp, 'outside.gguf');
    await writeFile(outside, good);
    const linkDigest = 'b'.repeat(64);
    await symlink(outside, join(store, 'blobs', `sha256-${linkDigest}`));
    await ollamaModel(store, 'registry.ollama.ai/library/linked/x', null, layers(`sha256:${linkDigest}`, good.length));
    // A manifest that is a FIFO-like non-file: a folder where a tag file should be is skipped, a device link is refused.
    await symlink('/dev/zero', join(store, 'manifests', 'registry.ollama.ai', 'library', 'fine', 'zero'));

    const list = await finder({ ollama: [store] }).list();
    expect(localModelListSchema.parse(list)).toEqual(list);
    const reason = (name: string) => byName(list.models, name).error;
    expect(byName(list.models, 'fine:1b').loadable).toEqual({ ok: true });
    expect(reason('escape:a')).toMatch(/digest is not "sha256:" and 64 hex digits/);
    expect(reason('escape:b')).toMatch(/digest is not "sha256:" and 64 hex digits/);
    expect(reason('notjson:x')).toMatch(/is not JSON/);
    expect(reason('huge:x')).toMatch(/more than the 65536 such a file ever needs/);
    expect(reason('wrongschema:x')).toMatch(/not an Ollama manifest .*schemaVersion/);
    expect(reason('missingblob:x')).toMatch(/blob .* is missing; pull the model again/);
    expect(reason('short:x')).toMatch(/is 100 bytes, but the manifest says 5000: the download is incomplete/);
    expect(reason('linked:x')).toMatch(/leads outside .*blobs \(a symlink\); it is not read/);
    for (const m of list.models.filter((x) => x.error)) {
      expect(m.loadable).toEqual({ ok: false, why: m.error });
      // An entry that could not be resolved names its manifest, never a path outside the store.
      expect(m.path.startsWith(store)).toBe(true);
    }
    // The symlink to /dev/zero is not a manifest file: not listed at all.
    expect(list.models.some((m) => m.name === 'fine:zero')).toBe(false);
  });
});

describe('LM Studio folders and FANOUT_MODEL_DIRS', () => {
  let lms: string;
  beforeAll(async () => {
    lms = join(tmp, 'lmstudio', 'models');
    const repo = join(lms, 'lmstudio-community', 'Tiny-GGUF');
    await mkdir(repo, { recursive: true });
    await writeFile(join(repo, 'Tiny-F16.gguf'), good);
    await writeFile(join(repo, 'mmproj-Tiny-F16.gguf'), good);
    await writeFile(join(repo, 'Big-00001-of-00003.gguf'), good);
    await writeFile(join(repo, 'Big-00002-of-00003.gguf'), good);
    await writeFile(join(repo, 'Big-00003-of-00003.gguf'), good);
    await writeFile(join(repo, 'Cut-00001-of-00002.gguf'), good);
    await writeFile(join(repo, 'Truncated.gguf'), good.subarray(0, 2000));
    await writeFile(join(repo, 'NotGguf.gguf'), 'this is a text file, not a model\n'.repeat(4));
    await writeFile(join(repo, 'README.md'), '# not a model');
    // A loop: a folder that links to its parent (and one to itself): the walk ends at its depth.
    await symlink('..', join(lms, 'lmstudio-community', 'loop'));
    await symlink('.', join(repo, 'self'));
  });

  it('lists GGUF files two folders down, skips projectors and later split parts, and says what is wrong with bad files', async () => {
    const list = await finder({ lmstudio: [lms] }).list();
    expect(localModelListSchema.parse(list)).toEqual(list);
    expect(list.models.map((m) => m.name).sort()).toEqual(['Big', 'Cut', 'NotGguf', 'Tiny-F16', 'Truncated']);
    const tiny = byName(list.models, 'Tiny-F16');
    expect(tiny).toMatchObject({ source: 'lmstudio', bytes: good.length, architecture: 'llama', quantization: 'F16', parameters: goodParams, loadable: { ok: true }, error: null });
    const big = byName(list.models, 'Big');
    expect(big).toMatchObject({ splitParts: 3, bytes: 3 * good.length, architecture: 'llama', parameters: null, error: null });
    expect(big.path).toMatch(/Big-00001-of-00003\.gguf$/);
    expect(big.loadable).toEqual({ ok: false, why: expect.stringMatching(/split into 3 files.*single-file GGUF.*llama-gguf-split --merge/) });
    expect(byName(list.models, 'Cut').error).toMatch(/part 2 of 2 is missing/);
    expect(byName(list.models, 'Truncated').error).toMatch(/runs past the end of the file \(2000 bytes\)/);
    expect(byName(list.models, 'NotGguf').error).toMatch(/does not start with "GGUF"/);
  });

  it('lists a FANOUT_MODEL_DIRS folder one level deep, and a file reachable from two places once', async () => {
    const dir = join(tmp, 'llama-cpp-downloads');
    await mkdir(join(dir, 'deeper'), { recursive: true });
    await writeFile(join(dir, 'mine.gguf'), good);
    await writeFile(join(dir, 'deeper', 'hidden.gguf'), good);
    await symlink(join(lms, 'lmstudio-community', 'Tiny-GGUF', 'Tiny-F16.gguf'), join(dir, 'linked.gguf'));
    const list = await finder({ folders: [dir, join(tmp, 'nope')], lmstudio: [lms] }).list();
    const names = list.models.map((m) => `${m.source}:${m.name}`);
    expect(names.filter((n) => n.startsWith('folder:'))).toEqual(['folder:linked', 'folder:mine']);
    // Tiny-F16 was listed through the link in the folder; LM Studio's folder does not list it again.
    expect(names).not.toContain('lmstudio:Tiny-F16');
    expect(list.searched).toEqual([
      { source: 'folder', path: dir, found: true },
      { source: 'folder', path: join(tmp, 'nope'), found: false },
      { source: 'lmstudio', path: lms, found: true },
    ]);
  });
});

describe('what the header says', () => {
  const write = async (name: string, bytes: Uint8Array) => {
    const p = join(tmp, 'headers', name);
    await mkdir(join(tmp, 'headers'), { recursive: true });
    await writeFile(p, bytes);
    return p;
  };
  const limits = { maxHeaderBytes: 64 << 20, timeoutMs: 10_000 };

  it('names the quantization from general.file_type as llama.cpp does, else by the most common weight type', async () => {
    expect(FILE_TYPES[15]).toBe('Q4_K_M');
    const q4km = await write('q4km.gguf', meta([['general.architecture', str('llama')], ['general.file_type', { type: 'u32', value: 15 }]]));
    expect((await summarizeGguf(q4km, limits)).quantization).toBe('Q4_K_M');
    const guessed = await write('guessed.gguf', meta([['general.architecture', str('llama')], ['general.file_type', { type: 'u32', value: 1024 | 7 }]]));
    expect((await summarizeGguf(guessed, limits)).quantization).toBe('Q8_0');
    // No file_type: Q8_0 holds the most weight elements (the F32 norm is one-dimensional and not counted).
    const q8 = writeGguf({
      metadata: [['general.architecture', str('llama')]],
      tensors: [
        { name: 'blk.0.attn_q.weight', type: 8, ne: [64, 4], data: new Uint8Array(4 * 2 * 34) },
        { name: 'blk.0.attn_k.weight', type: 1, ne: [64, 1], data: new Uint8Array(64 * 2) },
        { name: 'blk.0.attn_norm.weight', type: 0, ne: [4096], data: new Uint8Array(4096 * 4) },
      ],
    });
    const s = await summarizeGguf(await write('q8.gguf', q8), limits);
    expect(s.quantization).toBe('Q8_0');
    expect(s.parameters).toBe(64 * 4 + 64 + 4096);
  });

  it('is not loadable, saying why, for an architecture or tokenizer Fanout does not support', async () => {
    const gemma = await summarizeGguf(await write('gemma.gguf', meta([['general.architecture', str('gemma2')]])), limits);
    expect(gemma).toMatchObject({ architecture: 'gemma2', error: null, loadable: { ok: false, why: expect.stringMatching(/^architecture 'gemma2' is not supported; supported GGUF architectures: llama, qwen2/) } });
    // A llama whose tokenizer is SentencePiece (tokenizer.ggml.model "llama"): the config checks out, the tokenizer does not.
    const bytes = Buffer.from(good);
    const at = bytes.indexOf('gpt2');
    expect(at).toBeGreaterThan(0);
    bytes.write('llam', at); // same length: "gpt2" → "llam" is not a model either; the message names it
    const sp = await summarizeGguf(await write('sp.gguf', bytes), limits);
    expect(sp.loadable).toEqual({ ok: false, why: expect.stringMatching(/^tokenizer\.ggml\.model is 'llam'; Fanout supports byte-level BPE tokenizers/) });
    expect(sp.error).toBeNull();
  });

  it('is loadable with quantized tensors Fanout holds, and not, naming the tensor, with one it does not (Q2_K)', async () => {
    const model = await writeRandomModel(join(tmp, 'hf-q'), { arch: 'llama', dtype: 'F32', hidden: 256, layers: 1, heads: 4, kvHeads: 2, intermediate: 512, tie: true, seed: 6 });
    const q = Buffer.from(randomModelToGguf(model, Q4_K_M, JSON.parse(readFileSync(join(tmp, 'hf-q', 'tokenizer.json'), 'utf8'))));
    expect(await summarizeGguf(await write('q4km.gguf', q), limits)).toMatchObject({ quantization: 'Q4_K', loadable: { ok: true } });
    // Retype blk.0.attn_q.weight (Q4_K, [256, 256]) as Q2_K in place (smaller blocks, so nothing overlaps): a type Fanout does not load.
    const at = q.indexOf('blk.0.attn_q.weight') + 'blk.0.attn_q.weight'.length;
    expect(q.readUInt32LE(at)).toBe(2); // n_dims
    q.writeUInt32LE(10, at + 4 + 16); // the type after ne[0], ne[1]: Q2_K
    const s = await summarizeGguf(await write('q41.gguf', q), limits);
    expect(s.loadable).toEqual({ ok: false, why: expect.stringMatching(/tensor 'blk\.0\.attn_q\.weight' is Q2_K; Fanout loads F32, F16, BF16 weights and the quantized/) });
  });

  it('stops reading a header past its byte or time budget', async () => {
    const p = await write('budget.gguf', good);
    expect((await summarizeGguf(p, { maxHeaderBytes: 100, timeoutMs: 10_000 })).error).toMatch(/header is larger than 100 bytes/);
    expect((await summarizeGguf(p, { maxHeaderBytes: 64 << 20, timeoutMs: -1 })).error).toMatch(/took more than/);
  });

  it('tells GGUF files from folders and other files, by name or by their first bytes', async () => {
    const blob = await write('sha256-abc', good);
    const text = await write('notes', new TextEncoder().encode('GGU'));
    expect(await hasGgufMagic(blob)).toBe(true);
    expect(await hasGgufMagic(text)).toBe(false);
    expect(await modelPathKind(blob)).toBe('gguf');
    expect(await modelPathKind(text)).toBe('other-file');
    expect(await modelPathKind(join(tmp, 'headers'))).toBe('folder');
    expect(await modelPathKind(join(tmp, 'nothing-here'))).toBe('missing');
    expect(await modelPathKind(await write('named.gguf', new Uint8Array(8)))).toBe('gguf');
  });
});

describe('file names', () => {
  it('knows projectors and split parts', () => {
    for (const n of ['mmproj-model-f16.gguf', 'Qwen2-VL-mmproj-F16.gguf', 'MMPROJ.gguf']) expect(isProjector(n), n).toBe(true);
    for (const n of ['model.gguf', 'mmprojector-thing.gguf']) expect(isProjector(n), n).toBe(false);
    expect(splitPart('Qwen-7B-Q4_K_M-00001-of-00003.gguf')).toEqual({ stem: 'Qwen-7B-Q4_K_M', part: 1, parts: 3 });
    expect(splitPart('x-00004-of-00003.gguf')).toBeNull();
    expect(splitPart('x-00001-of-00001.gguf')).toBeNull();
    expect(splitPart('x.gguf')).toBeNull();
  });
});

describe('bounds and the cache', () => {
  it('lists at most maxFiles files and says the list is cut short', async () => {
    const dir = join(tmp, 'many');
    await mkdir(dir);
    for (const n of ['a', 'b', 'c']) await writeFile(join(dir, `${n}.gguf`), good);
    const list = await finder({ folders: [dir] }, { maxFiles: 2 }).list();
    expect(list.models.map((m) => m.name)).toEqual(['a', 'b']);
    expect(list.truncated).toBe(true);
  });

  it('past the listing\'s time budget, files are listed as not checked', async () => {
    const dir = join(tmp, 'slow');
    await mkdir(dir);
    await writeFile(join(dir, 'a.gguf'), good);
    const list = await finder({ folders: [dir] }, { totalMs: -1 }).list();
    expect(list.models[0]).toMatchObject({ name: 'a', architecture: null, error: expect.stringMatching(/^not checked yet/) });
    expect(list.truncated).toBe(true);
  });

  it('reads a header again only when the file\'s size or modification time changed', async () => {
    const dir = join(tmp, 'cached');
    await mkdir(dir);
    const p = join(dir, 'm.gguf');
    await writeFile(p, good);
    const when = new Date('2024-01-02T03:04:05Z');
    await utimes(p, when, when);
    const f = finder({ folders: [dir] });
    expect((await f.list()).models[0]!.loadable).toEqual({ ok: true });
    // Same size, same time, other bytes: the cached description stands (the header was not read again).
    await writeFile(p, new Uint8Array(good.length));
    await utimes(p, when, when);
    expect((await f.list()).models[0]!.loadable).toEqual({ ok: true });
    // A new modification time: read again, and now it is not GGUF.
    await utimes(p, new Date(), new Date());
    expect((await f.list()).models[0]!.error).toMatch(/does not start with "GGUF"/);
  });

  it('shares one listing between concurrent calls', async () => {
    const f = finder({ folders: [tmp] });
    const [a, b] = [f.list(), f.list()];
    expect(a).toBe(b);
    await a;
    expect(f.list()).not.toBe(a);
  });
});

describe(`damaged files and manifests, at random (seed ${SEED}; FANOUT_TEST_SEED replays it)`, () => {
  it('never fail the list: each entry is either loadable or says why', async () => {
    const r = rng(SEED);
    const store = join(tmp, 'random-ollama');
    const dir = join(tmp, 'random-folder');
    await mkdir(dir, { recursive: true });
    const manifestFor = (digest: string, size: number) => ({ schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size }] });
    for (let i = 0; i < 24; i++) {
      // A GGUF file with a few bytes of its header changed, or cut short.
      const bytes = Uint8Array.from(good.subarray(0, r.next() < 0.3 ? r.int(good.length) : good.length));
      for (let k = 0; k < 1 + r.int(4); k++) if (bytes.length) bytes[r.int(Math.min(bytes.length, 4096))] = r.int(256);
      await writeFile(join(dir, `m${i}.gguf`), bytes);
      // A manifest: valid for a damaged blob, or its JSON text cut or changed.
      const blobBytes = Uint8Array.from(bytes);
      let text = JSON.stringify(manifestFor(sha(blobBytes), blobBytes.length));
      if (r.next() < 0.5) {
        const at = r.int(text.length);
        text = r.next() < 0.5 ? text.slice(0, at) : text.slice(0, at) + String.fromCharCode(32 + r.int(90)) + text.slice(at + 1);
      }
      await ollamaModel(store, `registry.ollama.ai/library/r${i}/x`, blobBytes, text);
    }
    const list = await finder({ ollama: [store], folders: [dir] }).list();
    expect(localModelListSchema.parse(list)).toEqual(list);
    expect(list.models).toHaveLength(48);
    for (const m of list.models) {
      if (!m.loadable.ok) expect(m.loadable.why.length, m.name).toBeGreaterThan(10);
      if (m.error !== null) expect(m.loadable).toEqual({ ok: false, why: m.error });
    }
  });
});

describe('where to look', () => {
  it('takes OLLAMA_MODELS and FANOUT_MODEL_DIRS from the environment, else the default stores', async () => {
    const home = join(tmp, 'home-a');
    await mkdir(home);
    const r = await defaultRoots({ env: { OLLAMA_MODELS: '~/ollama-store', FANOUT_MODEL_DIRS: ['/m/one', '', '~/two'].join(delimiter) }, home, platform: 'linux' });
    expect(r.ollama).toEqual([join(home, 'ollama-store')]);
    expect(r.folders).toEqual(['/m/one', join(home, 'two')]);
    expect(r.lmstudio).toEqual([join(home, '.lmstudio', 'models')]);
    const d = await defaultRoots({ env: {}, home, platform: 'linux' });
    expect(d.ollama).toEqual([join(home, '.ollama', 'models'), '/usr/share/ollama/.ollama/models']);
    expect(d.folders).toEqual([]);
    expect((await defaultRoots({ env: {}, home, platform: 'darwin' })).ollama).toEqual([join(home, '.ollama', 'models')]);
  });

  it('does not wait on a FIFO where LM Studio\'s settings, the home pointer or a model file should be', async () => {
    const home = join(tmp, 'home-fifo');
    await mkdir(join(home, '.lmstudio', 'models', 'p', 'r'), { recursive: true });
    const fifos = [join(home, '.lmstudio-home-pointer'), join(home, '.lmstudio', 'settings.json'), join(home, '.lmstudio', 'models', 'p', 'r', 'pipe.gguf')];
    for (const f of fifos) {
      const made = spawnSync('mkfifo', [f]);
      if (made.status !== 0) return; // no mkfifo here (not Linux/macOS): nothing to check
    }
    const roots = await defaultRoots({ env: {}, home });
    expect(roots.lmstudio).toEqual([join(home, '.lmstudio', 'models')]);
    const list = await finder({ lmstudio: roots.lmstudio }).list();
    expect(list.models).toEqual([]);
    expect(await hasGgufMagic(fifos[2]!)).toBe(false);
    expect(await modelPathKind(fifos[2]!)).toBe('other-file');
  }, 20_000);

  it('follows LM Studio\'s home pointer and its settings\' downloadsFolder when they name existing folders', async () => {
    const home = join(tmp, 'home-b');
    const lmHome = join(tmp, 'elsewhere', 'lm-home');
    const moved = join(tmp, 'elsewhere', 'big-disk-models');
    await mkdir(lmHome, { recursive: true });
    await mkdir(moved, { recursive: true });
    await mkdir(join(home, '.cache', 'lm-studio'), { recursive: true });
    await writeFile(join(home, '.lmstudio-home-pointer'), `${lmHome}\n`);
    await writeFile(join(lmHome, 'settings.json'), JSON.stringify({ downloadsFolder: moved, other: 1 }));
    await writeFile(join(home, '.cache', 'lm-studio', 'settings.json'), JSON.stringify({ downloadsFolder: join(tmp, 'gone') }));
    const r = await defaultRoots({ env: {}, home });
    expect(r.lmstudio).toEqual([moved, join(lmHome, 'models'), join(home, '.cache', 'lm-studio', 'models')]);
    // A pointer file that is not small text, or names nothing: ~/.lmstudio is used.
    const home2 = join(tmp, 'home-c');
    await mkdir(home2);
    await writeFile(join(home2, '.lmstudio-home-pointer'), 'relative/path\n');
    await writeFile(join(home2, '.lmstudio'), 'not a folder');
    expect((await defaultRoots({ env: {}, home: home2 })).lmstudio).toEqual([join(home2, '.lmstudio', 'models')]);
  });
});
