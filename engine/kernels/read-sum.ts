// Streaming read of a buffer (shaders/read-sum.wgsl): sums its u32 words into one u32 per workgroup. Used
// to measure how fast kernels read memory (engine/bench-ceilings.ts); reference: read-sum.ref.ts.
import type { GpuContext } from '../gpu/context.ts';
import { variantsFor } from '../variants.ts';
import { createStorage, createUniform } from '../gpu/buffers.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import { OneDispatch } from './one-dispatch.ts';
import src from '../../shaders/read-sum.wgsl';

export const READ_SUM_WG = 64;

export class ReadSum extends OneDispatch {
  /** u32 [groups]: workgroup w's wrapping sum of the words its invocations read */
  readonly out: GPUBuffer;
  readonly groups: number;
  protected readonly pipeline: GPUComputePipeline;
  protected readonly group: GPUBindGroup;
  protected readonly owned: GPUBuffer[];

  /** Reads the first `bytes` (a multiple of 16, at most one storage binding) of `buffer`. */
  constructor(ctx: GpuContext, buffer: GPUBuffer, bytes = buffer.size, groups?: number) {
    super();
    if (bytes % 16 !== 0 || bytes <= 0 || bytes > buffer.size) throw new RangeError(`ReadSum: ${bytes} bytes must be a positive multiple of 16 within the buffer (${buffer.size})`);
    if (bytes > ctx.maxBinding) throw new RangeError(`ReadSum: ${bytes} bytes exceed one storage binding (${ctx.maxBinding})`);
    const n = bytes / 16;
    // how many workgroups: by device profile (engine/variants.ts)
    this.groups = groups ?? variantsFor(ctx).readSumGroups(n, READ_SUM_WG);
    this.out = createStorage(ctx, this.groups * 4, 'readSum.out');
    const params = createUniform(ctx, new Uint32Array([n, this.groups * READ_SUM_WG, 0, 0]), 'readSum.params');
    this.pipeline = computePipeline(ctx, 'read-sum', src, { WG: READ_SUM_WG });
    this.group = bindGroup(ctx, this.pipeline, [{ buffer, offset: 0, size: bytes }, this.out, params], 'readSum');
    this.owned = [this.out, params];
  }
}
