// The weight formats the engine holds on the GPU, in one table: adding one means its file
// (engine/formats/<name>.ts + shaders/formats/<name>.wgsl for quantized ones), a line here, and its tests
// (engine/formats/formats.test.ts, engine/kernels/matmul-quant.test.ts, embed-quant.test.ts).
import { BF16, F16, F32 } from './dense.ts';
import type { FormatName, WeightFormat } from './format.ts';
import { Q4_0 } from './q4_0.ts';
import { Q4_K } from './q4_k.ts';
import { Q5_K } from './q5_k.ts';
import { Q6_K } from './q6_k.ts';
import { Q8_0 } from './q8_0.ts';

export const FORMATS: Readonly<Record<FormatName, WeightFormat>> = { f32: F32, f16: F16, bf16: BF16, q8_0: Q8_0, q4_0: Q4_0, q4_k: Q4_K, q5_k: Q5_K, q6_k: Q6_K };

/** The quantized formats (blocks with scales), in the order messages list them. */
export const QUANTIZED: readonly WeightFormat[] = [Q8_0, Q6_K, Q5_K, Q4_K, Q4_0];

export const format = (name: FormatName): WeightFormat => FORMATS[name];

export const isQuantized = (f: WeightFormat) => f.wgsl !== undefined;

/** The format a GGUF tensor of ggml type `id` is held in on the GPU, or undefined (not supported). */
export function formatOfGgmlType(id: number): WeightFormat | undefined {
  for (const f of QUANTIZED) if (f.ggmlType === id) return f;
  return undefined;
}

/** A format named by a user (`--quantize q8_0`, `synthetic:…?weights=q4_k`), or undefined. */
export function formatByName(name: string): WeightFormat | undefined {
  return Object.hasOwn(FORMATS, name.toLowerCase()) ? FORMATS[name.toLowerCase() as FormatName] : undefined;
}

/** "Q8_0, Q6_K, Q5_K, Q4_K, Q4_0" for messages. */
export const quantizedNames = () => QUANTIZED.map((f) => f.ggmlName).join(', ');
