import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGguf, type Meta } from '../../tests/fixtures/gguf-writer.ts';
import { ModelError } from './errors.ts';
import { dirSource } from './fs-source.ts';
import { readGgufHeader } from './gguf.ts';
import { hfTensorName, parseGgufConfig, unpermuteRows } from './gguf-config.ts';

const dir = await mkdtemp(join(tmpdir(), 'fanout-gguf-config-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;

const u32 = (value: number): Meta => ({ type: 'u32', value });
const f32 = (value: number): Meta => ({ type: 'f32', value });
const str = (value: string): Meta => ({ type: 'string', value });

function llamaMeta(arch = 'llama'): [string, Meta][] {
  return [
    ['general.architecture', str(arch)],
    [`${arch}.embedding_length`, u32(64)],
    [`${arch}.feed_forward_length`, u32(96)],
    [`${arch}.block_count`, u32(2)],
    [`${arch}.attention.head_count`, u32(4)],
    [`${arch}.attention.head_count_kv`, u32(2)],
    [`${arch}.rope.freq_base`, f32(500_000)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(1e-5)],
    [`${arch}.context_length`, u32(8192)],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: Array.from({ length: 100 }, (_, i) => `t${i}`) }],
    ['tokenizer.ggml.bos_token_id', u32(1)],
    ['tokenizer.ggml.eos_token_id', u32(2)],
    ['tokenizer.ggml.eot_token_id', u32(3)],
  ];
}

async function header(metadata: [string, Meta][], tensorNames: string[] = ['token_embd.weight']) {
  const file = `c${n++}.gguf`;
  await writeFile(join(dir, file), writeGguf({ metadata, tensors: tensorNames.map((name) => ({ name, type: 0, ne: [4], data: new Uint8Array(16) })) }));
  return readGgufHeader(dirSource(dir), file);
}

async function refusal(metadata: [string, Meta][], tensorNames?: string[]): Promise<string> {
  const h = await header(metadata, tensorNames);
  try {
    parseGgufConfig(h, 'x.gguf');
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return `${(e as ModelError).code}: ${(e as Error).message}`;
  }
  throw new Error('expected a refusal');
}

describe('parseGgufConfig', () => {
  it('llama: hyper-parameters from llama.* keys, tied embeddings without output.weight, eos and eot both end a sample', async () => {
    const c = parseGgufConfig(await header(llamaMeta()), 'x.gguf');
    expect(c).toMatchObject({
      architecture: 'LlamaForCausalLM',
      hidden: 64,
      intermediate: 96,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      headDim: 16,
      ropeTheta: 500_000,
      maxPositions: 8192,
      vocabSize: 100,
      tieEmbeddings: true,
      qkvBias: false,
      bosTokenId: 1,
      eosTokenIds: [2, 3],
    });
    expect(c.rmsEps).toBeCloseTo(1e-5, 10);
    expect(parseGgufConfig(await header(llamaMeta(), ['token_embd.weight', 'output.weight']), 'x.gguf').tieEmbeddings).toBe(false);
  });

  it('qwen2: q/k/v biases, head size from key_length', async () => {
    const meta = llamaMeta('qwen2').filter(([k]) => k !== 'qwen2.attention.head_count');
    meta.push(['qwen2.attention.head_count', u32(2)], ['qwen2.attention.key_length', u32(32)], ['qwen2.attention.value_length', u32(32)]);
    const c = parseGgufConfig(await header(meta), 'x.gguf');
    expect(c).toMatchObject({ architecture: 'Qwen2ForCausalLM', qkvBias: true, heads: 2, headDim: 32 });
  });

  it('refuses what it cannot load, naming the GGUF key', async () => {
    expect(await refusal(llamaMeta('gemma2'))).toMatch(/^unsupported-architecture: x\.gguf: architecture 'gemma2' is not supported; supported GGUF architectures: llama, qwen2/);
    expect(await refusal(llamaMeta().filter(([k]) => k !== 'llama.block_count'))).toMatch(/^bad-config: x\.gguf: llama\.block_count: is missing \(required\)\. Convert the model again/);
    expect(await refusal([...llamaMeta(), ['llama.rope.scaling.type', str('yarn')]])).toMatch(/^bad-config: x\.gguf: llama\.rope\.scaling\.type is 'yarn'; RoPE scaling is not supported \(only none\)\. Use a model without it\.$/);
    expect(await refusal(llamaMeta(), ['token_embd.weight', 'rope_freqs.weight'])).toMatch(/rope_scaling type 'llama3 \(rope_freqs\.weight\)' is not supported/);
    expect(await refusal(llamaMeta().filter(([k]) => k !== 'general.architecture'))).toMatch(/general\.architecture is missing/);
  });

  it('checks every number in GGUF terms: NaN and infinities, negative and 64-bit values, other types, named by their key', async () => {
    const set = (key: string, m: Meta) => [...llamaMeta().filter(([k]) => k !== key), [key, m]] as [string, Meta][];
    const f64 = (value: number): Meta => ({ type: 'f64', value });
    const tail = ' Convert the model again or download another GGUF file.';
    expect(await refusal(set('llama.rope.freq_base', f32(NaN)))).toBe(`bad-config: x.gguf: llama.rope.freq_base is not a finite number; it must be a positive number.${tail}`);
    expect(await refusal(set('llama.attention.layer_norm_rms_epsilon', f64(-Infinity)))).toMatch(/layer_norm_rms_epsilon is not a finite number; it must be a positive number/);
    expect(await refusal(set('llama.block_count', f32(Infinity)))).toMatch(/llama\.block_count is not a finite number; it must be a positive integer/);
    expect(await refusal(set('llama.block_count', f32(2.5)))).toMatch(/llama\.block_count is 2\.5; it must be a positive integer/);
    expect(await refusal(set('llama.feed_forward_length', { type: 'i64', value: -(2n ** 62n) }))).toBe(`bad-config: x.gguf: llama.feed_forward_length is -4611686018427387904; it must be a positive integer.${tail}`);
    expect(await refusal(set('llama.context_length', { type: 'u64', value: 2n ** 63n }))).toMatch(/llama\.context_length is 9223372036854775808, larger than any model's\./);
    expect(await refusal(set('llama.attention.head_count', { type: 'array', of: 'i32', value: [4, 4] }))).toMatch(/llama\.attention\.head_count is an array of 2 items; it must be a positive integer/);
    expect(await refusal(set('llama.embedding_length', str('64')))).toMatch(/llama\.embedding_length is '64'; it must be a positive integer/);
    expect(await refusal(set('tokenizer.ggml.eos_token_id', { type: 'i32', value: -1 }))).toMatch(/tokenizer\.ggml\.eos_token_id is -1; it must be a token id \(an integer from 0\)/);
    expect(await refusal(set('tokenizer.ggml.eot_token_id', { type: 'bool', value: true }))).toMatch(/tokenizer\.ggml\.eot_token_id is a bool \(true\); it must be a token id/);
    expect(await refusal(set('llama.attention.key_length', { type: 'u32', value: 0 }))).toMatch(/llama\.attention\.key_length is 0; it must be a positive integer/);
    // Integers stored as floats are integers still; the bounds stay parseConfig's, under the GGUF key.
    expect(parseGgufConfig(await header(set('llama.block_count', f64(2))), 'x.gguf').layers).toBe(2);
    expect(await refusal(set('llama.attention.head_count', u32(5000)))).toMatch(/llama\.attention\.head_count: must be at most 1024/);
    expect(await refusal(set('tokenizer.ggml.tokens', { type: 'array', of: 'string', value: [] }))).toMatch(/^bad-tokenizer: x\.gguf: tokenizer\.ggml\.tokens is empty/);
  });

  it("names from the file are quoted only when they are printable, and never Object.prototype's", async () => {
    const set = (key: string, m: Meta) => [...llamaMeta().filter(([k]) => k !== key), [key, m]] as [string, Meta][];
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect(await refusal(set('general.architecture', str(name)))).toMatch(new RegExp(`^unsupported-architecture: x\\.gguf: architecture '${name}' is not supported`));
    }
    const secret = 'root:x:0:0:root:/root:/bin/bash\nfanout-secret';
    const arch = await refusal(set('general.architecture', str(secret)));
    expect(arch).toMatch(/architecture a name of 45 characters with control characters is not supported/);
    const rope = await refusal([...llamaMeta(), ['llama.rope.scaling.type', str(secret)]]);
    expect(rope).toMatch(/llama\.rope\.scaling\.type is a name of 45 characters with control characters; RoPE scaling is not supported/);
    expect(await refusal(set('general.architecture', { type: 'u32', value: 1 }))).toMatch(/general\.architecture is 1, not a name; the file does not say what model it holds/);
    for (const m of [arch, rope]) expect(m).not.toContain('root:x');
    // A long path is shortened in the middle.
    const long = `/home/${'d'.repeat(400)}/model.gguf`;
    let msg = '';
    try {
      parseGgufConfig(await header(set('llama.block_count', u32(0))), long);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^\/home\/d+….*model\.gguf \(\d+ characters\): llama\.block_count is 0/);
    expect(msg.length).toBeLessThan(300);
  });
});

describe('hfTensorName', () => {
  it('maps GGUF names to HF names and nothing else', () => {
    expect(hfTensorName('token_embd.weight')).toBe('model.embed_tokens.weight');
    expect(hfTensorName('output.weight')).toBe('lm_head.weight');
    expect(hfTensorName('blk.11.attn_q.bias')).toBe('model.layers.11.self_attn.q_proj.bias');
    expect(hfTensorName('blk.0.ffn_down.weight')).toBe('model.layers.0.mlp.down_proj.weight');
    expect(hfTensorName('blk.0.ffn_norm.weight')).toBe('model.layers.0.post_attention_layernorm.weight');
    for (const bad of ['blk.0.attn_qkv.weight', 'blk.x.attn_q.weight', 'rope_freqs.weight', 'blk.0.attn_q.weight.extra']) expect(hfTensorName(bad)).toBeUndefined();
  });
});

describe('unpermuteRows', () => {
  it("undoes llama.cpp's permute (convert_hf_to_gguf.py), written here as its reshape and swapaxes", () => {
    for (const [heads, headDim] of [[1, 2], [4, 8], [3, 16]] as const) {
      const rows = heads * headDim;
      // permute(w, n_head): w.reshape(n_head, 2, headDim/2, cols).swapaxes(1, 2).reshape(rows, cols):
      // file row (h, j, s) in C order = HF row (h, s, j).
      const fileToHf = new Int32Array(rows);
      for (let h = 0; h < heads; h++) for (let j = 0; j < headDim / 2; j++) for (let s = 0; s < 2; s++) fileToHf[h * headDim + j * 2 + s] = h * headDim + s * (headDim / 2) + j;
      const hfToFile = unpermuteRows(rows, heads);
      for (let r = 0; r < rows; r++) expect(fileToHf[hfToFile[r]!]).toBe(r);
    }
    expect(() => unpermuteRows(12, 4)).toThrow(/even size/);
  });
});
