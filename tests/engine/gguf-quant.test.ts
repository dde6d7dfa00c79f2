// Quantized GGUF files, checked two ways at every position of a prompt (issue 11, part 3):
//  (a) Fanout's log-probabilities against the float64 reference forward pass (tests/reference/forward64.ts)
//      on the weights the file holds, dequantized by the formats' float64 references (engine/formats);
//  (b) llama.cpp itself on the same file (tools/llama-peer, node-llama-cpp 3.21.1, CPU backend).
// Models: random llama (GQA, untied) and qwen2 (q/k/v biases, tied), hidden 256 so every matrix row is
// whole K-quant super-blocks; files written as llama.cpp's converter lays them out (tests/fixtures/hf-to-gguf.ts)
// with matrices quantized by the formats' quantizers.
//
// Tolerances on max |Δ log p| over every position and vocabulary id:
//  (a) f32 storage 2e-3, f16 storage 3e-2 (the bounds). Fanout dequantizes in f32 registers, so
//      the f16 device differs only by its f16 KV cache and activations rounded where they are stored.
//  (b) per format (PEER_TOLERANCE): llama.cpp's CPU matmuls quantize the activations too (to Q8_0 blocks
//      of 32 for Q4_0 and Q8_0 weights, to Q8_K blocks of 256 for the K-quants), which neither Fanout nor
//      the reference does, so (b) is looser; the measured values are printed with each run.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../engine/engine.ts';
import { dirSource } from '../../engine/model/fs-source.ts';
import { Q4_K_M, randomModelToGguf, storedGgufTensors, type GgufTypes } from '../fixtures/hf-to-gguf.ts';
import { llamaLogprobs, requirePeer } from '../fixtures/llama-peer.ts';
import { writeRandomModel, type RandomModelOptions } from '../fixtures/make-model.ts';
import { testGpu, testSeed, rng } from '../gpu.ts';
import { logSoftmax, referenceLogprobs } from '../reference/forward64.ts';

const seed = testSeed();
const havePeer = requirePeer();
let root: string;
const engines: Partial<Record<'f16' | 'f32', Engine>> = {};
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-gguf-quant-'));
}, 120_000);
afterAll(async () => {
  for (const e of Object.values(engines)) e?.unload();
  if (root) await rm(root, { recursive: true, force: true });
});
const engine = async (kind: 'f16' | 'f32') => (engines[kind] ??= await Engine.create(await testGpu(kind)));

const LLAMA: Omit<RandomModelOptions, 'dtype' | 'seed'> = { arch: 'llama', hidden: 256, layers: 2, heads: 4, kvHeads: 2, intermediate: 512, tie: false };
const QWEN2: Omit<RandomModelOptions, 'dtype' | 'seed'> = { arch: 'qwen2', hidden: 256, layers: 2, heads: 4, kvHeads: 2, intermediate: 512, tie: true };

/** [label, model, types, llama.cpp tolerance] */
const CASES: [string, Omit<RandomModelOptions, 'dtype' | 'seed'>, GgufTypes, number][] = [
  ['Q8_0 llama', LLAMA, 'q8_0', 0.15],
  ['Q4_0 qwen2', QWEN2, 'q4_0', 0.3],
  ['Q4_K llama', LLAMA, 'q4_k', 0.3],
  ['Q5_K qwen2', QWEN2, 'q5_k', 0.3],
  ['Q6_K llama', LLAMA, 'q6_k', 0.3],
  ['Q4_K_M mix (Q4_K, Q6_K v/down/output) qwen2', QWEN2, Q4_K_M, 0.3],
];

const maxAbs = (a: Float64Array[], b: Float64Array[]) => {
  let m = 0;
  for (let t = 0; t < b.length; t++) for (let i = 0; i < b[t]!.length; i++) m = Math.max(m, Math.abs(a[t]![i]! - b[t]![i]!));
  return m;
};

describe(`quantized GGUF: Fanout vs float64 reference vs llama.cpp (seed ${seed})`, () => {
  CASES.forEach(([label, opts, types, peerTol], i) => {
    it(label, async () => {
      const dir = join(root, `hf-${i}`);
      const model = await writeRandomModel(dir, { ...opts, dtype: 'F32', seed: seed + i });
      const tokenizerJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
      const file = `m${i}.gguf`;
      await writeFile(join(root, file), randomModelToGguf(model, types, tokenizerJson));
      const r = rng(seed + 100 + i);
      const ids = Array.from({ length: 24 }, () => r.int(model.config.vocabSize));
      const want = referenceLogprobs(model.config, storedGgufTensors(model, types), ids);

      const got: Record<string, Float64Array[]> = {};
      for (const kind of ['f32', 'f16'] as const) {
        const e = await engine(kind);
        const info = await e.load({ ...dirSource(root), gguf: file });
        if (typeof types === 'string') expect(info.weights).toBe(`${types.toUpperCase()} 100%`);
        else expect(info.weights).toMatch(/^Q[46]_K \d+%, Q[46]_K \d+%$/);
        const L = await e.logits(ids);
        const V = model.config.vocabSize;
        got[kind] = ids.map((_, t) => logSoftmax(Float64Array.from(L.subarray(t * V, (t + 1) * V))));
        e.unload();
      }
      const errF32 = maxAbs(got.f32!, want);
      const errF16 = maxAbs(got.f16!, want);
      let peer = NaN;
      if (havePeer) peer = maxAbs(await llamaLogprobs(join(root, file), ids), want);
      console.log(`${label}: max |Δ log p| vs float64 reference: f32 ${errF32.toExponential(2)}, f16 ${errF16.toExponential(2)}; llama.cpp vs reference ${peer.toExponential(2)}`);
      expect(errF32, 'f32 storage vs reference').toBeLessThan(2e-3);
      expect(errF16, 'f16 storage vs reference').toBeLessThan(3e-2);
      if (havePeer) expect(peer, 'llama.cpp vs reference').toBeLessThan(peerTol);
    });
  });
});

