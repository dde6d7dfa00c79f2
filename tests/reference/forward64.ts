// Float64 reference forward pass of a Llama / Qwen2 model, straight from the Hugging Face tensors:
// embedding; per layer: RMSNorm, q/k/v (+bias), RoPE (HF rotate-half), causal GQA attention, o_proj,
// residual, RMSNorm, SwiGLU MLP, residual; final RMSNorm; lm_head (or the tied embedding).
// Plain loops, no batching or KV cache: the GPU engine is tested against this.
import { roundToF16 } from '../../engine/gpu/f16.ts';
import type { ModelConfig } from '../../engine/model/types.ts';

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

export interface ReferenceOptions {
  /** Round every matrix (embedding, projections, lm_head) through f16, as an f16-storage GPU holds it.
   * Norm weights and biases stay as given (the GPU keeps them in f32). */
  roundWeightsToF16?: boolean;
}

/** Logits [vocab] for every position of `ids` (position t sees ids[0..t]). */
export function referenceLogits(config: ModelConfig, tensors: Map<string, RefTensor>, ids: number[], opts: ReferenceOptions = {}): Float64Array[] {
  const c = config;
  const f16Cache = new Map<string, Float64Array>();
  const get = (name: string, shape: number[], matrix: boolean): Float64Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`referenceLogits: tensor ${name} is missing`);
    if (t.shape.join() !== shape.join()) throw new Error(`referenceLogits: ${name} has shape [${t.shape}], expected [${shape}]`);
    if (!matrix || !opts.roundWeightsToF16) return t.data;
    let r = f16Cache.get(name);
    if (!r) f16Cache.set(name, (r = roundToF16(t.data)));
    return r;
  };
  const T = ids.length;
  const H = c.hidden;
  const D = c.headDim;
  const qDim = c.heads * D;
  const kvDim = c.kvHeads * D;

  const embed = get('model.embed_tokens.weight', [c.vocabSize, H], true);
  let x: Float64Array = new Float64Array(T * H); // residual stream [T, H]
  ids.forEach((id, t) => {
    if (!(id >= 0 && id < c.vocabSize)) throw new Error(`referenceLogits: token id ${id} is outside the vocabulary (0..${c.vocabSize - 1})`);
    x.set(embed.subarray(id * H, (id + 1) * H), t * H);
  });

  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}.`;
    const bias = (n: string, dim: number) => (c.qkvBias ? get(p + `self_attn.${n}_proj.bias`, [dim], false) : undefined);
    const h = rmsNorm(x, T, H, get(p + 'input_layernorm.weight', [H], false), c.rmsEps);
    const q = linear(h, T, get(p + 'self_attn.q_proj.weight', [qDim, H], true), qDim, H, bias('q', qDim));
    const k = linear(h, T, get(p + 'self_attn.k_proj.weight', [kvDim, H], true), kvDim, H, bias('k', kvDim));
    const v = linear(h, T, get(p + 'self_attn.v_proj.weight', [kvDim, H], true), kvDim, H, bias('v', kvDim));
    for (let t = 0; t < T; t++) {
      for (let hd = 0; hd < c.heads; hd++) applyRope(q, t * qDim + hd * D, D, t, c.ropeTheta);
      for (let g = 0; g < c.kvHeads; g++) applyRope(k, t * kvDim + g * D, D, t, c.ropeTheta);
    }
    const att = causalAttention(q, k, v, T, c.heads, c.kvHeads, D);
    const o = linear(att, T, get(p + 'self_attn.o_proj.weight', [H, qDim], true), H, qDim);
    for (let i = 0; i < x.length; i++) x[i] += o[i];

    const h2 = rmsNorm(x, T, H, get(p + 'post_attention_layernorm.weight', [H], false), c.rmsEps);
    const I = c.intermediate;
    const gate = linear(h2, T, get(p + 'mlp.gate_proj.weight', [I, H], true), I, H);
    const up = linear(h2, T, get(p + 'mlp.up_proj.weight', [I, H], true), I, H);
    for (let i = 0; i < gate.length; i++) gate[i] = silu(gate[i]) * up[i];
    const down = linear(gate, T, get(p + 'mlp.down_proj.weight', [H, I], true), H, I);
    for (let i = 0; i < x.length; i++) x[i] += down[i];
  }

  x = rmsNorm(x, T, H, get('model.norm.weight', [H], false), c.rmsEps);
  const head = c.tieEmbeddings ? embed : get('lm_head.weight', [c.vocabSize, H], true);
  const logits = linear(x, T, head, c.vocabSize, H);
  return Array.from({ length: T }, (_, t) => logits.slice(t * c.vocabSize, (t + 1) * c.vocabSize));
}

/** log-softmax of referenceLogits, per position. */
export function referenceLogprobs(config: ModelConfig, tensors: Map<string, RefTensor>, ids: number[], opts: ReferenceOptions = {}): Float64Array[] {
  return referenceLogits(config, tensors, ids, opts).map(logSoftmax);
}

export function logSoftmax(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return logits.map((v) => v - lse);
}

/** y[t] = x[t] / sqrt(mean(x[t]²) + eps) · w, x: [T, n]. */
export function rmsNorm(x: Float64Array, T: number, n: number, w: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(T * n);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[t * n + i] ** 2;
    const inv = 1 / Math.sqrt(ss / n + eps);
    for (let i = 0; i < n; i++) y[t * n + i] = x[t * n + i] * inv * w[i];
  }
  return y;
}

/** y = x Wᵀ + b; x: [T, inDim], W: [outDim, inDim] row-major, b: [outDim]. Returns [T, outDim]. */
export function linear(x: Float64Array, T: number, W: Float64Array, outDim: number, inDim: number, b?: Float64Array): Float64Array {
  const y = new Float64Array(T * outDim);
  for (let t = 0; t < T; t++) {
    const xo = t * inDim;
    for (let o = 0; o < outDim; o++) {
      const wo = o * inDim;
      let s = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) s += x[xo + i] * W[wo + i];
      y[t * outDim + o] = s;
    }
  }
  return y;
}

/**
 * Hugging Face rotary embedding (rotate-half) in place on one head vector v[off .. off+D) at position `pos`:
 * for j < D/2 with θ_j = pos · theta^(-2j/D): (v_j, v_{j+D/2}) ← (v_j cos θ_j − v_{j+D/2} sin θ_j, v_{j+D/2} cos θ_j + v_j sin θ_j).
 */
export function applyRope(v: Float64Array, off: number, D: number, pos: number, theta: number): void {
  const half = D / 2;
  for (let j = 0; j < half; j++) {
    const angle = pos * theta ** (-(2 * j) / D);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const a = v[off + j];
    const b = v[off + j + half];
    v[off + j] = a * cos - b * sin;
    v[off + j + half] = b * cos + a * sin;
  }
}

/** softmax(q kᵀ / √D) v with a causal mask; q: [T, heads·D], k, v: [T, kvHeads·D]; query head h reads kv head h / (heads/kvHeads). */
export function causalAttention(q: Float64Array, k: Float64Array, v: Float64Array, T: number, heads: number, kvHeads: number, D: number): Float64Array {
  const out = new Float64Array(T * heads * D);
  const group = heads / kvHeads;
  const scale = 1 / Math.sqrt(D);
  const scores = new Float64Array(T);
  for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / group);
    for (let t = 0; t < T; t++) {
      const qo = t * heads * D + h * D;
      let max = -Infinity;
      for (let s = 0; s <= t; s++) {
        const ko = s * kvHeads * D + g * D;
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[qo + d] * k[ko + d];
        scores[s] = dot * scale;
        max = Math.max(max, scores[s]);
      }
      let sum = 0;
      for (let s = 0; s <= t; s++) sum += scores[s] = Math.exp(scores[s] - max);
      for (let s = 0; s <= t; s++) {
        const w = scores[s] / sum;
        const vo = s * kvHeads * D + g * D;
        for (let d = 0; d < D; d++) out[qo + d] += w * v[vo + d];
      }
    }
  }
  return out;
}

const silu = (x: number) => x / (1 + Math.exp(-x));
