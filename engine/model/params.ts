// The tensors a Llama / Qwen2 checkpoint must hold, with their Hugging Face names and shapes,
// and the model's parameter count.
import type { ModelConfig } from './types.ts';

/** How a tensor is stored on the GPU: a WT matrix (row-split) or a small f32 vector (norm, bias). */
export type TensorKind = 'matrix' | 'vector';

export interface TensorSpec {
  name: string;
  shape: number[];
  kind: TensorKind;
}

export const layerPrefix = (i: number) => `model.layers.${i}.`;

/** Every tensor the model needs, in load order. lm_head.weight only when embeddings are untied. */
/** How many tensors expectedTensors(c) lists, computed without building them (a bound check before the list). */
export function expectedTensorCount(c: ModelConfig): number {
  const perLayer = 9 + (c.qkvBias ? 3 : 0);
  return 2 + c.layers * perLayer + (c.tieEmbeddings ? 0 : 1);
}

/** Tensors some checkpoints carry that the engine recomputes (RoPE inverse frequencies): neither required nor an error. */
export const IGNORED_TENSOR = /\.rotary_emb\.inv_freq$/;

export function expectedTensors(c: ModelConfig): TensorSpec[] {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  const out: TensorSpec[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hidden], kind: 'matrix' }];
  for (let i = 0; i < c.layers; i++) {
    const p = layerPrefix(i);
    out.push(
      { name: p + 'input_layernorm.weight', shape: [c.hidden], kind: 'vector' },
      { name: p + 'self_attn.q_proj.weight', shape: [q, c.hidden], kind: 'matrix' },
      { name: p + 'self_attn.k_proj.weight', shape: [kv, c.hidden], kind: 'matrix' },
      { name: p + 'self_attn.v_proj.weight', shape: [kv, c.hidden], kind: 'matrix' },
    );
    if (c.qkvBias) {
      out.push(
        { name: p + 'self_attn.q_proj.bias', shape: [q], kind: 'vector' },
        { name: p + 'self_attn.k_proj.bias', shape: [kv], kind: 'vector' },
        { name: p + 'self_attn.v_proj.bias', shape: [kv], kind: 'vector' },
      );
    }
    out.push(
      { name: p + 'self_attn.o_proj.weight', shape: [c.hidden, q], kind: 'matrix' },
      { name: p + 'post_attention_layernorm.weight', shape: [c.hidden], kind: 'vector' },
      { name: p + 'mlp.gate_proj.weight', shape: [c.intermediate, c.hidden], kind: 'matrix' },
      { name: p + 'mlp.up_proj.weight', shape: [c.intermediate, c.hidden], kind: 'matrix' },
      { name: p + 'mlp.down_proj.weight', shape: [c.hidden, c.intermediate], kind: 'matrix' },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [c.hidden], kind: 'vector' });
  if (!c.tieEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.hidden], kind: 'matrix' });
  return out;
}

/** Total element count of the model's tensors (a tied embedding counted once). */
export function countParameters(c: ModelConfig): number {
  let n = 0;
  for (const t of expectedTensors(c)) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}
