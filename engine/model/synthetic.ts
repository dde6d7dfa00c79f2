// Synthetic models for benchmarks: a Llama config with random weights generated on the GPU
// (no files, no CPU work for GBs of weights). Not for generating text.
import type { GpuContext } from '../gpu/context.ts';
import { createStorage } from '../gpu/buffers.ts';
import { encodeFillRandom } from '../kernels/fill.ts';
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
  /** Small and fast: for smoke runs and CI. */
  tiny: { ...base, vocabSize: 4096, hidden: 256, intermediate: 688, layers: 2, heads: 4, kvHeads: 4, headDim: 64, maxPositions: 32768 },
};

export function syntheticConfig(name: string): ModelConfig {
  const c = SYNTHETIC_MODELS[name];
  if (!c) throw new Error(`unknown synthetic model "${name}": use one of ${Object.keys(SYNTHETIC_MODELS).join(', ')}`);
  return c;
}

export function syntheticWeightBytes(c: ModelConfig, f16: boolean): number {
  const e = f16 ? 2 : 4;
  const perLayer = ((c.heads + 2 * c.kvHeads) * c.headDim * c.hidden + c.hidden * c.heads * c.headDim + 3 * c.intermediate * c.hidden) * e + 2 * c.hidden * 4;
  return c.layers * perLayer + (c.tieEmbeddings ? 1 : 2) * c.vocabSize * c.hidden * e + c.hidden * 4;
}

/** Random weights on the GPU: matrices uniform in ±1/sqrt(in), norm weights uniform in ±0.1 (timing only). */
export function syntheticWeights(ctx: GpuContext, c: ModelConfig, seed = 1): ModelWeights {
  const enc = ctx.device.createCommandEncoder({ label: 'synthetic weights' });
  const pass = enc.beginComputePass();
  let bytes = 0;
  let s = seed;
  const e = ctx.f16 ? 2 : 4;
  const linear = (out: number, inDim: number, label: string): Linear => {
    const rowsPerChunk = Math.max(1, Math.floor(ctx.maxBinding / (inDim * e)));
    const chunks: RowChunk[] = [];
    for (let r = 0; r < out; r += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, out - r);
      const buffer = createStorage(ctx, rows * inDim * e, `${label}[${r}]`);
      encodeFillRandom(ctx, pass, { buffer, count: rows * inDim, dtype: 'WT', seed: s++, scale: 1 / Math.sqrt(inDim) });
      chunks.push({ buffer, rowStart: r, rows, format: ctx.f16 ? 'f16' : 'f32' });
      bytes += rows * inDim * e;
    }
    return { outDim: out, inDim, chunks };
  };
  const norm = (label: string) => {
    const buffer = createStorage(ctx, c.hidden * 4, label);
    encodeFillRandom(ctx, pass, { buffer, count: c.hidden, dtype: 'f32', seed: s++, scale: 0.1 });
    bytes += c.hidden * 4;
    return buffer;
  };
  const embed = linear(c.vocabSize, c.hidden, 'embed');
  const layers = [];
  for (let l = 0; l < c.layers; l++) {
    layers.push({
      inputNorm: norm(`L${l}.inputNorm`),
      qkv: linear((c.heads + 2 * c.kvHeads) * c.headDim, c.hidden, `L${l}.qkv`),
      o: linear(c.hidden, c.heads * c.headDim, `L${l}.o`),
      postNorm: norm(`L${l}.postNorm`),
      gateUp: linear(2 * c.intermediate, c.hidden, `L${l}.gateUp`),
      down: linear(c.hidden, c.intermediate, `L${l}.down`),
    });
  }
  const finalNorm = norm('finalNorm');
  const lmHead = c.tieEmbeddings ? embed : linear(c.vocabSize, c.hidden, 'lmHead');
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
  return { embed, layers, finalNorm, lmHead, bytes };
}
