// Compute ceiling kernel (shaders/fma-peak.wgsl): register-only FMA chains, to measure the FLOP rate
// WebGPU code reaches on this device (engine/bench-ceilings.ts). Reference: fma-peak.ref.ts.
import type { GpuContext } from '../gpu/context.ts';
import { variantsFor } from '../variants.ts';
import { createStorage, createUniform } from '../gpu/buffers.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import { OneDispatch } from './one-dispatch.ts';
import src from '../../shaders/fma-peak.wgsl';

export const FMA_PEAK_WG = 64;

export class FmaPeak extends OneDispatch {
  /** f32 [invocations, 4]: each invocation's sum of its 8 chains */
  readonly out: GPUBuffer;
  readonly groups: number;
  /** FLOPs one dispatch does */
  readonly flops: number;
  protected readonly pipeline: GPUComputePipeline;
  protected readonly group: GPUBindGroup;
  protected readonly owned: GPUBuffer[];

  /** iters: FMA steps per chain; m, c: a = a·m + c; groups: default a few per CPU thread, or enough to fill a GPU */
  constructor(ctx: GpuContext, o: { iters: number; m?: number; c?: number; groups?: number }) {
    super();
    if (!(Number.isInteger(o.iters) && o.iters >= 1)) throw new RangeError(`FmaPeak: iters ${o.iters} must be a positive integer`);
    this.groups = o.groups ?? variantsFor(ctx).fmaPeakGroups();
    const invocations = this.groups * FMA_PEAK_WG;
    this.flops = invocations * o.iters * 64;
    this.out = createStorage(ctx, invocations * 16, 'fmaPeak.out');
    const p = new ArrayBuffer(16);
    new Uint32Array(p)[0] = o.iters;
    new Float32Array(p).set([o.m ?? 1, o.c ?? 1], 1);
    const params = createUniform(ctx, p, 'fmaPeak.params');
    this.pipeline = computePipeline(ctx, 'fma-peak', src, { WG: FMA_PEAK_WG });
    this.group = bindGroup(ctx, this.pipeline, [this.out, params], 'fmaPeak');
    this.owned = [this.out, params];
  }
}
