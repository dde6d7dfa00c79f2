// Builds compute pipelines from WGSL in shaders/, with a preamble that fixes storage types:
//   WT = weight element type, KT = KV-cache element type (f16 when the device has shader-f16, else f32).
// Activations are always f32. Extra compile-time constants are appended as `const NAME = value;`.
import type { GpuContext } from './context.ts';

export type ShaderConsts = Record<string, number | boolean>;

/**
 * The lines before `source`: the storage aliases (only when the code uses WT, KT or f16: a kernel that
 * reads its weights as u32 words, like the matmuls, then compiles to the same code on f16 and f32
 * devices, and a driver's shader cache serves both) and the consts.
 */
export function preamble(ctx: GpuContext, consts: ShaderConsts = {}, source = 'WT'): string {
  const usesTypes = /\b(WT|KT|f16)\b/.test(source.replace(/\/\/.*$/gm, ''));
  const lines = !usesTypes ? [] : ctx.f16 ? ['enable f16;', 'alias WT = f16;', 'alias KT = f16;'] : ['alias WT = f32;', 'alias KT = f32;'];
  for (const [k, v] of Object.entries(consts)) {
    if (typeof v === 'boolean') lines.push(`const ${k} = ${v};`);
    else if (Number.isInteger(v)) lines.push(`const ${k} = ${v}u;`);
    else lines.push(`const ${k} = ${v};`);
  }
  return lines.join('\n') + '\n';
}

const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** A compute pipeline for `source` (entry point `main` unless given), cached per device. */
export function computePipeline(ctx: GpuContext, label: string, source: string, consts: ShaderConsts = {}, entryPoint = 'main'): GPUComputePipeline {
  const code = preamble(ctx, consts, source) + source;
  let m = cache.get(ctx.device);
  if (!m) cache.set(ctx.device, (m = new Map()));
  const key = entryPoint + '\0' + code;
  let p = m.get(key);
  if (!p) {
    const module = ctx.device.createShaderModule({ label, code });
    p = ctx.device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint } });
    m.set(key, p);
  }
  return p;
}

/** A bind group for group 0 of `pipeline`, binding i ← entries[i]. */
export function bindGroup(ctx: GpuContext, pipeline: GPUComputePipeline, entries: (GPUBuffer | GPUBufferBinding)[], label?: string): GPUBindGroup {
  return ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: entries.map((e, i) => ({ binding: i, resource: 'buffer' in e ? e : { buffer: e } })),
  });
}

/** Runs `fn` inside validation + out-of-memory error scopes and throws the first error as an Error. */
export async function checked<T>(ctx: GpuContext, what: string, fn: () => T): Promise<T> {
  ctx.device.pushErrorScope('out-of-memory');
  ctx.device.pushErrorScope('validation');
  let result: T;
  try {
    result = fn();
  } finally {
    const v = await ctx.device.popErrorScope();
    const o = await ctx.device.popErrorScope();
    if (v) throw new Error(`${what}: WebGPU validation error: ${v.message}`);
    if (o) throw new Error(`${what}: GPU out of memory: ${o.message}`);
  }
  return result!;
}
