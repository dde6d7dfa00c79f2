// The llama.cpp peer (tools/llama-peer via tests/fixtures/llama-peer.ts) against the float64 reference
// forward pass: random llama and qwen2 models, converted to F32 and F16 GGUF files the way
// convert_hf_to_gguf.py lays them out, must give llama.cpp per-position log-probabilities (every vocabulary
// id) equal to tests/reference/forward64.ts within the tolerances below. This proves the harness (exact ids,
// no BOS, full distributions, CPU backend) before other tests use llama.cpp as their judge.
//
// Tolerances, from 10 seeds × {llama, qwen2} (32 tokens, hidden 64, 2 layers, vocab 313; see the README):
// - F32 files: max |Δ log p| 1.4e-6 .. 3.4e-6 (float32 arithmetic). Bound 5e-5: a 15× margin for the other
//   CPU kernels ggml may pick on another machine (libggml-cpu-<arch>.so), and still 60× below the smallest
//   effect of rounding the weights to f16 (2.9e-3), which the negative control checks the bound resolves.
// - F16 files: 2.6e-3 .. 5.0e-3. ggml's CPU matmul with F16 weights converts its activations to F16 too
//   (vec_dot_type F16), which the reference (weights rounded, activations exact) does not model. A reference
//   that also rounds every matmul input to f16 comes to 1.3e-3 .. 2.4e-3 (f32 vs f64 values round to
//   different f16 neighbours near rounding midpoints), so the rest is that rounding. Bound 1.5e-2 (3×).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteDtype } from '../../engine/model/safetensors-write.ts';
import { Tokenizer } from '../../engine/tokenizer/index.ts';
import { randomModelToGguf } from '../fixtures/hf-to-gguf.ts';
import { llamaInfo, llamaLogprobs, llamaTokenize, requirePeer } from '../fixtures/llama-peer.ts';
import { writeRandomModel, type RandomModel, type RandomModelOptions } from '../fixtures/make-model.ts';
import { rng, testSeed } from '../gpu.ts';
import { referenceLogprobs } from '../reference/forward64.ts';

const TOLERANCE: Record<'F32' | 'F16', number> = { F32: 5e-5, F16: 1.5e-2 };
const SEQ_LEN = 32;

const seed = testSeed();
const havePeer = requirePeer();

const ARCH_OPTS: Record<'llama' | 'qwen2', Omit<RandomModelOptions, 'dtype' | 'seed'>> = {
  llama: { arch: 'llama', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, tie: false }, // GQA, untied lm_head
  qwen2: { arch: 'qwen2', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, tie: true }, // q/k/v biases, tied
};

/** max |a − b| over every position and vocabulary id, and over each position's reference top-1 token. */
function logprobDiff(got: Float64Array[], want: Float64Array[]): { all: number; top1: number } {
  let all = 0;
  let top1 = 0;
  for (let t = 0; t < want.length; t++) {
    const g = got[t]!;
    const w = want[t]!;
    expect(g.length).toBe(w.length);
    let top = 0;
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(g[i]! - w[i]!);
      if (!(d <= all)) all = Number.isNaN(d) ? Infinity : d;
      if (w[i]! > w[top]!) top = i;
    }
    top1 = Math.max(top1, Math.abs(g[top]! - w[top]!));
  }
  return { all, top1 };
}

describe.skipIf(!havePeer)(`llama.cpp peer vs the float64 reference (seed ${seed})`, () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fanout-peer-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function ggufModel(arch: 'llama' | 'qwen2', dtype: WriteDtype): Promise<{ file: string; model: RandomModel; tokenizerJson: unknown }> {
    const dir = join(root, `${arch}-${dtype}`);
    const model = await writeRandomModel(dir, { ...ARCH_OPTS[arch], dtype, seed });
    const tokenizerJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    const file = join(root, `${arch}-${dtype}.gguf`);
    await writeFile(file, randomModelToGguf(model, dtype, tokenizerJson));
    return { file, model, tokenizerJson };
  }

  for (const arch of ['llama', 'qwen2'] as const) {
    for (const dtype of ['F32', 'F16'] as const) {
      it(`${arch} ${dtype}: every position's full log-prob distribution`, async () => {
        const { file, model } = await ggufModel(arch, dtype);
        const r = rng(seed ^ 0x5eed);
        const ids = Array.from({ length: SEQ_LEN }, () => r.int(model.config.vocabSize));
        const t0 = performance.now();
        const got = await llamaLogprobs(file, ids);
        const ms = performance.now() - t0;
        expect(got.length).toBe(ids.length);
        // The stored F16 values are already f16; the rounding option documents that the reference holds them.
        const want = referenceLogprobs(model.config, model.tensors, ids, { roundWeightsToF16: dtype === 'F16' });
        const { all, top1 } = logprobDiff(got, want);
        console.log(`${arch} ${dtype}: max |Δ log p| = ${all.toExponential(2)} over ${ids.length} × ${model.config.vocabSize} (top-1 tokens: ${top1.toExponential(2)}); llama.cpp ${ms.toFixed(0)} ms`);
        expect(all).toBeLessThan(TOLERANCE[dtype]);
        if (dtype === 'F32') {
          // Negative control: the F32 bound is fine enough to see the weights rounded to f16.
          const rounded = logprobDiff(got, referenceLogprobs(model.config, model.tensors, ids, { roundWeightsToF16: true }));
          expect(rounded.all).toBeGreaterThan(10 * TOLERANCE.F32);
        }
      });
    }
  }

  it("log-probs below float32's exp range (< −87.3) come from the peer's scaled second pass", async () => {
    // lm_head × 20: logits spread over ~150 nats, so the float32 probabilities of the tail underflow and
    // logprobs.mjs re-reads those entries at temperature 8. Bound 2e-4: logits this large carry float32
    // rounding of ~1e-5 (measured max 4.0e-5 over 5 seeds).
    const dir = join(root, 'llama-wide');
    const model = await writeRandomModel(dir, { ...ARCH_OPTS.llama, dtype: 'F32', seed });
    const head = model.tensors.get('lm_head.weight')!;
    head.data = Float64Array.from(head.data, (v) => Math.fround(v * 20));
    const file = join(root, 'llama-wide.gguf');
    await writeFile(file, randomModelToGguf(model, 'F32', JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'))));
    const r = rng(seed ^ 0x7a11);
    const ids = Array.from({ length: 8 }, () => r.int(model.config.vocabSize));
    const got = await llamaLogprobs(file, ids);
    const want = referenceLogprobs(model.config, model.tensors, ids);
    let lowest = 0;
    for (const row of want) for (const v of row) lowest = Math.min(lowest, v);
    const { all } = logprobDiff(got, want);
    console.log(`wide logits: lowest log p ${lowest.toFixed(1)}, max |Δ log p| = ${all.toExponential(2)}`);
    expect(lowest).toBeLessThan(-87.4);
    expect(all).toBeLessThan(2e-4);
  });

  it("tokenizes like Fanout's tokenizer (special tokens parsed, no BOS) and reports the file as written", async () => {
    const { file, model, tokenizerJson } = await ggufModel('qwen2', 'F16');
    const text = 'def add(a, b):\n    return a + b\n\n<|fim_prefix|>for x in range(10):\n        if x == 1: continue<|fim_suffix|>}<|endoftext|>';
    const ids = await llamaTokenize(file, text);
    expect(ids).toEqual(Tokenizer.fromJSON(tokenizerJson).encode(text));
    expect(ids).toContain(model.config.eosTokenIds[0]);

    const info = await llamaInfo(file);
    expect(info).toMatchObject({ vocabSize: model.config.vocabSize, architecture: 'qwen2', nEmbd: 64, shouldPrependBos: false });
    expect(info.llamaCpp).toMatchObject({ buildType: 'prebuilt', gpu: false });
    expect(info.tensors.find((t) => t.name === 'blk.0.attn_q.weight')).toEqual({ name: 'blk.0.attn_q.weight', type: 'F16', ne: [64, 64] });
    expect(info.tensors.find((t) => t.name === 'blk.0.attn_q.bias')?.type).toBe('F32');
  });

  it('rejects a token id outside the vocabulary with a clear error', async () => {
    const { file, model } = await ggufModel('llama', 'F32');
    const V = model.config.vocabSize;
    await expect(llamaLogprobs(file, [1, V])).rejects.toThrow(`token id ${V} is outside the vocabulary (0..${V - 1})`);
  });
});
