#!/usr/bin/env node
// llama.cpp timings for `fanout bench --peer llama.cpp`: one JSON request on stdin, one JSON answer on stdout.
//
//   request:  { "model": "/abs/path.gguf", "tokens": [prompt ids], "ns": [1, 32], "steps": 16, "threads"?: 2 }
//   answer:   { "llamaCpp": {...}, "threads": 2, "rows": [{ "n", "prefillMs", "copyMs", "msPerStep", "tokensPerSecond" }] }
//
// For each n: a context of n sequences (llama.cpp's defaults otherwise: this measures speed, not numerics);
// sequence 0 prefills the prompt but its last token (prefillMs); node-llama-cpp shares no prompt KV between
// sequences, so its state is copied into the others through a state file (copyMs; llama.cpp's own
// llama_memory_seq_cp is not exposed); then every sequence evaluates the last prompt token and samples
// `steps` tokens at once, batched into one llama_decode per step by node-llama-cpp (msPerStep = wall time /
// steps; tokensPerSecond = n · steps / wall time).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLlama, answer } from './llama.mjs';

function readRequest() {
  let req;
  try {
    req = JSON.parse(readFileSync(0, 'utf8'));
  } catch (e) {
    throw new Error(`the request is not JSON: ${e.message}`);
  }
  const ints = (v, min) => Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x >= min);
  if (typeof req?.model !== 'string') throw new Error('"model" must be the path of a .gguf file');
  if (!ints(req.tokens, 0) || req.tokens.length < 2) throw new Error('"tokens" must be the prompt: at least 2 token ids');
  if (!ints(req.ns, 1)) throw new Error('"ns" must be a list of sequence counts ≥ 1');
  if (!Number.isInteger(req.steps) || req.steps < 1) throw new Error('"steps" must be a positive integer');
  if (req.threads !== undefined && !(Number.isInteger(req.threads) && req.threads >= 1)) throw new Error('"threads" must be a positive integer');
  return req;
}

async function main() {
  const req = readRequest();
  const threads = req.threads ?? 1;
  const llama = await loadLlama(threads);
  const model = await llama.loadModel({ modelPath: req.model, gpuLayers: 0, useMmap: true });
  const prompt = req.tokens;
  const rows = [];
  const tmp = mkdtempSync(join(tmpdir(), 'fanout-peer-bench-'));
  try {
    for (const n of req.ns) {
      const perSeq = prompt.length + req.steps + 8;
      const context = await model.createContext({ contextSize: n * perSeq, sequences: n, batchSize: Math.max(n, Math.min(512, prompt.length)), threads, failedCreationRemedy: false });
      try {
        const seqs = Array.from({ length: n }, () => context.getSequence());
        let t = performance.now();
        await seqs[0].evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
        const prefillMs = performance.now() - t;
        t = performance.now();
        if (n > 1) {
          const file = join(tmp, `prompt-${n}.state`);
          await seqs[0].saveStateToFile(file);
          for (const s of seqs.slice(1)) await s.loadStateFromFile(file, { acceptRisk: true });
        }
        const copyMs = performance.now() - t;
        t = performance.now();
        await Promise.all(
          seqs.map(async (s, i) => {
            const it = s.evaluate([prompt[prompt.length - 1]], { temperature: 0.8, topP: 0.95, seed: 1 + i });
            for (let k = 0; k < req.steps; k++) {
              const r = await it.next();
              if (r.done) break;
            }
            await it.return();
          }),
        );
        const ms = performance.now() - t;
        rows.push({ n, promptTokens: prompt.length, prefillMs, copyMs, msPerStep: ms / req.steps, tokensPerSecond: (n * req.steps) / (ms / 1000) });
      } finally {
        await context.dispose();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const version = JSON.parse(readFileSync(new URL('./node_modules/node-llama-cpp/package.json', import.meta.url), 'utf8')).version;
  const out = { llamaCpp: { release: `node-llama-cpp ${version}, llama.cpp ${llama.llamaCppRelease.release}`, buildType: llama.buildType, gpu: llama.gpu }, threads, rows };
  await model.dispose();
  await llama.dispose();
  return out;
}

answer(main);
