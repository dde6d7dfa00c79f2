// A GGUF file's model description in the terms the rest of the engine uses: its `<arch>.*` metadata as
// a Hugging Face config.json object (so parseConfig's checks and bounds apply unchanged), its tensor
// names as Hugging Face names, and llama's Q/K row order undone.
//
// GGUF names (llama.cpp's convert_hf_to_gguf.py / gguf-py tensor map) → HF names:
//   token_embd.weight → model.embed_tokens.weight        output_norm.weight → model.norm.weight
//   output.weight     → lm_head.weight (absent: tied embeddings)
//   blk.N.attn_norm   → model.layers.N.input_layernorm   blk.N.ffn_norm → …post_attention_layernorm
//   blk.N.attn_q/k/v  → …self_attn.q_proj/k_proj/v_proj (.weight, .bias)   blk.N.attn_output → …o_proj
//   blk.N.ffn_gate/up/down → …mlp.gate_proj/up_proj/down_proj
import { clipMiddle, describeName, ModelError } from './errors.ts';
import { describeMeta, type GgufHeader } from './gguf.ts';
import { ggmlTypeName } from './ggml-types.ts';
import type { TensorInfo, WeightIndex } from './safetensors.ts';
import { parseConfig } from './config.ts';
import type { Architecture, ModelConfig } from './types.ts';

/** general.architecture → the HF architecture it is loaded as. */
export const GGUF_ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
};

const LAYER_PARTS: Readonly<Record<string, string>> = {
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

const GLOBAL_NAMES: Readonly<Record<string, string>> = {
  'token_embd.weight': 'model.embed_tokens.weight',
  'output_norm.weight': 'model.norm.weight',
  'output.weight': 'lm_head.weight',
};

/** The HF name of a GGUF tensor, or undefined for a tensor no supported architecture has. */
export function hfTensorName(gguf: string): string | undefined {
  const g = GLOBAL_NAMES[gguf];
  if (g) return g;
  const m = /^blk\.(\d{1,6})\.([a-z_]+)\.(weight|bias)$/.exec(gguf);
  const part = m && LAYER_PARTS[m[2]!];
  return part ? `model.layers.${Number(m[1])}.${part}.${m[3]}` : undefined;
}

/** The GGUF name of an HF tensor name (the inverse of hfTensorName), or undefined. */
export function ggufTensorName(hf: string): string | undefined {
  for (const [g, h] of Object.entries(GLOBAL_NAMES)) if (h === hf) return g;
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf);
  const part = m && Object.keys(LAYER_PARTS).find((k) => LAYER_PARTS[k] === m[2]);
  return part ? `blk.${m[1]}.${part}.${m[3]}` : undefined;
}

/** The file's architecture name (general.architecture), checked to be one Fanout loads. */
export function ggufArchitecture(h: GgufHeader, file: string): { name: string; architecture: Architecture } {
  const where = clipMiddle(file);
  const name = h.metadata.get('general.architecture');
  if (typeof name !== 'string') {
    const what = name === undefined ? 'is missing' : `is ${describeMeta(name)}, not a name`;
    throw new ModelError('bad-config', `${where}: general.architecture ${what}; the file does not say what model it holds. Use a GGUF file converted by llama.cpp.`);
  }
  const architecture = Object.hasOwn(GGUF_ARCHITECTURES, name) ? GGUF_ARCHITECTURES[name] : undefined;
  if (!architecture) {
    throw new ModelError(
      'unsupported-architecture',
      `${where}: architecture ${describeName(name, 40)} is not supported; supported GGUF architectures: ${Object.keys(GGUF_ARCHITECTURES).join(', ')} (e.g. Qwen2.5-Coder, Llama 3, CodeLlama, DeepSeek-Coder).`,
    );
  }
  return { name, architecture };
}

/**
 * The metadata as a config.json object for parseConfig. Each value is checked in GGUF terms first (a
 * positive integer, a positive finite number, a token id), naming its GGUF key; parseConfig then applies
 * its bounds and consistency checks, its messages naming fields by their config.json names (`sourceOf`
 * gives the GGUF key behind each one for parseGgufConfig's message).
 */
export function ggufConfigJson(h: GgufHeader, file: string): { config: Record<string, unknown>; sourceOf: Record<string, string> } {
  const { name: arch, architecture } = ggufArchitecture(h, file);
  const where = clipMiddle(file);
  const m = h.metadata;
  const key = (k: string) => `${arch}.${k}`;
  const sourceOf: Record<string, string> = {};
  const config: Record<string, unknown> = { architectures: [architecture] };
  // Every number is checked here, in GGUF terms, before parseConfig bounds it: a GGUF value can be NaN,
  // infinite, a 64-bit integer past 2^53 or of another type, which config.json's messages do not describe.
  const bad = (ggufKey: string, problem: string) => new ModelError('bad-config', `${where}: ${ggufKey} ${problem}. Convert the model again or download another GGUF file.`);
  /** The value of an integer key (undefined when absent), a safe integer ≥ min. */
  const int = (ggufKey: string, min: number, should = 'a positive integer'): number | undefined => {
    const v = m.get(ggufKey);
    if (v === undefined) return undefined;
    if (typeof v === 'bigint' && v > 0n) throw bad(ggufKey, `is ${v}, larger than any model's`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw bad(ggufKey, `is ${describeMeta(v)}; it must be ${should}`);
    return v;
  };
  const put = (field: string, ggufKey: string, kind: 'int' | 'float') => {
    sourceOf[field] = ggufKey;
    const v = m.get(ggufKey);
    if (v === undefined) return;
    if (kind === 'int') config[field] = int(ggufKey, 1);
    else if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(ggufKey, `is ${describeMeta(v)}; it must be a positive number`);
    else config[field] = v;
  };
  put('hidden_size', key('embedding_length'), 'int');
  put('intermediate_size', key('feed_forward_length'), 'int');
  put('num_hidden_layers', key('block_count'), 'int');
  put('num_attention_heads', key('attention.head_count'), 'int');
  put('num_key_value_heads', key('attention.head_count_kv'), 'int');
  put('rope_theta', key('rope.freq_base'), 'float');
  put('rms_norm_eps', key('attention.layer_norm_rms_epsilon'), 'float');
  put('max_position_embeddings', key('context_length'), 'int');
  const keyLength = int(key('attention.key_length'), 1);
  const valueLength = int(key('attention.value_length'), 1);
  if (keyLength !== undefined) {
    if (valueLength !== undefined && valueLength !== keyLength) {
      throw new ModelError('bad-config', `${where}: ${key('attention.key_length')} (${keyLength}) differs from ${key('attention.value_length')} (${valueLength}); Fanout needs one head size.`);
    }
    config.head_dim = keyLength;
    sourceOf.head_dim = key('attention.key_length');
  }
  // The vocabulary: <arch>.vocab_size when given, else the tokenizer's token list, else the embedding's rows.
  const tokens = m.get('tokenizer.ggml.tokens');
  const embd = h.tensors.get('token_embd.weight');
  const vocabSize = int(key('vocab_size'), 1);
  if (vocabSize === undefined && Array.isArray(tokens) && tokens.length === 0) {
    throw new ModelError('bad-tokenizer', `${where}: tokenizer.ggml.tokens is empty; the file's tokenizer has no tokens. Download the file again or convert the model again.`);
  }
  config.vocab_size = vocabSize ?? (Array.isArray(tokens) ? tokens.length : embd?.shape[0]);
  sourceOf.vocab_size = vocabSize !== undefined || !Array.isArray(tokens) ? key('vocab_size') : 'the number of tokenizer.ggml.tokens';
  const scaling = m.get(key('rope.scaling.type'));
  if (scaling !== undefined && scaling !== 'none') {
    throw new ModelError('bad-config', `${where}: ${key('rope.scaling.type')} is ${describeMeta(scaling)}; RoPE scaling is not supported (only none). Use a model without it.`);
  }
  if (h.tensors.has('rope_freqs.weight')) config.rope_scaling = { type: 'llama3 (rope_freqs.weight)' };
  config.tie_word_embeddings = !h.tensors.has('output.weight');
  if (architecture === 'LlamaForCausalLM') config.attention_bias = h.tensors.has('blk.0.attn_q.bias');
  const tokenId = (k: string) => int(`tokenizer.ggml.${k}_token_id`, 0, 'a token id (an integer from 0)');
  const bos = tokenId('bos');
  if (bos !== undefined) config.bos_token_id = bos;
  // End of a sample: eos, and the end-of-turn / end-of-message tokens where the file names them.
  const ends = ['eos', 'eot', 'eom'].map(tokenId).filter((v) => v !== undefined);
  if (ends.length) config.eos_token_id = ends;
  config.torch_dtype = 'gguf';
  return { config, sourceOf };
}

/**
 * llama.cpp stores llama's Q and K projection rows permuted so that RoPE rotates neighbouring pairs
 * (convert_hf_to_gguf.py `permute`: rows of each head reshaped [2, headDim/2] and transposed), where HF
 * rotates the two halves of the head. Row `2j + s` of a head in the file is HF row `s * headDim/2 + j`.
 * Returns, for each HF row, the file row to read. Qwen2 files are not permuted (its converter keeps HF order).
 */
export function unpermuteRows(rows: number, heads: number): Int32Array {
  if (rows % heads !== 0 || (rows / heads) % 2 !== 0) throw new Error(`unpermuteRows: ${rows} rows do not split into ${heads} heads of even size`);
  const headDim = rows / heads;
  const half = headDim / 2;
  const out = new Int32Array(rows);
  for (let h = 0; h < heads; h++) {
    for (let s = 0; s < 2; s++) for (let j = 0; j < half; j++) out[h * headDim + s * half + j] = h * headDim + 2 * j + s;
  }
  return out;
}

/** The file's ModelConfig: parseConfig on ggufConfigJson, its messages naming the file and the GGUF keys. */
export function parseGgufConfig(h: GgufHeader, file: string): ModelConfig {
  const { config, sourceOf } = ggufConfigJson(h, file);
  const where = clipMiddle(file);
  try {
    return parseConfig(config);
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    let msg = e.message.replace(/^config\.json:? ?/, `${where}: `).replace(/Fix or re-download config\.json\./, 'Convert the model again or download another GGUF file.');
    for (const [field, ggufKey] of Object.entries(sourceOf)) msg = msg.replace(new RegExp(`\\b${field}\\b`, 'g'), ggufKey);
    throw new ModelError(e.code, msg);
  }
}

/** GGUF's plain float types as the loader's source dtypes; every other type is named by ggml's name. */
const GGUF_DTYPES: Readonly<Record<number, string>> = { 0: 'F32', 1: 'F16', 30: 'BF16' };

/**
 * The file's tensors under their HF names (tensors no architecture uses keep their GGUF name, so the
 * loader can name them), with dtypes as the loader spells them and, for llama's q/k projections, the
 * row order that undoes llama.cpp's permutation.
 */
export function ggufWeightIndex(h: GgufHeader, file: string, config: ModelConfig): WeightIndex {
  const tensors = new Map<string, TensorInfo>();
  const llama = config.architecture === 'LlamaForCausalLM';
  for (const t of h.tensors.values()) {
    const name = hfTensorName(t.name) ?? t.name;
    const info: TensorInfo = { name, file, dtype: GGUF_DTYPES[t.type] ?? ggmlTypeName(t.type), shape: t.shape, offset: t.offset, bytes: t.bytes };
    const qk = llama ? /\.self_attn\.(q|k)_proj\.(weight|bias)$/.exec(name) : null;
    if (qk && t.shape[0]! % (qk[1] === 'q' ? config.heads : config.kvHeads) === 0 && (t.shape[0]! / (qk[1] === 'q' ? config.heads : config.kvHeads)) % 2 === 0) {
      info.rowOrder = unpermuteRows(t.shape[0]!, qk[1] === 'q' ? config.heads : config.kvHeads);
    }
    tensors.set(name, info);
  }
  return { files: [file], tensors };
}
