import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testSeed } from '../gpu.ts';
import { writeRandomModel, type RandomModelOptions } from '../fixtures/make-model.ts';
import { applyRope, linear, referenceLogits, referenceLogprobs, rmsNorm, type RefTensor } from './forward64.ts';

const seed = testSeed();
const root = await mkdtemp(join(tmpdir(), 'fanout-ref-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const model = (o: Partial<RandomModelOptions>) =>
  writeRandomModel(join(root, String(n++)), { arch: 'llama', dtype: 'F32', hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 48, tie: false, seed, ...o });

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const ids = [309, 3, 70, 200, 12, 255, 1];

describe(`forward64 (seed ${seed})`, () => {
  it('GQA equals full multi-head attention with each kv head repeated for its query heads', async () => {
    const { config, tensors } = await model({ arch: 'qwen2', kvHeads: 2, heads: 4 });
    const D = config.headDim;
    const group = config.heads / config.kvHeads;
    const full = new Map(tensors);
    for (let l = 0; l < config.layers; l++) {
      for (const proj of ['k', 'v']) {
        for (const suffix of ['weight', 'bias']) {
          const name = `model.layers.${l}.self_attn.${proj}_proj.${suffix}`;
          const t = tensors.get(name)!;
          const rowLen = suffix === 'weight' ? config.hidden : 1;
          const data = new Float64Array(config.heads * D * rowLen);
          for (let h = 0; h < config.heads; h++) {
            const g = Math.floor(h / group);
            data.set(t.data.subarray(g * D * rowLen, (g + 1) * D * rowLen), h * D * rowLen);
          }
          full.set(name, { shape: suffix === 'weight' ? [config.heads * D, config.hidden] : [config.heads * D], data });
        }
      }
    }
    const a = referenceLogits(config, tensors, ids);
    const b = referenceLogits({ ...config, kvHeads: config.heads }, full, ids);
    for (let t = 0; t < ids.length; t++) expect(maxAbsDiff(a[t], b[t])).toBeLessThan(1e-12);
  });

  it('is causal: logits at t do not depend on tokens after t', async () => {
    const { config, tensors } = await model({});
    const a = referenceLogits(config, tensors, ids);
    const changed = [...ids.slice(0, 4), 100, 101, 102];
    const b = referenceLogits(config, tensors, changed);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(a[t], b[t])).toBe(0);
    expect(maxAbsDiff(a[4], b[4])).toBeGreaterThan(1e-3);
  });

  it('a single token attends only to itself: layer output = x + o(v(norm x)) + MLP, by hand', async () => {
    const { config: c, tensors } = await model({ layers: 1, arch: 'qwen2', tie: true });
    const g = (name: string) => tensors.get(name)!.data;
    const p = 'model.layers.0.';
    const id = 42;
    const x = g('model.embed_tokens.weight').slice(id * c.hidden, (id + 1) * c.hidden);
    const h = rmsNorm(x, 1, c.hidden, g(p + 'input_layernorm.weight'), c.rmsEps);
    const kv = c.kvHeads * c.headDim;
    const v = linear(h, 1, g(p + 'self_attn.v_proj.weight'), kv, c.hidden, g(p + 'self_attn.v_proj.bias'));
    const att = new Float64Array(c.heads * c.headDim); // each query head copies its kv head's v
    for (let hd = 0; hd < c.heads; hd++) att.set(v.subarray(Math.floor(hd / (c.heads / c.kvHeads)) * c.headDim, Math.floor(hd / (c.heads / c.kvHeads) + 1) * c.headDim), hd * c.headDim);
    const o = linear(att, 1, g(p + 'self_attn.o_proj.weight'), c.hidden, c.heads * c.headDim);
    const x1 = x.map((xi, i) => xi + o[i]);
    const h2 = rmsNorm(x1, 1, c.hidden, g(p + 'post_attention_layernorm.weight'), c.rmsEps);
    const gate = linear(h2, 1, g(p + 'mlp.gate_proj.weight'), c.intermediate, c.hidden);
    const up = linear(h2, 1, g(p + 'mlp.up_proj.weight'), c.intermediate, c.hidden);
    const act = gate.map((gi, i) => (gi / (1 + Math.exp(-gi))) * up[i]);
    const down = linear(act, 1, g(p + 'mlp.down_proj.weight'), c.hidden, c.intermediate);
    const x2 = x1.map((xi, i) => xi + down[i]);
    const logits = linear(rmsNorm(x2, 1, c.hidden, g('model.norm.weight'), c.rmsEps), 1, g('model.embed_tokens.weight'), c.vocabSize, c.hidden);
    expect(maxAbsDiff(referenceLogits(c, tensors, [id])[0], logits)).toBeLessThan(1e-12);
  });

  it('RoPE: rotates pairs (j, j+D/2) by pos·θ^(-2j/D); q·k depends only on the position difference', () => {
    const v = new Float64Array([1, 0.5, 0, 0]); // D = 4: pairs (0,2), (1,3)
    applyRope(v, 0, 4, 3, 100);
    expect(v[0]).toBeCloseTo(Math.cos(3), 12);
    expect(v[2]).toBeCloseTo(Math.sin(3), 12);
    expect(v[1]).toBeCloseTo(0.5 * Math.cos(0.3), 12); // θ_1 = 100^(-1/2)
    expect(v[3]).toBeCloseTo(0.5 * Math.sin(0.3), 12);
    const q = Float64Array.from({ length: 16 }, (_, i) => Math.sin(i + 1));
    const k = Float64Array.from({ length: 16 }, (_, i) => Math.cos(3 * i));
    const dotAt = (m: number, n: number) => {
      const a = q.slice();
      const b = k.slice();
      applyRope(a, 0, 16, m, 10000);
      applyRope(b, 0, 16, n, 10000);
      return a.reduce((s, ai, i) => s + ai * b[i], 0);
    };
    expect(dotAt(7, 3)).toBeCloseTo(dotAt(104, 100), 9);
    expect(dotAt(7, 3)).not.toBeCloseTo(dotAt(7, 4), 3);
  });

  it('roundWeightsToF16 is exact for F16-stored weights and a small change for F32 weights', async () => {
    const f16 = await model({ dtype: 'F16' });
    const a = referenceLogits(f16.config, f16.tensors, ids);
    const b = referenceLogits(f16.config, f16.tensors, ids, { roundWeightsToF16: true });
    for (let t = 0; t < ids.length; t++) expect(maxAbsDiff(a[t], b[t])).toBe(0);
    const f32 = await model({ dtype: 'F32', tie: true });
    const c = referenceLogits(f32.config, f32.tensors, ids);
    const d = referenceLogits(f32.config, f32.tensors, ids, { roundWeightsToF16: true });
    const diff = maxAbsDiff(c[ids.length - 1], d[ids.length - 1]);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(2e-2);
  });

  it('logits are spread but not saturated; logprobs normalise', async () => {
    const { config, tensors } = await model({ arch: 'qwen2', tie: true, dtype: 'BF16' });
    const lp = referenceLogprobs(config, tensors, ids);
    for (const row of lp) {
      expect(row.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 10);
      const max = Math.max(...row);
      expect(max).toBeLessThan(Math.log(0.9)); // not collapsed onto one token
      expect(max).toBeGreaterThan(Math.log(1 / config.vocabSize) + 0.5); // not uniform
    }
  });

  it('rejects tensors of the wrong shape and ids outside the vocabulary', async () => {
    const { config, tensors } = await model({ layers: 1 });
    expect(() => referenceLogits(config, tensors, [config.vocabSize])).toThrow(/outside the vocabulary/);
    const bad = new Map<string, RefTensor>(tensors);
    bad.set('model.norm.weight', { shape: [3], data: new Float64Array(3) });
    expect(() => referenceLogits(config, bad, [1])).toThrow(/model\.norm\.weight has shape \[3\]/);
  });
});
