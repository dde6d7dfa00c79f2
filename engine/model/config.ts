// Parses a Hugging Face config.json (LlamaForCausalLM, Qwen2ForCausalLM) into ModelConfig.
// Defaults follow transformers' LlamaConfig / Qwen2Config.
import { z } from 'zod';
import { clip, ModelError } from './errors.ts';
import type { Architecture, ModelConfig } from './types.ts';

export const SUPPORTED_ARCHITECTURES: readonly Architecture[] = ['LlamaForCausalLM', 'Qwen2ForCausalLM'];
const MODEL_TYPES: Record<string, Architecture> = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM' };

const posInt = z.number().int().positive();
/**
 * Upper bounds on every size in config.json, far above any model this engine can run (Llama-3-405B:
 * 126 layers, hidden 16384, 128 heads; vocabularies up to ~260k; contexts up to 1M), so a hostile or
 * corrupted file cannot make the loader build millions of per-layer specs or huge buffers before the
 * weights are compared with it (load.ts compares the tensor count first).
 */
export const CONFIG_LIMITS = {
  vocab_size: 1 << 21,
  hidden_size: 1 << 16,
  intermediate_size: 1 << 18,
  num_hidden_layers: 1024,
  num_attention_heads: 1024,
  num_key_value_heads: 1024,
  head_dim: 1024,
  max_position_embeddings: 1 << 22,
} as const;
const bounded = (key: keyof typeof CONFIG_LIMITS) =>
  posInt.max(CONFIG_LIMITS[key], `must be at most ${CONFIG_LIMITS[key]} (larger than any model this engine can run)`);
const tokenId = z.number().int().nonnegative();

const ConfigSchema = z.looseObject({
  architectures: z.array(z.string()).optional(),
  model_type: z.string().optional(),
  vocab_size: bounded('vocab_size'),
  hidden_size: bounded('hidden_size'),
  intermediate_size: bounded('intermediate_size'),
  num_hidden_layers: bounded('num_hidden_layers'),
  num_attention_heads: bounded('num_attention_heads'),
  num_key_value_heads: bounded('num_key_value_heads').nullish(),
  head_dim: bounded('head_dim').nullish(),
  rope_theta: z.number().positive().nullish(),
  rms_norm_eps: z.number().positive().nullish(),
  max_position_embeddings: bounded('max_position_embeddings').nullish(),
  tie_word_embeddings: z.boolean().nullish(),
  attention_bias: z.boolean().nullish(),
  mlp_bias: z.boolean().nullish(),
  hidden_act: z.string().nullish(),
  use_sliding_window: z.boolean().nullish(),
  rope_scaling: z.looseObject({ type: z.string().optional(), rope_type: z.string().optional() }).nullish(),
  bos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
});

const bad = (msg: string) => new ModelError('bad-config', `config.json: ${msg}`);

export function parseConfig(json: unknown): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw bad('expected a JSON object; the file is not a Hugging Face model config.');
  }
  const raw = json as { architectures?: unknown; model_type?: unknown };
  const architecture = detectArchitecture(raw);
  // zod reports every bad item of a list (one issue each, ~10 µs apiece): a 3 MB list of bad items would
  // stall the host for seconds before the message is cut to MAX_ISSUES. Real lists hold a few items.
  for (const key of ['architectures', 'eos_token_id', 'bos_token_id'] as const) {
    const v = (json as Record<string, unknown>)[key];
    if (Array.isArray(v) && v.length > MAX_LIST) throw bad(`${key} lists ${v.length} items; at most ${MAX_LIST} are supported. Fix or re-download config.json.`);
  }
  const parsed = ConfigSchema.safeParse(json);
  if (!parsed.success) throw bad(`${describeIssues(json, parsed.error.issues)}. Fix or re-download config.json.`);
  const c = parsed.data;

  const heads = c.num_attention_heads;
  const kvHeads = c.num_key_value_heads ?? heads;
  if (heads % kvHeads !== 0) throw bad(`num_attention_heads (${heads}) must be a multiple of num_key_value_heads (${kvHeads}).`);
  if (c.head_dim == null && c.hidden_size % heads !== 0) {
    throw bad(`hidden_size (${c.hidden_size}) is not divisible by num_attention_heads (${heads}) and head_dim is not given.`);
  }
  const headDim = c.head_dim ?? c.hidden_size / heads;
  if (headDim % 2 !== 0) throw bad(`head_dim ${headDim} is odd; rotary embeddings need an even head dimension.`);

  const scaling = c.rope_scaling ? (c.rope_scaling.rope_type ?? c.rope_scaling.type ?? 'default') : 'default';
  if (scaling !== 'default') {
    throw bad(`rope_scaling type '${clip(scaling, 40)}' is not supported (supported: none or 'default'); use a model without RoPE scaling.`);
  }
  if (c.hidden_act != null && c.hidden_act !== 'silu') throw bad(`hidden_act '${clip(c.hidden_act, 40)}' is not supported (only 'silu').`);
  if (c.mlp_bias) throw bad('mlp_bias: true is not supported (MLP projections must have no bias).');
  if (c.use_sliding_window) throw bad('use_sliding_window: true is not supported (sliding-window attention); use a model with full attention.');

  const isQwen = architecture === 'Qwen2ForCausalLM';
  const eos = c.eos_token_id == null ? [] : Array.isArray(c.eos_token_id) ? c.eos_token_id : [c.eos_token_id];
  const bos = Array.isArray(c.bos_token_id) ? c.bos_token_id[0] : (c.bos_token_id ?? undefined);
  return {
    architecture,
    vocabSize: c.vocab_size,
    hidden: c.hidden_size,
    intermediate: c.intermediate_size,
    layers: c.num_hidden_layers,
    heads,
    kvHeads,
    headDim,
    ropeTheta: c.rope_theta ?? 10000,
    rmsEps: c.rms_norm_eps ?? 1e-6,
    maxPositions: c.max_position_embeddings ?? (isQwen ? 32768 : 2048),
    tieEmbeddings: c.tie_word_embeddings ?? false,
    qkvBias: isQwen ? true : (c.attention_bias ?? false),
    ...(bos !== undefined ? { bosTokenId: bos } : {}),
    eosTokenIds: [...new Set(eos)],
    dtype: c.torch_dtype ?? c.dtype ?? 'float32',
  };
}

/** Issues shown in a message at most; a list of bad items gives one issue per item. */
const MAX_ISSUES = 4;
/** Longest list config.json may give for architectures or token ids. */
const MAX_LIST = 1024;

/**
 * zod's issues as "field: problem" for the message: a missing field says so (zod says "received
 * undefined"), a number too large for a double (1e400 parses as Infinity) says that, and only the first
 * few issues are listed.
 */
function describeIssues(json: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const at = (path: readonly PropertyKey[]): unknown => {
    let v = json;
    for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    return v;
  };
  const shown = issues.slice(0, MAX_ISSUES).map((i) => {
    const field = i.path.map(String).join('.') || '(root)';
    const value = at(i.path);
    if (value === undefined) return `${field}: is missing (required)`;
    if (typeof value === 'number' && !Number.isFinite(value)) return `${field}: is a number too large for JSON (it reads as infinite)`;
    return `${field}: ${i.message}`;
  });
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more problems` : '';
  return shown.join('; ') + more;
}

function detectArchitecture(raw: { architectures?: unknown; model_type?: unknown }): Architecture {
  const first = Array.isArray(raw.architectures) && typeof raw.architectures[0] === 'string' ? raw.architectures[0] : undefined;
  if (first && (SUPPORTED_ARCHITECTURES as readonly string[]).includes(first)) return first as Architecture;
  const type = typeof raw.model_type === 'string' ? raw.model_type : undefined;
  if (type && MODEL_TYPES[type]) return MODEL_TYPES[type];
  const found = first ?? type;
  throw new ModelError(
    'unsupported-architecture',
    found
      ? `config.json: architecture '${clip(found)}' is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(', ')} (model_type llama, qwen2).`
      : `config.json names no architecture (no "architectures" or "model_type"); supported: ${SUPPORTED_ARCHITECTURES.join(', ')}.`,
  );
}
