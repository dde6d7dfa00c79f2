// What a model's weights are on the GPU: bytes per weight format, a one-line description for status
// lines ("Q4_K 71%, Q6_K 24%, f16 5%"), and the weight bytes a decode step reads (every layer matrix
// and the LM head once; the embedding only at the sampled rows, which is negligible and not counted).
import type { FormatName } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';
import { linearBytes } from '../kernels/linear.ts';
import type { Linear, ModelWeights } from './types.ts';

export interface WeightSummary {
  /** GPU bytes of the matrices per format (a tied embedding counted once) */
  byFormat: Partial<Record<FormatName, number>>;
  /** e.g. "Q4_K 71%, Q6_K 24%, f16 5%" (by bytes) */
  text: string;
  /** matrix bytes one decode step reads */
  bytesPerStep: number;
}

export function weightSummary(w: ModelWeights): WeightSummary {
  const layerLinears = w.layers.flatMap((l) => [l.qkv, l.o, l.gateUp, l.down]);
  const all: Linear[] = [...new Set([w.embed, w.lmHead, ...layerLinears])];
  const byFormat: Partial<Record<FormatName, number>> = {};
  let total = 0;
  for (const l of all) {
    for (const c of l.chunks) {
      const b = linearBytes({ ...l, chunks: [c] });
      byFormat[c.format] = (byFormat[c.format] ?? 0) + b;
      total += b;
    }
  }
  const text = (Object.entries(byFormat) as [FormatName, number][])
    .sort((a, b) => b[1] - a[1])
    .map(([f, b]) => `${FORMATS[f].wgsl ? FORMATS[f].ggmlName : f} ${Math.round((100 * b) / total)}%`)
    .join(', ');
  const bytesPerStep = [...layerLinears, w.lmHead].reduce((a, l) => a + linearBytes(l), 0);
  return { byFormat, text, bytesPerStep };
}
