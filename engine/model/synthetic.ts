// Synthetic models for benchmarks: a Llama config with random weights made on the device (dense
// weights filled by a GPU kernel, quantized ones tiled from a pool of random valid blocks), so no files
// and no CPU work for GBs of weights. Not for generating text.
//   synthetic:NAME            weights in the device's dense type (f16 with shader-f16, else f32)
//   synthetic:NAME?weights=F  matrices in weight format F (q8_0, q4_k, …; engine/formats/registry.ts);
//                             a matrix whose rows are not whole blocks of F stays dense, as llama.cpp does
import type { GpuContext } from '../gpu/context.ts';
import { createStorage, writeBuffer } from '../gpu/buffers.ts';
import { encodeFillRandom } from '../kernels/fill.ts';
import { chunkBytes, maxChunkRows, toGpuLayout, type FormatName, type WeightFormat } from '../formats/format.ts';
import { FORMATS, formatByName, quantizedNames } from '../formats/registry.ts';
import { randomBlocks } from '../formats/random-blocks.ts';
import type { Linear, ModelConfig, ModelWeights, RowChunk } from './types.ts';

const base = {
  architecture: 'LlamaForCausalLM' as const,
  ropeTheta: 10000,
  rmsEps: 1e-5,
  tieEmbeddings: false,
  qkvBias: false,
  eosTokenIds: [],
  dtype: 'float16',
};

export const SYNTHETIC_MODELS: Record<string, ModelConfig> = {
  /** A 2-layer slice of the paper's 7B multi-head model: same KV-to-weight byte ratio per layer. */
  'paper-7b-slice': { ...base, vocabSize: 32000, hidden: 4096, intermediate: 11008, layers: 2, heads: 32, kvHeads: 32, headDim: 128, maxPositions: 32768 },
  /** Qwen2.5-Coder-1.5B's shapes (28 layers, GQA 12/2, 151936-token vocabulary, tied embeddings, q/k/v biases). */
  'qwen2.5-coder-1.5b': { ...base, architecture: 'Qwen2ForCausalLM', vocabSize: 151936, hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, headDim: 128, maxPositions: 32768, tieEmbeddings: true, qkvBias: true, ropeTheta: 1e6, rmsEps: 1e-6 },
  /** Small and fast: for smoke runs and CI. */
  tiny: { ...base, vocabSize: 4096, hidden: 256, intermediate: 688, layers: 2, heads: 4, kvHeads: 4, headDim: 64, maxPositions: 32768 },
};

export interface SyntheticSpec {
  name: string;
  config: ModelConfig;
  /** quantized format of the matrices, or undefined for dense */
  weights?: FormatName;
}

/** Parses "NAME" or "NAME?weights=FORMAT" (the part after `synthetic:`); throws a message naming what is allowed. */
export function parseSynthetic(spec: string): SyntheticSpec {
  const [name, query] = spec.split('?', 2) as [string, string | undefined];
  const config = SYNTHETIC_MODELS[name];
  if (!config) throw new Error(`unknown synthetic model "${name}": use one of ${Object.keys(SYNTHETIC_MODELS).join(', ')}`);
  if (query === undefined) return { name, config };
  const m = /^weights=([a-z0-9_]+)$/i.exec(query);
  const f = m ? formatByName(m[1]!) : undefined;
  if (!m || !f) throw new Error(`"${spec}": after "?" give weights=FORMAT, FORMAT one of f16, f32, ${quantizedNames().toLowerCase()}`);
  return { name: spec, config, weights: f.wgsl ? f.name : undefined };
}

export function syntheticConfig(name: string): ModelConfig {
  return parseSynthetic(name).config;
}

/** Blocks tiled from one pool per format (timing does not depend on the values). */
const POOL_BLOCKS = 4096;

/** Random weights on the GPU: matrices ~uniform in ±1/sqrt(in) (dense) or random blocks (quantized), norms in ±0.1. */
export function syntheticWeights(ctx: GpuContext, c: ModelConfig, seed = 1, weights?: FormatName): ModelWeights {
  const enc = ctx.device.createCommandEncoder({ label: 'synthetic weights' });
  const pass = enc.beginComputePass();
  let bytes = 0;
  let s = seed;
  const dense: FormatName = ctx.f16 ? 'f16' : 'f32';
  const quant = weights ? FORMATS[weights] : undefined;
  let pool: Uint8Array | undefined;
  const quantChunk = (f: WeightFormat, buffer: GPUBuffer, nBlocks: number) => {
    if (!pool) {
      let r = seed >>> 0;
      pool = randomBlocks(f, POOL_BLOCKS, () => ((r = (Math.imul(r, 1664525) + 1013904223) >>> 0) / 2 ** 32));
    }
    // In pieces of at most 64K blocks, so no chunk is ever built whole on the CPU.
    const piece = 65536;
    const tiled = new Uint8Array(Math.min(piece, nBlocks) * f.blockBytes);
    for (let at = 0; at < tiled.length; at += pool.length) tiled.set(pool.subarray(0, Math.min(pool.length, tiled.length - at)), at);
    const layout = toGpuLayout(f, tiled, tiled.length / f.blockBytes);
    // GPU layout of nBlocks: bodies then d values (split formats); write each region from the tiled piece.
    const bodyPer = f.blockBytes - (f.splitD !== undefined ? 2 : 0);
    const n0 = tiled.length / f.blockBytes;
    for (let b = 0; b < nBlocks; b += n0) {
      const k = Math.min(n0, nBlocks - b);
      writeBuffer(ctx, buffer, b * bodyPer, layout.subarray(0, k * bodyPer));
      if (f.splitD !== undefined) writeBuffer(ctx, buffer, nBlocks * bodyPer + b * 2, layout.subarray(n0 * bodyPer, n0 * bodyPer + k * 2));
    }
  };
  const linear = (out: number, inDim: number, label: string): Linear => {
    const format = quant && inDim % quant.blockSize === 0 ? quant.name : dense;
    const f = FORMATS[format];
    const rowsPerChunk = Math.max(1, maxChunkRows(f, inDim, ctx.maxBinding));
    const chunks: RowChunk[] = [];
    for (let r = 0; r < out; r += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, out - r);
      const size = chunkBytes(f, rows, inDim);
      const buffer = createStorage(ctx, size, `${label}[${r}] ${format}`);
      if (f.wgsl) quantChunk(f, buffer, (rows * inDim) / f.blockSize);
      else encodeFillRandom(ctx, pass, { buffer, count: rows * inDim, dtype: 'WT', seed: s++, scale: 1 / Math.sqrt(inDim) });
      chunks.push({ buffer, rowStart: r, rows, format });
      bytes += size;
    }
    return { outDim: out, inDim, chunks };
  };
  const vec = (n: number, label: string, scale: number) => {
    const buffer = createStorage(ctx, n * 4, label);
    encodeFillRandom(ctx, pass, { buffer, count: n, dtype: 'f32', seed: s++, scale });
    bytes += n * 4;
    return buffer;
  };
  const embed = linear(c.vocabSize, c.hidden, 'embed');
  const qkvDim = (c.heads + 2 * c.kvHeads) * c.headDim;
  const layers = [];
  for (let l = 0; l < c.layers; l++) {
    const qkv = linear(qkvDim, c.hidden, `L${l}.qkv`);
    if (c.qkvBias) qkv.bias = vec(qkvDim, `L${l}.qkvBias`, 0.1);
    layers.push({
      inputNorm: vec(c.hidden, `L${l}.inputNorm`, 0.1),
      qkv,
      o: linear(c.hidden, c.heads * c.headDim, `L${l}.o`),
      postNorm: vec(c.hidden, `L${l}.postNorm`, 0.1),
      gateUp: linear(2 * c.intermediate, c.hidden, `L${l}.gateUp`),
      down: linear(c.hidden, c.intermediate, `L${l}.down`),
    });
  }
  const finalNorm = vec(c.hidden, 'finalNorm', 0.1);
  const lmHead = c.tieEmbeddings ? embed : linear(c.vocabSize, c.hidden, 'lmHead');
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  return { embed, layers, finalNorm, lmHead, bytes };
}
