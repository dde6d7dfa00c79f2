// Shapes of a loaded model: its config (parsed from Hugging Face config.json) and its GPU weights.
import type { FormatName } from '../formats/format.ts';

export type Architecture = 'LlamaForCausalLM' | 'Qwen2ForCausalLM';
export type SourceDtype = 'F32' | 'F16' | 'BF16';

export interface ModelConfig {
  architecture: Architecture;
  vocabSize: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ropeTheta: number;
  rmsEps: number;
  /** Context window in tokens (max_position_embeddings). */
  maxPositions: number;
  tieEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2). */
  qkvBias: boolean;
  bosTokenId?: number;
  /** Tokens that end a sample (config eos_token_id, which may be a list). */
  eosTokenIds: number[];
  /** torch_dtype from config.json, informational. */
  dtype: string;
}

/**
 * A block of consecutive rows of a row-major matrix, in one GPU buffer (bytes ≤ maxStorageBufferBindingSize),
 * in one weight format (engine/formats/registry.ts: f32 / f16 elements, or quantized blocks in their GPU
 * layout, engine/formats/format.ts).
 */
export interface RowChunk {
  buffer: GPUBuffer;
  rowStart: number;
  rows: number;
  format: FormatName;
}

/**
 * A linear layer y = x Wᵀ + b with W: [outDim, inDim] (Hugging Face layout), split by output rows into
 * chunks that each fit one storage binding. The weight format belongs to each chunk, so a fused matrix
 * keeps each part's format (a Q4_K_M file's q/k in Q4_K and v in Q6_K make one qkv Linear).
 * bias: f32 [outDim] or undefined.
 */
export interface Linear {
  outDim: number;
  inDim: number;
  chunks: RowChunk[];
  bias?: GPUBuffer;
}

export interface LayerWeights {
  /** f32 [hidden] */
  inputNorm: GPUBuffer;
  /** fused q,k,v: W [(heads + 2·kvHeads)·headDim, hidden]; rows: q heads, then k heads, then v heads; bias likewise. */
  qkv: Linear;
  /** W [hidden, heads·headDim] */
  o: Linear;
  /** f32 [hidden] */
  postNorm: GPUBuffer;
  /** fused gate,up: W [2·intermediate, hidden]; rows 0..I-1 gate, I..2I-1 up. */
  gateUp: Linear;
  /** W [hidden, intermediate] */
  down: Linear;
}

export interface ModelWeights {
  /** token embedding [vocab, hidden] in WT, row-split */
  embed: Linear;
  layers: LayerWeights[];
  /** f32 [hidden] */
  finalNorm: GPUBuffer;
  /** [vocab, hidden]; the same object as `embed` when embeddings are tied */
  lmHead: Linear;
  /** bytes held on the GPU */
  bytes: number;
}
