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
    expect(await refusal([...llamaMeta(), ['llama.rope.scaling.type', str('yarn')]])).toMatch(/rope_scaling type 'yarn' is not supported/);
    expect(await refusal(llamaMeta(), ['token_embd.weight', 'rope_freqs.weight'])).toMatch(/rope_scaling type 'llama3 \(rope_freqs\.weight\)' is not supported/);
    expect(await refusal(llamaMeta().filter(([k]) => k !== 'general.architecture'))).toMatch(/general\.architecture is missing/);
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
