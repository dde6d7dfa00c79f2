import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';
import { ModelError } from './errors.ts';

// Trimmed from the real Qwen/Qwen2.5-Coder-0.5B and a Llama-3.2-style config.json.
const qwen = {
  architectures: ['Qwen2ForCausalLM'],
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};
const llama = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009],
  head_dim: 64,
  hidden_act: 'silu',
  hidden_size: 2048,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 500000.0,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 128256,
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ModelError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return undefined;
}

describe('parseConfig', () => {
  it('reads a Qwen2 config (q/k/v biases always, GQA, tied)', () => {
    expect(parseConfig(qwen)).toEqual({
      architecture: 'Qwen2ForCausalLM',
      vocabSize: 151936,
      hidden: 896,
      intermediate: 4864,
      layers: 24,
      heads: 14,
      kvHeads: 2,
      headDim: 64,
      ropeTheta: 1e6,
      rmsEps: 1e-6,
      maxPositions: 32768,
      tieEmbeddings: true,
      qkvBias: true,
      bosTokenId: 151643,
      eosTokenIds: [151643],
      dtype: 'bfloat16',
    });
  });

  it('reads a Llama config with an eos list and explicit head_dim', () => {
    const c = parseConfig(llama);
    expect(c.architecture).toBe('LlamaForCausalLM');
    expect(c.eosTokenIds).toEqual([128001, 128008, 128009]);
    expect(c.bosTokenId).toBe(128000);
    expect(c.headDim).toBe(64);
    expect(c.qkvBias).toBe(false);
    expect(parseConfig({ ...llama, attention_bias: true }).qkvBias).toBe(true);
    expect(parseConfig({ ...llama, head_dim: 128 }).headDim).toBe(128);
  });

  it('applies the transformers defaults', () => {
    const minimal = { model_type: 'llama', vocab_size: 100, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 };
    const c = parseConfig(minimal);
    expect(c).toMatchObject({ architecture: 'LlamaForCausalLM', kvHeads: 4, headDim: 16, ropeTheta: 10000, rmsEps: 1e-6, maxPositions: 2048, tieEmbeddings: false, qkvBias: false, eosTokenIds: [] });
    expect(c.bosTokenId).toBeUndefined();
    expect(parseConfig({ ...minimal, model_type: 'qwen2' })).toMatchObject({ architecture: 'Qwen2ForCausalLM', qkvBias: true, maxPositions: 32768 });
    expect(parseConfig({ ...minimal, dtype: 'float16' }).dtype).toBe('float16');
  });

  it("accepts rope_scaling null or type 'default', rejects other types by name", () => {
    expect(parseConfig({ ...llama, rope_scaling: { rope_type: 'default' } }).ropeTheta).toBe(500000);
    expect(code(() => parseConfig({ ...llama, rope_scaling: { rope_type: 'llama3', factor: 32 } }))).toMatch(/^bad-config: .*rope_scaling type 'llama3' is not supported/);
    expect(code(() => parseConfig({ ...qwen, rope_scaling: { type: 'yarn', factor: 4 } }))).toMatch(/'yarn'/);
  });

  it('rejects unsupported architectures, naming the supported ones', () => {
    expect(code(() => parseConfig({ ...llama, architectures: ['MistralForCausalLM'], model_type: 'mistral' }))).toMatch(
      /^unsupported-architecture: .*'MistralForCausalLM'.*LlamaForCausalLM, Qwen2ForCausalLM/,
    );
    const { architectures: _a, model_type: _m, ...none } = qwen;
    expect(code(() => parseConfig(none))).toMatch(/^unsupported-architecture: config.json names no architecture/);
  });

  it('rejects malformed or unsupported configs with bad-config', () => {
    expect(code(() => parseConfig([1, 2]))).toMatch(/^bad-config: .*JSON object/);
    expect(code(() => parseConfig({ ...qwen, hidden_size: 'big' }))).toMatch(/^bad-config: .*hidden_size/);
    const { vocab_size: _v, ...noVocab } = qwen;
    expect(code(() => parseConfig(noVocab))).toMatch(/^bad-config: .*vocab_size/);
    expect(code(() => parseConfig({ ...qwen, num_key_value_heads: 3 }))).toMatch(/multiple of num_key_value_heads/);
    expect(code(() => parseConfig({ ...qwen, hidden_size: 900 }))).toMatch(/not divisible/);
    expect(code(() => parseConfig({ ...qwen, use_sliding_window: true }))).toMatch(/sliding-window/);
    expect(code(() => parseConfig({ ...llama, hidden_act: 'gelu' }))).toMatch(/hidden_act 'gelu'/);
    expect(code(() => parseConfig({ ...llama, mlp_bias: true }))).toMatch(/mlp_bias/);
  });

  // Found by the fuzz suite (tests/fuzz): messages name the field and the problem in a few words, whatever the file holds.
  it('says a field is missing (not zod\'s "received undefined"), and that 1e400 is too large (not "received Infinity")', () => {
    const { hidden_size: _h, ...noHidden } = qwen;
    expect(code(() => parseConfig(noHidden))).toMatch(/^bad-config: config\.json: hidden_size: is missing \(required\)\. Fix or re-download/);
    expect(code(() => parseConfig(JSON.parse(JSON.stringify(qwen).replace(/"hidden_size":\d+/, '"hidden_size":1e400'))))).toMatch(
      /hidden_size: is a number too large for JSON \(it reads as infinite\)/,
    );
    expect(code(() => parseConfig({ ...qwen, hidden_size: 'big' }))).not.toMatch(/undefined|Infinity/);
  });

  it('keeps messages short and quick: huge strings are clipped, a list of bad items gives a few issues, a huge list is refused at once', () => {
    const huge = 'A'.repeat(100_000);
    for (const [cfg, want] of [
      [{ ...llama, architectures: [huge], model_type: undefined }, /^unsupported-architecture: config\.json: architecture 'A{80}… \(100000 characters\)' is not supported/],
      [{ ...llama, hidden_act: huge }, /hidden_act 'A{40}… \(100000 characters\)' is not supported/],
      [{ ...llama, rope_scaling: { type: huge } }, /rope_scaling type 'A{40}… \(100000 characters\)' is not supported/],
      [{ ...llama, architectures: ['LlamaForCausalLM', ...new Array(1000).fill(7)] }, /architectures\.1: .*; and 996 more problems\. Fix or re-download/],
      // Longer lists are refused before zod (which would spend ~10 s on a million bad items).
      [{ ...llama, eos_token_id: new Array(1_000_000).fill(-1) }, /^bad-config: config\.json: eos_token_id lists 1000000 items; at most 1024 are supported/],
    ] as const) {
      const msg = code(() => parseConfig(cfg)) ?? "";
      expect(msg).toMatch(want);
      expect(msg.length).toBeLessThan(400);
    }
  });
});
