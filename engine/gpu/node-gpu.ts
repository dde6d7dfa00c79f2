// Acquires a WebGPU device under Node through dawn.node (npm package `webgpu`).
// Only Node entry points (CLI, web host, tests) import this file; the browser uses acquireBrowserGpu.
import { acquireFromGpu, NoGpuError, type AcquireOptions, type GpuContext } from './context.ts';

// Dawn toggles: robustness checks cost ~20% of shader read bandwidth on lavapipe and our kernels
// bound-check their own indices.
const DAWN_FLAGS = ['enable-dawn-features=disable_robustness'];

// dawn.node's instance must stay referenced while any device lives, or the process dies at random.
const live = new Set<unknown>();

export async function acquireNodeGpu(opts: AcquireOptions = {}): Promise<GpuContext> {
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch (e) {
    throw new NoGpuError(`Cannot load dawn.node (npm package "webgpu"): ${(e as Error).message}. Run npm ci.`);
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create(DAWN_FLAGS);
  live.add(gpu);
  const ctx = await acquireFromGpu(gpu, gpu, opts);
  const destroy = ctx.destroy;
  ctx.destroy = () => {
    destroy();
    // Keep the instance until the device's callbacks have drained.
    setTimeout(() => live.delete(gpu), 1000).unref?.();
  };
  return ctx;
}
