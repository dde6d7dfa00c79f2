#!/usr/bin/env node
// llama.cpp as an independent reference ("peer") for Fanout's tests: one JSON request on stdin, one JSON
// answer on stdout. llama.cpp runs through node-llama-cpp's prebuilt CPU binary (@node-llama-cpp/linux-x64,
// pinned in package.json); nothing is ever downloaded or built. See README.md for the formats.
//
//   request:  { "model": "/abs/path.gguf", "tokens"?: [ids], "text"?: string, "threads"?: 1, "contextSize"?: n }
//             { "model": "/abs/path.gguf", "info": true }
//   answer:   { "tokenized"?: [ids], "logprobs": [[...vocab]] }  |  { "info": {...} }  |  { "error": "..." } (exit 1)
//
// logprobs[t][v] = ln P(next token = v | tokens[0..t]), float64 values for every vocabulary id, computed by
// llama.cpp from its float32 logits. Tokens are used exactly as given: no BOS is added.
//
// How the full distribution is obtained. node-llama-cpp exposes no raw-logits call; the one way to read
// every position's distribution is LlamaContextSequence.controlledEvaluate with
// `[token, { generateNext: { probabilities: true } }]` for each input token. The addon
// (llama/addon/AddonContext.cpp, AddonSampler.cpp) then takes llama_get_logits_ith for that batch row,
// runs the sampler chain over ALL n_vocab candidates and returns softmax(candidate logits) for every
// candidate still present. With the default sampler options (temperature 0, no repeat penalty, no token
// bias) node-llama-cpp's chain is the greedy sampler alone: no top-k/top-p/min-p truncation and no
// temperature scaling, so the map holds all n_vocab probabilities softmax(logits) computed in float32
// (checked: its size must equal n_vocab at every position).
// We take ln p in float64 and renormalise in float64 (ln p_v − ln Σp), which removes the float32 sum's
// rounding; what is left is float32 rounding of exp and of p (≈1e-7 absolute on a log-prob).
// The float32 probabilities cannot represent ln p < ≈ −87.3 (p below FLT_MIN, subnormal or 0). Only when
// a position has such entries it is evaluated a second time with temperature T = 8 and topK 0 (= n_vocab),
// topP 1, minP 0 (no truncation: the chain is top-k(n_vocab) → top-p(1, a no-op) → temp → dist), which
// returns softmax(logits / T); for the underflowed ids, logit_v − logit_top = T·(ln p'_v − ln p'_top),
// added to the first pass's ln p_top. Entries below ≈ −8·87 nats are still unrepresentable: null.
//
// Numerics pinned here for a tight comparison: CPU only (gpu: false), flash attention off and an F32 KV
// cache (llama.cpp's defaults, an F16 KV cache and flash attention on the CPU, round K/V and the
// attention to f16: measured ≈3e-3 .. 6e-3 in log-probs on the test models, against ≈2e-6 with these
// settings), one thread unless the request says otherwise.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';

import { VERBOSE, loadLlama, answer } from './llama.mjs';

const FLT_MIN = 1.1754943508222875e-38;
const RETRY_TEMPERATURE = 8;

function readRequest() {
  let raw;
  try {
    raw = readFileSync(0, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the request from stdin: ${e.message}`);
  }
  let req;
  try {
    req = JSON.parse(raw);
  } catch (e) {
    throw new Error(`the request is not JSON: ${e.message}`);
  }
  if (!req || typeof req !== 'object' || Array.isArray(req)) throw new Error('the request must be a JSON object');
  if (typeof req.model !== 'string' || !isAbsolute(req.model)) throw new Error('"model" must be an absolute path to a .gguf file');
  let st;
  try {
    st = statSync(req.model);
  } catch {
    throw new Error(`model file not found: ${req.model}`);
  }
  if (!st.isFile()) throw new Error(`model path is not a file: ${req.model}`);
  if (req.tokens !== undefined && !(Array.isArray(req.tokens) && req.tokens.every((t) => Number.isInteger(t) && t >= 0)))
    throw new Error('"tokens" must be an array of non-negative integer token ids');
  if (req.text !== undefined && typeof req.text !== 'string') throw new Error('"text" must be a string');
  if (req.threads !== undefined && !(Number.isInteger(req.threads) && req.threads >= 1)) throw new Error('"threads" must be a positive integer');
  if (req.contextSize !== undefined && !(Number.isInteger(req.contextSize) && req.contextSize >= 1)) throw new Error('"contextSize" must be a positive integer');
  return req;
}

/** Full log-prob rows from controlledEvaluate outputs (Map<token, probability>, sorted by probability). */
function rowFromProbabilities(probs, nVocab) {
  const row = new Array(nVocab).fill(null);
  let sum = 0;
  for (const p of probs.values()) sum += p;
  const lnSum = Math.log(sum);
  let underflow = false;
  for (const [id, p] of probs) {
    if (p >= FLT_MIN) row[id] = Math.log(p) - lnSum;
    else underflow = true;
  }
  return { row, underflow };
}

async function main() {
  const req = readRequest();
  const t0 = performance.now();
  const { GgmlType } = await import('node-llama-cpp');
  const threads = req.threads ?? 1;
  const llama = await loadLlama(threads);

  const model = await llama.loadModel({ modelPath: req.model, gpuLayers: 0, useMmap: true });
  const metaVocab = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length;
  const out = {};

  const tokens = req.tokens ?? [];
  if (req.text !== undefined) out.tokenized = model.tokenize(req.text, true); // special tokens parsed, no BOS (add_special = false)
  const evalTokens = req.info ? [0] : tokens; // info: one token to read n_vocab as llama.cpp reports it
  const nVocabHint = metaVocab ?? Infinity;
  for (const id of evalTokens) if (id >= nVocabHint) throw new Error(`token id ${id} is outside the vocabulary (0..${nVocabHint - 1})`);

  let nVocab;
  const logprobs = [];
  if (evalTokens.length > 0) {
    const contextSize = req.contextSize ?? Math.max(32, evalTokens.length);
    if (evalTokens.length > contextSize) throw new Error(`${evalTokens.length} tokens do not fit contextSize ${contextSize}`);
    const context = await model.createContext({
      contextSize,
      batchSize: Math.min(contextSize, 512),
      sequences: 1,
      threads,
      flashAttention: false,
      experimentalKvCacheKeyType: 'F32',
      experimentalKvCacheValueType: 'F32',
      failedCreationRemedy: false,
    });
    const seq = context.getSequence();
    const first = await seq.controlledEvaluate(evalTokens.map((id) => [id, { generateNext: { probabilities: true } }]));
    const retry = [];
    for (let t = 0; t < evalTokens.length; t++) {
      const probs = first[t]?.next.probabilities;
      if (!probs) throw new Error(`llama.cpp returned no probabilities for position ${t}`);
      if (nVocab === undefined) nVocab = probs.size;
      if (probs.size !== nVocab) throw new Error(`position ${t}: ${probs.size} probabilities, expected ${nVocab} (truncated distribution)`);
      const { row, underflow } = rowFromProbabilities(probs, nVocab);
      logprobs.push(row);
      if (underflow) retry.push(t);
    }
    if (retry.length > 0) {
      // Second pass for positions whose tail underflowed float32 (see the header).
      await seq.clearHistory();
      const want = new Set(retry);
      const opts = { probabilities: true, options: { temperature: RETRY_TEMPERATURE, topK: 0, topP: 1, minP: 0, seed: 1 } };
      const second = await seq.controlledEvaluate(evalTokens.map((id, t) => (want.has(t) ? [id, { generateNext: opts }] : id)));
      for (const t of retry) {
        const probs = second[t]?.next.probabilities;
        if (!probs || probs.size !== nVocab) throw new Error(`position ${t}: the scaled second pass returned ${probs?.size} probabilities, expected ${nVocab}`);
        const [top, pTop] = probs.entries().next().value;
        const row = logprobs[t];
        if (row[top] === null) throw new Error(`position ${t}: the top token's probability underflowed`);
        for (const [id, p] of probs)
          if (row[id] === null && p >= FLT_MIN) row[id] = row[top] + RETRY_TEMPERATURE * (Math.log(p) - Math.log(pTop));
      }
    }
    await context.dispose();
  }

  if (req.info) {
    const meta = summarizeMetadata(model.fileInfo.metadata);
    const typeName = (t) => GgmlType[t] ?? String(t);
    out.info = {
      vocabSize: nVocab,
      architecture: model.fileInfo.metadata?.general?.architecture,
      description: model.typeDescription, // llama_model_desc
      nEmbd: model.embeddingVectorSize, // llama_model_n_embd
      trainContextSize: model.trainContextSize,
      vocabularyType: model.vocabularyType,
      tokens: { bos: model.tokens.bos, eos: model.tokens.eos, eot: model.tokens.eot, nl: model.tokens.nl, prefix: model.tokens.infill.prefix, middle: model.tokens.infill.middle, suffix: model.tokens.infill.suffix },
      shouldPrependBos: model.tokens.shouldPrependBosToken,
      sizeBytes: model.size,
      metadata: meta,
      tensors: (model.fileInfo.tensorInfo ?? []).map((t) => ({ name: t.name, type: typeName(t.ggmlType), ne: t.dimensions.map(Number) })),
      llamaCpp: { release: llama.llamaCppRelease.release, buildType: llama.buildType, gpu: llama.gpu, systemInfo: llama.systemInfo },
    };
  } else {
    out.logprobs = logprobs;
  }
  await model.dispose();
  await llama.dispose();
  if (VERBOSE) process.stderr.write(`[llama-peer] ${evalTokens.length} positions × ${nVocab ?? '?'} in ${(performance.now() - t0).toFixed(0)} ms\n`);
  return out;
}

/** GGUF metadata as node-llama-cpp reads it, with long arrays (tokens, merges) replaced by their length. */
function summarizeMetadata(value) {
  if (Array.isArray(value)) return value.length > 16 ? { arrayLength: value.length, first: value.slice(0, 4) } : value;
  if (typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarizeMetadata(v)]));
  return value;
}

answer(main);
