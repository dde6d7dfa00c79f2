// Loads random model folders onto the GPU and reads every buffer back.
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testGpu, testSeed } from '../../tests/gpu.ts';
import { writeRandomModel, type RandomModel, type RandomModelOptions } from '../../tests/fixtures/make-model.ts';
import { serveDir } from '../../tests/fixtures/range-server.ts';
import { readBuffer } from '../gpu/buffers.ts';
import type { GpuContext } from '../gpu/context.ts';
import { roundToF16 } from '../gpu/f16.ts';
import { chunkBytes, dequantizeMatrix, type FormatName } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';
import { ModelError } from './errors.ts';
import { dirSource } from './fs-source.ts';
import { httpSource } from './http-source.ts';
import { loadModel, type LoadedModel, type LoadOptions } from './load.ts';
import { countParameters } from './params.ts';
import { encodeSafetensors, type TensorToWrite } from './safetensors-write.ts';
import type { Linear } from './types.ts';

const seed = testSeed();
const root = await mkdtemp(join(tmpdir(), 'fanout-load-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const small: Omit<RandomModelOptions, 'arch' | 'dtype' | 'tie' | 'seed'> = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 48 };
async function model(o: Partial<RandomModelOptions> & Pick<RandomModelOptions, 'arch' | 'dtype' | 'tie'>) {
  const dir = join(root, String(n++));
  return { dir, ...(await writeRandomModel(dir, { ...small, seed: seed + n, ...o })) };
}

/**
 * Rows of `lin` read back from the GPU as numbers (each chunk decoded by its format's reference), checking
 * that chunks tile the rows, fit `maxBinding` and are in `format`.
 */
async function readLinear(ctx: GpuContext, lin: Linear, maxBinding: number, format: FormatName): Promise<Float64Array> {
  const out = new Float64Array(lin.outDim * lin.inDim);
  let row = 0;
  for (const c of lin.chunks) {
    expect(c.rowStart).toBe(row);
    expect(c.format).toBe(format);
    const f = FORMATS[c.format];
    expect(c.buffer.size).toBeLessThanOrEqual(maxBinding);
    const raw = new Uint8Array(await readBuffer(ctx, c.buffer, 0, chunkBytes(f, c.rows, lin.inDim)));
    out.set(dequantizeMatrix(f, raw, c.rows, lin.inDim), row * lin.inDim);
    row += c.rows;
  }
  expect(row).toBe(lin.outDim);
  return out;
}
async function readVec(ctx: GpuContext, buf: GPUBuffer, length: number): Promise<Float64Array> {
  return Float64Array.from(new Float32Array(await readBuffer(ctx, buf, 0, length * 4)));
}
function concat(m: RandomModel, names: string[]): Float64Array {
  const parts = names.map((name) => m.tensors.get(name)!.data);
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
function expectSame(what: string, got: Float64Array, want: Float64Array) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}[${i}]: GPU holds ${got[i]}, expected ${want[i]}`);
  }
}

/**
 * Every GPU buffer of `loaded` equals the stored values (matrices: F16 and BF16 as they are, F32 as f16 on
 * an f16 device, else f32; vectors: f32), fused.
 */
async function expectWeights(ctx: GpuContext, loaded: LoadedModel, m: RandomModel, maxBinding = ctx.maxBinding) {
  const c = m.config;
  const format: FormatName = c.dtype === 'float16' ? 'f16' : c.dtype === 'bfloat16' ? 'bf16' : ctx.f16 ? 'f16' : 'f32';
  const wt = (v: Float64Array) => (format === 'f16' ? roundToF16(v) : v.map(Math.fround));
  const f32 = (v: Float64Array) => v.map(Math.fround);
  const w = loaded.weights;
  const mat = async (what: string, lin: Linear, names: string[], outDim: number, inDim: number) => {
    expect([lin.outDim, lin.inDim], what).toEqual([outDim, inDim]);
    expectSame(what, await readLinear(ctx, lin, maxBinding, format), wt(concat(m, names)));
  };
  const qDim = c.heads * c.headDim;
  const kvDim = c.kvHeads * c.headDim;
  await mat('embed', w.embed, ['model.embed_tokens.weight'], c.vocabSize, c.hidden);
  expect(w.layers.length).toBe(c.layers);
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}.`;
    const L = w.layers[i];
    await mat(p + 'qkv', L.qkv, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj.weight`), qDim + 2 * kvDim, c.hidden);
    if (c.qkvBias) expectSame(p + 'qkv.bias', await readVec(ctx, L.qkv.bias!, qDim + 2 * kvDim), f32(concat(m, ['q', 'k', 'v'].map((x) => `${p}self_attn.${x}_proj.bias`))));
    else expect(L.qkv.bias).toBeUndefined();
    await mat(p + 'o', L.o, [p + 'self_attn.o_proj.weight'], c.hidden, qDim);
    await mat(p + 'gateUp', L.gateUp, [p + 'mlp.gate_proj.weight', p + 'mlp.up_proj.weight'], 2 * c.intermediate, c.hidden);
    await mat(p + 'down', L.down, [p + 'mlp.down_proj.weight'], c.hidden, c.intermediate);
    expectSame(p + 'inputNorm', await readVec(ctx, L.inputNorm, c.hidden), f32(concat(m, [p + 'input_layernorm.weight'])));
    expectSame(p + 'postNorm', await readVec(ctx, L.postNorm, c.hidden), f32(concat(m, [p + 'post_attention_layernorm.weight'])));
    for (const lin of [L.o, L.gateUp, L.down]) expect(lin.bias).toBeUndefined();
  }
  expectSame('finalNorm', await readVec(ctx, w.finalNorm, c.hidden), f32(concat(m, ['model.norm.weight'])));
  if (c.tieEmbeddings) expect(w.lmHead).toBe(w.embed);
  else await mat('lmHead', w.lmHead, ['lm_head.weight'], c.vocabSize, c.hidden);
  expect(loaded.config).toEqual(c);
  let elems = 0;
  for (const t of m.tensors.values()) elems += t.data.length;
  expect(loaded.parameters).toBe(elems);
  expect(loaded.parameters).toBe(countParameters(c));
}

function destroy(loaded: LoadedModel) {
  const seen = new Set<GPUBuffer>();
  const lins = [loaded.weights.embed, loaded.weights.lmHead, ...loaded.weights.layers.flatMap((l) => [l.qkv, l.o, l.gateUp, l.down])];
  for (const lin of lins) for (const b of [...lin.chunks.map((c) => c.buffer), lin.bias]) if (b) seen.add(b);
  for (const l of loaded.weights.layers) seen.add(l.inputNorm).add(l.postNorm);
  seen.add(loaded.weights.finalNorm);
  let bytes = 0;
  for (const b of seen) bytes += b.size;
  expect(loaded.weights.bytes).toBe(bytes);
  for (const b of seen) b.destroy();
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a ModelError');
}

describe(`loadModel (seed ${seed})`, async () => {
  const ctx = await testGpu('f16');
  const ctx32 = await testGpu('f32');

  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`loads a Llama in ${dtype} (untied) into the fused layouts`, async () => {
      const m = await model({ arch: 'llama', dtype, tie: false });
      const loaded = await loadModel(ctx, dirSource(m.dir));
      expect(loaded.name).toBe(m.dir.split('/').pop());
      expect((loaded.tokenizerJson as { model: { type: string } }).model.type).toBe('BPE');
      await expectWeights(ctx, loaded, m);
      destroy(loaded);
    });
  }

  it('loads a Qwen2 (q/k/v biases, GQA, tied embeddings, BF16), also into f32 storage', async () => {
    const m = await model({ arch: 'qwen2', dtype: 'BF16', tie: true, heads: 8, kvHeads: 2 });
    expect(m.config.qkvBias).toBe(true);
    for (const c of [ctx, ctx32]) {
      const loaded = await loadModel(c, dirSource(m.dir));
      await expectWeights(c, loaded, m);
      destroy(loaded);
    }
  });

  it('loads a Llama with attention_bias and head_dim ≠ hidden/heads', async () => {
    const m = await model({ arch: 'llama', dtype: 'F16', tie: true, headDim: 16, attentionBias: true });
    expect(m.config.headDim).toBe(16);
    const loaded = await loadModel(ctx, dirSource(m.dir));
    await expectWeights(ctx, loaded, m);
    destroy(loaded);
  });

  it('loads a sharded folder and reports progress over all weight bytes', async () => {
    const m = await model({ arch: 'qwen2', dtype: 'F32', tie: false, shards: 3 });
    const events: { file: string; bytesDone: number; bytesTotal: number }[] = [];
    const loaded = await loadModel(ctx32, dirSource(m.dir), { onProgress: (p) => events.push(p) });
    await expectWeights(ctx32, loaded, m);
    destroy(loaded);
    const total = [...m.tensors.values()].reduce((a, t) => a + t.data.length * 4, 0);
    expect(new Set(events.map((e) => e.file))).toEqual(new Set(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']));
    expect(events.every((e) => e.bytesTotal === total)).toBe(true);
    expect(events.at(-1)!.bytesDone).toBe(total);
    for (let i = 1; i < events.length; i++) expect(events[i].bytesDone).toBeGreaterThan(events[i - 1].bytesDone);
  });

  it('splits matrices into row chunks of ≤ maxBinding bytes, across read-slice and staging boundaries', async () => {
    // embed: 4096 × 320 F32 = 5 MiB: more than one 4 MiB read slice and one 1M-element staging buffer.
    const m = await model({ arch: 'llama', dtype: 'F32', tie: false, vocab: 4096, hidden: 320, heads: 5, kvHeads: 1, intermediate: 64, layers: 1 });
    const maxBinding = 100_000; // 156 f16 rows of 640 bytes per chunk
    const loaded = await loadModel(ctx, dirSource(m.dir), { maxBinding });
    expect(loaded.weights.embed.chunks.length).toBe(Math.ceil(4096 / Math.floor(99_984 / 640)));
    expect(loaded.weights.layers[0].qkv.chunks.length).toBe(Math.ceil((320 + 2 * 64) / 156));
    await expectWeights(ctx, loaded, m, maxBinding);
    destroy(loaded);
  });

  it('loads through httpSource (Range requests) the same as from the directory', async () => {
    const m = await model({ arch: 'qwen2', dtype: 'F16', tie: true, shards: 2 });
    const server = await serveDir(m.dir);
    try {
      const loaded = await loadModel(ctx, httpSource(server.url + '/'));
      await expectWeights(ctx, loaded, m);
      destroy(loaded);
      const weightGets = server.log.filter((l) => l.startsWith('GET /model-'));
      expect(weightGets.length).toBeGreaterThan(0);
      expect(weightGets.every((l) => / bytes=\d+-\d+$/.test(l))).toBe(true);
    } finally {
      await server.close();
    }
  });

  describe('errors', () => {
    const base = () => model({ arch: 'llama', dtype: 'F32', tie: false, layers: 1 });
    /** Rewrites model.safetensors from the stored tensors, with `edit` replacing or dropping (null) tensors. */
    async function rewrite(m: Awaited<ReturnType<typeof base>>, edit: (name: string, t: { shape: number[]; data: Float64Array }) => TensorToWrite | null | undefined) {
      const out: TensorToWrite[] = [];
      for (const [name, t] of m.tensors) {
        const e = edit(name, t);
        if (e !== null) out.push(e ?? { name, shape: t.shape, dtype: 'F32', data: t.data });
      }
      await writeFile(join(m.dir, 'model.safetensors'), encodeSafetensors(out));
    }
    const load = (dir: string, opts?: LoadOptions) => failure(loadModel(ctx, dirSource(dir), opts));

    it('missing config.json, tokenizer.json or weights', async () => {
      for (const file of ['config.json', 'tokenizer.json', 'model.safetensors']) {
        const m = await base();
        await rm(join(m.dir, file));
        expect(await load(m.dir)).toMatch(new RegExp(`^missing-file: .*${file.replace('.', '\\.')}.*Hugging Face model folder holds config\\.json, tokenizer\\.json`));
      }
    });

    it('unsupported architecture and malformed config.json', async () => {
      const m = await base();
      const cfg = JSON.parse(await readFile(join(m.dir, 'config.json'), 'utf8'));
      await writeFile(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, architectures: ['GPTNeoXForCausalLM'], model_type: 'gpt_neox' }));
      expect(await load(m.dir)).toMatch(/^unsupported-architecture: .*'GPTNeoXForCausalLM'.*LlamaForCausalLM, Qwen2ForCausalLM/);
      await writeFile(join(m.dir, 'config.json'), '{"architectures": [');
      expect(await load(m.dir)).toMatch(/^bad-config: config\.json is not valid JSON/);
      // A config.json that is some other file (a symlink to /etc/shadow, say): the error never quotes it.
      const secret = 'root:*:20290:0:99999:7:::\nbin:*:20290:0:99999:7:::\n';
      await writeFile(join(m.dir, 'config.json'), secret);
      const msg = await load(m.dir);
      expect(msg).toMatch(/^bad-config: config\.json is not valid JSON \(it holds text that is not JSON\)/);
      expect(msg).not.toMatch(/root|20290|bin:/);
      await writeFile(join(m.dir, 'model.safetensors.index.json'), secret);
      await rm(join(m.dir, 'model.safetensors'));
      await writeFile(join(m.dir, 'config.json'), JSON.stringify(cfg));
      const idx = await load(m.dir);
      expect(idx).toMatch(/^corrupt-safetensors: .*model\.safetensors\.index\.json is not valid JSON/);
      expect(idx).not.toMatch(/root|20290/);
    });

    it('a config that does not match the weights: layer count (even absurd ones), unused tensors, bounds', async () => {
      const m = await base();
      const cfg = JSON.parse(await readFile(join(m.dir, 'config.json'), 'utf8'));
      await writeFile(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1000 }));
      const t0 = performance.now();
      expect(await load(m.dir)).toMatch(/^bad-config: .*num_hidden_layers is 1000 but the weights hold 1 layers/);
      expect(performance.now() - t0).toBeLessThan(5000);
      await writeFile(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 1e7 }));
      expect(await load(m.dir)).toMatch(/^bad-config: .*num_hidden_layers: must be at most 1024/);
      await writeFile(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 1e9 }));
      expect(await load(m.dir)).toMatch(/^bad-config: .*vocab_size: must be at most 2097152/);
      await writeFile(join(m.dir, 'config.json'), JSON.stringify({ ...cfg, tie_word_embeddings: true }));
      expect(await load(m.dir)).toMatch(/^bad-config: .*tensor 'lm_head\.weight', which config\.json .* does not use/);
    });

    it('unsupported dtype', async () => {
      const m = await base();
      await rewrite(m, (name, t) => (name.endsWith('q_proj.weight') ? { name, shape: t.shape, dtype: 'I8', raw: new Uint8Array(t.data.length) } : undefined));
      expect(await load(m.dir)).toMatch(/^unsupported-dtype: .*tensor 'model\.layers\.0\.self_attn\.q_proj\.weight' is I8; Fanout loads F32, F16, BF16 weights; use the unquantized model or its GGUF file\.$/);
      // Quantized block types exist only in GGUF files (whose reader checks their byte sizes): a safetensors
      // header naming one is refused, not read as blocks.
      await rewrite(m, (name, t) => (name.endsWith('q_proj.weight') ? { name, shape: t.shape, dtype: 'Q4_K', raw: new Uint8Array(t.data.length) } : undefined));
      expect(await load(m.dir)).toMatch(/^unsupported-dtype: .*q_proj\.weight' is Q4_K; Fanout loads F32, F16, BF16 weights;/);
    });

    it('missing tensor, including lm_head of an untied model', async () => {
      const m = await base();
      await rewrite(m, (name) => (name === 'model.layers.0.mlp.up_proj.weight' ? null : undefined));
      expect(await load(m.dir)).toMatch(/^missing-tensor: .*no tensor 'model\.layers\.0\.mlp\.up_proj\.weight'/);
      await rewrite(m, (name) => (name === 'lm_head.weight' ? null : undefined));
      expect(await load(m.dir)).toMatch(/^missing-tensor: .*'lm_head\.weight' \(config\.json says tie_word_embeddings is false/);
    });

    it('wrong shape, with expected vs found', async () => {
      const m = await base();
      await rewrite(m, (name, t) => (name.endsWith('down_proj.weight') ? { name, shape: [t.shape[1], t.shape[0]], dtype: 'F32', data: t.data } : undefined));
      expect(await load(m.dir)).toMatch(/^bad-shape: .*'model\.layers\.0\.mlp\.down_proj\.weight' has shape \[48,32\] but config\.json implies \[32,48\]/);
    });

    it('a weight that is not a finite number (NaN, ±Inf) is refused naming the tensor and where', async () => {
      const m = await base();
      for (const [bad, dtype] of [[Number.NaN, 'F32'], [Number.POSITIVE_INFINITY, 'F16'], [Number.NEGATIVE_INFINITY, 'BF16']] as const) {
        await rewrite(m, (name, t) => (name.endsWith('mlp.down_proj.weight') ? { name, shape: t.shape, dtype, data: t.data.map((v, i) => (i === 37 ? bad : v)) } : undefined));
        expect(await load(m.dir)).toMatch(/^corrupt-safetensors: .*model\.safetensors: tensor 'model\.layers\.0\.mlp\.down_proj\.weight' holds a value that is not a finite number \(row 0, column 37\); the file is damaged/);
      }
      await rewrite(m, (name, t) => (name === 'model.norm.weight' ? { name, shape: t.shape, dtype: 'F32', data: t.data.map((v, i) => (i === 5 ? Number.NaN : v)) } : undefined));
      expect(await load(m.dir)).toMatch(/tensor 'model\.norm\.weight' holds a value that is not a finite number \(element 5\)/);
    });

    it('truncated weights and corrupt headers', async () => {
      const m = await base();
      const file = join(m.dir, 'model.safetensors');
      const good = await readFile(file);
      await truncate(file, good.length - 10);
      expect(await load(m.dir)).toMatch(/^corrupt-safetensors: .*model\.safetensors: tensor 'lm_head\.weight': data ends at byte \d+ but the file has \d+ bytes \(truncated\)/);
      const badLen = Uint8Array.from(good);
      new DataView(badLen.buffer).setBigUint64(0, BigInt(good.length), true);
      await writeFile(file, badLen);
      expect(await load(m.dir)).toMatch(/^corrupt-safetensors: .*header length \(first 8 bytes\) is impossible/);
      const badJson = Uint8Array.from(good);
      badJson[8] = '['.charCodeAt(0);
      await writeFile(file, badJson);
      expect(await load(m.dir)).toMatch(/^corrupt-safetensors: .*header is not valid JSON/);
      const len = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
      const header = new TextDecoder().decode(good.subarray(8, 8 + len)).replace(/"data_offsets":\[(\d+),(\d+)\]/, (_, a, b) => `"data_offsets":[${+a + 1e6},${+b + 1e6}]`);
      const h = new TextEncoder().encode(header);
      const badOffsets = new Uint8Array(8 + h.length + good.length - 8 - len);
      new DataView(badOffsets.buffer).setBigUint64(0, BigInt(h.length), true);
      badOffsets.set(h, 8);
      badOffsets.set(good.subarray(8 + len), 8 + h.length);
      await writeFile(file, badOffsets);
      expect(await load(m.dir)).toMatch(/^corrupt-safetensors: .*tensor 'model\.embed_tokens\.weight': data ends at byte/);
    });

    // Found by the fuzz suite (tests/fuzz): headers that are valid safetensors but absurd as a checkpoint.
    it('hostile headers: 130 000 extra tensors, absurd rank, a huge dtype or name, an absurd layer index', async () => {
      const m = await base();
      const stored = (name: string, t: { shape: number[]; data: Float64Array }): TensorToWrite => ({ name, shape: t.shape, dtype: 'F32', data: t.data });
      const write = async (edit: (name: string, t: { shape: number[]; data: Float64Array }) => TensorToWrite, extra: TensorToWrite[] = []) =>
        writeFile(join(m.dir, 'model.safetensors'), encodeSafetensors([...[...m.tensors].map(([name, t]) => edit(name, t)), ...extra]));
      const short = (msg: string) => (expect(msg.length, msg.slice(0, 300)).toBeLessThan(400), msg);
      // More tensors than Math.max(...) takes arguments: a ModelError, not "Maximum call stack size exceeded".
      await write(stored, Array.from({ length: 130_000 }, (_, i) => ({ name: `extra.${i}`, shape: [0], dtype: 'F32' as const, data: [] })));
      expect(short(await load(m.dir))).toMatch(/^bad-config: .*the weights hold tensor 'extra\.0', which config\.json .* does not use/);
      await write((name, t) => (name === 'model.norm.weight' ? { ...stored(name, t), shape: [...t.shape, ...new Array(5000).fill(1)] } : stored(name, t)));
      expect(short(await load(m.dir))).toMatch(/^bad-shape: .*'model\.norm\.weight' has shape \[32,1,1,1,…\] \(5001 dimensions\) but config\.json implies \[32\]/);
      await write((name, t) => (name === 'model.norm.weight' ? { name, shape: t.shape, dtype: 'Q'.repeat(100_000), raw: new Uint8Array(128) } : stored(name, t)));
      expect(short(await load(m.dir))).toMatch(/^unsupported-dtype: .*'model\.norm\.weight' is Q{20}… \(100000 characters\); Fanout loads F32, F16, BF16 weights/);
      await write(stored, [{ name: 'x'.repeat(100_000), shape: [0], dtype: 'F32', data: [] }]);
      expect(short(await load(m.dir))).toMatch(/^bad-config: .*tensor 'x{80}… \(100000 characters\)', which config\.json/);
      await write(stored, [{ name: `model.layers.${'9'.repeat(400)}.mlp.x`, shape: [0], dtype: 'F32', data: [] }]);
      expect(short(await load(m.dir))).toMatch(/^bad-config: .*num_hidden_layers is 1 but the weights hold a tensor of a layer past any real model/);
    });

    it('too large: over the memory budget, or a row wider than a binding', async () => {
      const m = await base();
      expect(await load(m.dir, { maxBytes: 4096 })).toMatch(/^too-large: .*need \d+\.\d MiB on the GPU but the budget is 0\.0 MiB/);
      expect(await load(m.dir, { maxBinding: 48 })).toMatch(/^too-large: model\.embed_tokens\.weight: one row is 64 bytes but the device binds at most 48 bytes/);
      const tiny = { ...ctx, maxBuffer: 32, maxBinding: 1 << 20 };
      expect(await failure(loadModel(tiny, dirSource(m.dir)))).toMatch(/^too-large: .*one row is 64 bytes but the device binds at most 32 bytes/);
    });
  });
});
