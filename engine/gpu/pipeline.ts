// Builds compute pipelines from WGSL in shaders/, with a preamble that fixes storage types:
//   WT = weight element type, KT = KV-cache element type (f16 when the device has shader-f16, else f32),
// and enables subgroups for a kernel that calls subgroup built-ins.
// Activations are always f32. Extra compile-time constants are appended as `const NAME = value;`.
import type { GpuContext } from './context.ts';

export type ShaderConsts = Record<string, number | boolean>;

/**
 * The lines before `source`: the storage aliases (only when the code uses WT, KT or f16: a kernel that
 * reads its weights as u32 words, like the matmuls, then compiles to the same code on f16 and f32
 * devices, and a driver's shader cache serves both) and the consts.
 */
export function preamble(ctx: GpuContext, consts: ShaderConsts = {}, source = 'WT'): string {
  const code = source.replace(/\/\/.*$/gm, '');
  const usesTypes = /\b(WT|KT|f16)\b/.test(code);
  const lines = !usesTypes ? [] : ctx.f16 ? ['enable f16;', 'alias WT = f16;', 'alias KT = f16;'] : ['alias WT = f32;', 'alias KT = f32;'];
  if (/\bsubgroup[A-Z]\w*\s*\(/.test(code)) {
    if (!ctx.subgroups) throw new Error('a kernel uses subgroup operations, but the device was created without subgroups (engine/variants.ts should not have picked it)');
    lines.unshift('enable subgroups;');
  }
  for (const [k, v] of Object.entries(consts)) {
    if (typeof v === 'boolean') lines.push(`const ${k} = ${v};`);
    else if (Number.isInteger(v)) lines.push(`const ${k} = ${v}u;`);
    else lines.push(`const ${k} = ${v};`);
  }
  return lines.join('\n') + '\n';
}

const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
const layouts = new WeakMap<GPUDevice, Map<string, GPUBindGroupLayout>>();
const groupLayout = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();

/** How a kernel binds a buffer (WGSL `var<uniform>`, `var<storage, read>`, `var<storage, read_write>`). */
export type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

/**
 * The group-0 buffer bindings `code` declares, by binding index. The layouts are explicit, built from the
 * declarations rather than 'auto' (which drops bindings an entry point does not use and cannot express
 * dynamic offsets), so pipelines with the same declarations share one layout and their bind groups.
 */
export function declaredBindings(code: string): BindingKind[] {
  const out: BindingKind[] = [];
  const re = /@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var\s*<\s*([a-z_]+)\s*(?:,\s*([a-z_]+)\s*)?>/g;
  for (const m of code.replace(/\/\/.*$/gm, '').matchAll(re)) {
    const kind: BindingKind = m[2] === 'uniform' ? 'uniform' : m[3] === 'read_write' ? 'storage' : 'read-only-storage';
    out[Number(m[1])] = kind;
  }
  for (let i = 0; i < out.length; i++) if (!out[i]) throw new Error(`shader declares bindings up to ${out.length - 1} but not ${i}: number group-0 bindings from 0 without gaps`);
  return out;
}

function layoutFor(ctx: GpuContext, kinds: BindingKind[], dynamic: readonly number[]): GPUBindGroupLayout {
  let m = layouts.get(ctx.device);
  if (!m) layouts.set(ctx.device, (m = new Map()));
  const key = kinds.map((k, i) => k + (dynamic.includes(i) ? '+dyn' : '')).join(',');
  let l = m.get(key);
  if (!l) {
    l = ctx.device.createBindGroupLayout({
      label: key,
      entries: kinds.map((type, binding) => ({ binding, visibility: 0x4 /* GPUShaderStage.COMPUTE */, buffer: { type, hasDynamicOffset: dynamic.includes(binding) } })),
    });
    m.set(key, l);
  }
  return l;
}

export interface PipelineOptions {
  /** entry point (default `main`) */
  entryPoint?: string;
  /** binding indices bound with a dynamic offset (a slot of engine/gpu/uniform-ring.ts) */
  dynamic?: readonly number[];
}

/** A compute pipeline for `source`, cached per device, with an explicit layout from its declarations. */
export function computePipeline(ctx: GpuContext, label: string, source: string, consts: ShaderConsts = {}, opts: PipelineOptions = {}): GPUComputePipeline {
  const entryPoint = opts.entryPoint ?? 'main';
  const dynamic = opts.dynamic ?? [];
  const code = preamble(ctx, consts, source) + source;
  let m = cache.get(ctx.device);
  if (!m) cache.set(ctx.device, (m = new Map()));
  const key = entryPoint + '\0' + dynamic.join(',') + '\0' + code;
  let p = m.get(key);
  if (!p) {
    const bgl = layoutFor(ctx, declaredBindings(code), dynamic);
    const module = ctx.device.createShaderModule({ label, code });
    p = ctx.device.createComputePipeline({ label, layout: ctx.device.createPipelineLayout({ label, bindGroupLayouts: [bgl] }), compute: { module, entryPoint } });
    groupLayout.set(p, bgl);
    m.set(key, p);
  }
  return p;
}

/** A bind group for group 0 of `pipeline`, binding i ← entries[i]. */
export function bindGroup(ctx: GpuContext, pipeline: GPUComputePipeline, entries: (GPUBuffer | GPUBufferBinding)[], label?: string): GPUBindGroup {
  const layout = groupLayout.get(pipeline);
  if (!layout) throw new Error(`bindGroup ${label ?? ''}: the pipeline was not made by computePipeline (its layout is unknown)`);
  return ctx.device.createBindGroup({
    label,
    layout,
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
