// Float64 reference forward pass of a Llama / Qwen2 model, straight from the Hugging Face tensors:
// embedding; per layer: RMSNorm, q/k/v (+bias), RoPE (HF rotate-half), causal GQA attention, o_proj,
// residual, RMSNorm, SwiGLU MLP, residual; final RMSNorm; lm_head (or the tied embedding).
// Plain loops, no batching or KV cache: the GPU engine is tested against this.
// Optionally (ReferenceOptions.activations, .ties) each matmul first converts its input rows as llama.cpp's
// CPU backend does, so that llama.cpp can be held to it tightly on quantized files.
import { f16ToF32, f32ToF16, roundToF16 } from '../../engine/gpu/f16.ts';
import type { ModelConfig } from '../../engine/model/types.ts';

export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

export interface ReferenceOptions {
  /** Round every matrix (embedding, projections, lm_head) through f16, as an f16-storage GPU holds it.
   * Norm weights and biases stay as given (the GPU keeps them in f32). */
  roundWeightsToF16?: boolean;
  /**
   * For each matrix (HF name; a tied lm_head is 'model.embed_tokens.weight'), how its matmul's input rows are
   * converted before the dot products, as ggml's CPU backend converts them to its weight type's vec_dot_type
   * (see ggmlActivations); undefined: used exactly. The default leaves every input exact.
   */
  activations?: (hfWeightName: string) => ActivationType | undefined;
  /** With `activations`: the q8_0 / q8_K rounding decisions near a tie, reported and optionally taken the other way. */
  ties?: ActivationTies;
}

/**
 * The rounding decisions of quantized activations (q8_0 / q8_K) that float32 arithmetic may take the other
 * way. llama.cpp's float32 activations differ from these float64 ones by ~1e-7 of their block's amax; a value
 * that close to a rounding midpoint rounds apart, which moves one input by a whole quantization step. That
 * moves the position's later activations by far more than 1e-7, so more of their decisions differ, and
 * through attention the later positions' too: ~5e-2 in log p, as much as quantizing the activations does at
 * all. A tight comparison with llama.cpp must take the same decisions (tests/engine/gguf-quant.test.ts
 * searches for them).
 * A near tie is named `${site} t${t} x${i}` (element i of the input row at position t rounded to q = round(v),
 * v = x·127/amax or x·iscale; i is the row's first element of that value, which names its copies too) or
 * `${site} t${t} d${b}` (q8_0 block b's d = amax/127 rounded to f16), where
 * site is the first matrix (HF name) that reads the input: q/k/v and gate/up share theirs, as ggml converts
 * the same input identically for each of them.
 */
export interface ActivationTies {
  /**
   * A decision that a change of x (or of amax) below `margin` · amax would turn is a near tie (amax: its block's
   * largest magnitude; float32 rounding errors scale with the row, not with the small values).
   */
  margin: number;
  /** Near ties to decide the other way (the other integer, or the f16 on the other side). */
  flip?: ReadonlySet<string>;
  /** Filled in with every near tie met: name → its position t and `distance`, the change that turns it, / amax. */
  found?: Map<string, { t: number; distance: number }>;
}

/**
 * ggml's vec_dot_types: what the CPU backend turns a matmul's f32 input into for a weight type. Q8_0 for
 * Q4_0 and Q8_0 weights, Q8_K for the K-quants, F16 for F16 weights (F32 weights take F32: no conversion).
 */
export type ActivationType = 'q8_0' | 'q8_K' | 'f16';

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
  // Each input's conversion to each type, made once: q/k/v (gate/up) share one input and so its near ties.
  const converted = new Map<Float64Array, Map<ActivationType, Float64Array>>();
  const convert = (x: Float64Array, site: string, inDim: number, type: ActivationType) => {
    const byType = converted.get(x) ?? new Map<ActivationType, Float64Array>();
    converted.set(x, byType);
    let y = byType.get(type);
    if (!y) {
      const ties = opts.ties;
      const decide = ties && {
        margin: ties.margin,
        flip: (t: number, what: string, distance: number) => {
          const key = `${site} t${t} ${what}`;
          ties.found?.set(key, { t, distance });
          return ties.flip?.has(key) ?? false;
        },
      };
      byType.set(type, (y = ggmlActivations(x, T, inDim, type, decide)));
    }
    return y;
  };
  // x Wᵀ (+ b) for the matrix `name` [outDim, inDim]; x: [T, inDim], converted first as opts.activations says.
  const matmul = (x: Float64Array, name: string, outDim: number, inDim: number, b?: Float64Array) => {
    const type = opts.activations?.(name);
    return linear(type ? convert(x, name, inDim, type) : x, T, get(name, [outDim, inDim], true), outDim, inDim, b);
  };

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
    const q = matmul(h, p + 'self_attn.q_proj.weight', qDim, H, bias('q', qDim));
    const k = matmul(h, p + 'self_attn.k_proj.weight', kvDim, H, bias('k', kvDim));
    const v = matmul(h, p + 'self_attn.v_proj.weight', kvDim, H, bias('v', kvDim));
    for (let t = 0; t < T; t++) {
      for (let hd = 0; hd < c.heads; hd++) applyRope(q, t * qDim + hd * D, D, t, c.ropeTheta);
      for (let g = 0; g < c.kvHeads; g++) applyRope(k, t * kvDim + g * D, D, t, c.ropeTheta);
    }
    const att = causalAttention(q, k, v, T, c.heads, c.kvHeads, D);
    const o = matmul(att, p + 'self_attn.o_proj.weight', H, qDim);
    for (let i = 0; i < x.length; i++) x[i] += o[i];

    const h2 = rmsNorm(x, T, H, get(p + 'post_attention_layernorm.weight', [H], false), c.rmsEps);
    const I = c.intermediate;
    const gate = matmul(h2, p + 'mlp.gate_proj.weight', I, H);
    const up = matmul(h2, p + 'mlp.up_proj.weight', I, H);
    for (let i = 0; i < gate.length; i++) gate[i] = silu(gate[i]) * up[i];
    const down = matmul(gate, p + 'mlp.down_proj.weight', H, I);
    for (let i = 0; i < x.length; i++) x[i] += down[i];
  }

  x = rmsNorm(x, T, H, get('model.norm.weight', [H], false), c.rmsEps);
  const headName = c.tieEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const logits = matmul(x, headName, c.vocabSize, H);
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

/**
 * x [T, n] as ggml's CPU backend converts a matmul's input rows to `type` (the weight type's vec_dot_type;
 * quantize_row_q8_0 / quantize_row_q8_K in ggml-cpu, written here from their definitions), returned
 * dequantized: the integer dot products ggml then takes, times the block scales, equal these values' dot
 * products with the weights (up to its float32 sums, which float64 here leaves out).
 * - q8_0: blocks of 32; d = amax/127 is stored as f16 and the dot products use that f16; q = round(x·127/amax)
 *   (ggml's x86 path multiplies by 127/amax and rounds half to even); x̂ = f16(d)·q.
 * - q8_K: blocks of 256 (n a multiple of 256); max = the signed value of largest magnitude (the first one),
 *   iscale = −127/max, q = min(127, nearest_int(iscale·x)) (half to even), d = 1/iscale stored as float32;
 *   x̂ = d·q.
 * - f16: each value rounded to f16 (through f32, as ggml converts f32 activations), nearest even.
 * `ties` (q8_0 / q8_K): each rounding decision that a change of x (or of amax) below margin · amax would turn
 * is passed to flip(t, what, distance) (what: `x${i}` or `d${block}`, see ActivationTies), which says whether
 * to take it the other way.
 */
export function ggmlActivations(
  x: Float64Array,
  T: number,
  n: number,
  type: ActivationType,
  ties?: { margin: number; flip: (t: number, what: string, distance: number) => boolean },
): Float64Array {
  if (type === 'f16') return roundToF16(x);
  const QK = type === 'q8_0' ? 32 : 256;
  if (n % QK !== 0) throw new Error(`ggmlActivations: a row of ${n} is not a whole number of ${type} blocks of ${QK}`);
  const y = new Float64Array(T * n);
  for (let b = 0; b < (T * n) / QK; b++) {
    const o = b * QK;
    const t = Math.floor(o / n);
    let max = 0; // the signed value of largest magnitude
    for (let j = 0; j < QK; j++) if (Math.abs(x[o + j]) > Math.abs(max)) max = x[o + j];
    if (max === 0) continue; // an all-zero block: d = 0, q = 0
    let d: number;
    let scale: number; // v = x · scale is rounded to q
    if (type === 'q8_0') {
      const amax = Math.abs(max);
      const h = f32ToF16(amax / 127);
      d = f16ToF32(h);
      if (ties) {
        // The f16 on the other side of amax/127, and how far amax/127 is from their midpoint.
        const other = f16ToF32(amax / 127 > d ? h + 1 : h - 1);
        const distance = Math.abs(amax / 127 - (d + other) / 2) / (amax / 127);
        if (distance < ties.margin && ties.flip(t, `d${(o % n) / QK}`, distance)) d = other;
      }
      scale = 127 / amax;
    } else {
      scale = -127 / max;
      d = Math.fround(1 / scale);
    }
    for (let j = 0; j < QK; j++) {
      const v = x[o + j] * scale;
      let q = roundHalfEven(v);
      if (ties) {
        const distance = Math.abs(v - (Math.floor(v) + 0.5)) / 127; // |v| = 127 at amax
        if (distance < ties.margin) {
          // Named by the row's first element of this value: equal values round alike (at position 0 the heads of
          // a GQA group all attend to the one value row, so the o_proj input holds each value `group` times).
          const first = x.subarray(t * n, (t + 1) * n).indexOf(x[o + j]);
          if (ties.flip(t, `x${first}`, distance)) q = v > q ? q + 1 : q - 1;
        }
      }
      y[o + j] = d * Math.min(127, q);
    }
  }
  return y;
}

/** Round to the nearest integer, ties to even (ggml's nearest_int and _mm256_round_ps). */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +∞
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
