// Test helpers: one GPU context per test file (each vitest fork is its own process), fresh random inputs.
import { acquireNodeGpu } from '../engine/gpu/node-gpu.ts';
import type { GpuContext } from '../engine/gpu/context.ts';

let ctxF16: Promise<GpuContext> | undefined;
let ctxF32: Promise<GpuContext> | undefined;

/** The test device with f16 storage (when the adapter has shader-f16) or forced f32 storage. */
export function testGpu(kind: 'f16' | 'f32' = 'f16'): Promise<GpuContext> {
  if (kind === 'f16') return (ctxF16 ??= acquireNodeGpu({ preferF16: true }));
  return (ctxF32 ??= acquireNodeGpu({ preferF16: false }));
}

/** A fresh seed per run (printed so a failure can be replayed with FANOUT_TEST_SEED). */
export function testSeed(): number {
  const fixed = process.env.FANOUT_TEST_SEED;
  const seed = fixed ? Number(fixed) : (Math.random() * 2 ** 31) >>> 0;
  return seed;
}

/** Small deterministic PRNG (mulberry32) for test data. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** uniform in [-scale, scale) */
    uniform: (scale = 1) => (next() * 2 - 1) * scale,
    /** standard normal (Box-Muller) */
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    int: (n: number) => Math.floor(next() * n),
    fill: (n: number, scale = 1) => {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = (next() * 2 - 1) * scale;
      return a;
    },
  };
}

/** max |a-b| / max(|b|, floor): the relative error the kernel tests bound. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let err = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= err)) err = Number.isNaN(d) ? Infinity : Math.max(err, d);
  }
  return err / scale;
}

/** Records `encode` into one compute pass, submits it, and throws WebGPU validation / OOM errors. */
export async function runPass(ctx: GpuContext, what: string, encode: (pass: GPUComputePassEncoder) => void): Promise<void> {
  const { checked } = await import('../engine/gpu/pipeline.ts');
  await checked(ctx, what, () => {
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    encode(pass);
    pass.end();
    ctx.device.queue.submit([enc.finish()]);
  });
}
