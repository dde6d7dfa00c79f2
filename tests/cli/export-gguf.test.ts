// `fanout export-gguf`: a Hugging Face folder written as GGUF (engine/model/gguf-export.ts) loads back
// into the same model in Fanout, and llama.cpp (tools/llama-peer) reads the bundled model's export with
// the same tokens and, at every position of real code, the same log-probabilities within its tolerance:
// the llama.cpp comparison on trained weights.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../engine/engine.ts';
import { dirSource } from '../../engine/model/fs-source.ts';
import { readGgufHeader } from '../../engine/model/gguf.ts';
import { llamaLogprobs, llamaTokenize, requirePeer } from '../fixtures/llama-peer.ts';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { testGpu } from '../gpu.ts';
import { logSoftmax } from '../reference/forward64.ts';
import { ensureBuilt, fanout } from './helpers.ts';

const havePeer = requirePeer();
let dir: string;
let engine: Engine;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-export-'));
  engine = await Engine.create(await testGpu('f32'));
}, 120_000);
afterAll(async () => {
  engine?.unload();
  await rm(dir, { recursive: true, force: true });
});

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** Per-position log-probs [t][vocab] from Fanout's logits. */
async function fanoutLogprobs(ids: number[]): Promise<Float64Array[]> {
  const V = engine.info!.vocab;
  const L = await engine.logits(ids);
  return ids.map((_, t) => logSoftmax(Float64Array.from(L.subarray(t * V, (t + 1) * V))));
}

const CODE = 'export function debounce<T extends (...args: any[]) => void>(fn: T, ms: number) {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  return (...args: Parameters<T>) => {\n';

describe('fanout export-gguf', () => {
  it('random llama (GQA, biases, head_dim ≠ hidden/heads) and qwen2 folders load back as the same model', async () => {
    for (const [arch, extra] of [
      ['llama', { headDim: 16, attentionBias: true, tie: false }],
      ['qwen2', { tie: true }],
    ] as const) {
      const hf = join(dir, `hf-${arch}`);
      await writeRandomModel(hf, { arch, dtype: 'F32', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, seed: 41, ...extra });
      const out = join(dir, `${arch}.gguf`);
      const r = await fanout(['export-gguf', '--model', hf, '--out', out, '--type', 'f32']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^wrote .*\.gguf: \d+ tensors, [\d.]+ MiB, weights F32\n$/);
      await engine.load(dirSource(hf));
      const ids = engine.tokenizer.encode(CODE);
      const want = await engine.logits(ids);
      await engine.load({ ...dirSource(dir), gguf: `${arch}.gguf` });
      expect(engine.tokenizer.encode(CODE)).toEqual(ids);
      expect(maxAbs(await engine.logits(ids), want), arch).toBeLessThan(1e-5);
    }
  });

  it('the bundled model as F16 and Q8_0: same tokens in llama.cpp, log-probs at every position within tolerance', async () => {
    for (const type of ['f16', 'q8_0'] as const) {
      const out = join(dir, `bundled-${type}.gguf`);
      const r = await fanout(['export-gguf', '--out', out, '--type', type]);
      expect(r.code, r.stderr).toBe(0);
      const h = await readGgufHeader(dirSource(dir), `bundled-${type}.gguf`);
      expect(h.metadata.get('general.architecture')).toBe('llama');
      expect(h.metadata.get('tokenizer.ggml.pre')).toBe('gpt-2');
      expect(h.metadata.get('tokenizer.ggml.fim_pre_token_id')).toBe(8189);
      expect(h.metadata.get('general.file_type')).toBe(type === 'f16' ? 1 : 7);
      const info = await engine.load({ ...dirSource(dir), gguf: `bundled-${type}.gguf` });
      expect(info.weights).toBe(type === 'f16' ? 'f16 100%' : 'Q8_0 100%'); // F16 stays f16 on any device
      const ids = engine.tokenizer.encode(CODE);
      const ours = await fanoutLogprobs(ids);
      if (!havePeer) continue;
      expect(await llamaTokenize(out, CODE)).toEqual(ids);
      const theirs = await llamaLogprobs(out, ids);
      // Over every vocabulary id (the far tail included), over the next tokens of the text (what scoring and
      // ranking read), and whether both pick the same most likely token.
      let all = 0;
      let next = 0;
      let sameTop = 0;
      const argmax = (a: ArrayLike<number>) => {
        let k = 0;
        for (let i = 1; i < a.length; i++) if (a[i]! > a[k]!) k = i;
        return k;
      };
      for (let t = 0; t < ids.length; t++) {
        all = Math.max(all, maxAbs(theirs[t]!, ours[t]!));
        if (t + 1 < ids.length) next = Math.max(next, Math.abs(theirs[t]![ids[t + 1]!]! - ours[t]![ids[t + 1]!]!));
        if (argmax(theirs[t]!) === argmax(ours[t]!)) sameTop++;
      }
      console.log(
        `bundled model ${type}, ${ids.length} positions: max |Δ log p| Fanout vs llama.cpp ${all.toExponential(2)} (all ${info.vocab} ids), ` +
          `${next.toExponential(2)} (next tokens); same top token at ${sameTop}/${ids.length}`,
      );
      // F16: llama.cpp rounds activations to f16 for F16 matmuls (tests/peer: ≤ 5e-3 on random models; 8e-3
      // measured here, 1.4e-2 with the v2 weights). Q8_0: it quantizes them to Q8_0 blocks of 32 (measured over
      // all ids, dominated by the far tail: 0.32 with the v1 weights, 0.61 with v2; on the next tokens 0.13 and
      // 0.10; the same top token at all but at most one position).
      expect(all).toBeLessThan(type === 'f16' ? 2e-2 : 0.9);
      expect(next).toBeLessThan(type === 'f16' ? 2e-2 : 0.25);
      expect(sameTop).toBeGreaterThanOrEqual(ids.length - (type === 'f16' ? 0 : 2));
    }
  });

  it('bad arguments are one clear line; a failed export leaves no file', async () => {
    const out = join(dir, 'x.gguf');
    expect((await fanout(['export-gguf', '--out', out, '--type', 'q3_k'])).stderr).toMatch(/^fanout: error: --type q3_k: use one of f32, f16, q8_0, q6_k, q5_k, q4_k, q4_0\.\n$/);
    expect((await fanout(['export-gguf', '--out', join(dir, 'x.bin')])).stderr).toMatch(/--out .*x\.bin: give a file name ending in \.gguf\./);
    await writeFile(out, 'exists');
    expect((await fanout(['export-gguf', '--out', out])).stderr).toMatch(/the file exists; pass --force to overwrite it\./);
    expect((await fanout(['export-gguf', '--model', join(dir, 'bundled-f16.gguf'), '--out', join(dir, 'y.gguf')])).stderr).toMatch(/already a GGUF file/);
    // A folder whose tokenizer llama.cpp could not name: refused before anything is written.
    const hf = join(dir, 'hf-odd');
    await writeRandomModel(hf, { arch: 'llama', dtype: 'F32', hidden: 32, layers: 1, heads: 2, kvHeads: 2, intermediate: 48, tie: true, seed: 3 });
    const tok = JSON.parse(readFileSync(join(hf, 'tokenizer.json'), 'utf8'));
    tok.pre_tokenizer = { type: 'Whitespace' };
    await writeFile(join(hf, 'tokenizer.json'), JSON.stringify(tok));
    const r = await fanout(['export-gguf', '--model', hf, '--out', join(dir, 'odd.gguf')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pre-tokenizer is not one llama\.cpp names/);
    expect(existsSync(join(dir, 'odd.gguf'))).toBe(false);
    expect(readFileSync(out, 'utf8')).toBe('exists');
  });
});

