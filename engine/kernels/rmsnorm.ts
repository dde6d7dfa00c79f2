// y = x / sqrt(mean(x²) + eps) · w over each row (shaders/rmsnorm.wgsl).
// x, y: [maxRows, dim] f32 (distinct buffers), weight: f32 [dim].
import type { GpuContext } from '../gpu/context.ts';
import { createUniform } from '../gpu/buffers.ts';
import { DispatchUniform, type UniformRing } from '../gpu/uniform-ring.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import src from '../../shaders/rmsnorm.wgsl';

const WG = 64;
const MAX_X = 65535;

export interface RmsNormOptions {
  x: GPUBuffer;
  weight: GPUBuffer;
  y: GPUBuffer;
  dim: number;
  maxRows: number;
  eps: number;
  /** the plan's per-step uniforms (default: a buffer of its own, written at each encode) */
  ring?: UniformRing;
}

/** One dispatch site; encode() takes this instance's rows uniform slot, so encode it at most once per submit. */
export class RmsNorm {
  private readonly ctx: GpuContext;
  private readonly pipeline: GPUComputePipeline;
  private readonly group: GPUBindGroup;
  private readonly params: GPUBuffer;
  private readonly dyn: DispatchUniform;
  private readonly rowsData = new Uint32Array(4);
  readonly maxRows: number;

  constructor(ctx: GpuContext, opts: RmsNormOptions) {
    const { x, weight, y, dim, maxRows, eps } = opts;
    if (x === y) throw new RangeError('RmsNorm: x and y must be distinct buffers');
    if (x.size < maxRows * dim * 4 || y.size < maxRows * dim * 4) throw new RangeError(`RmsNorm: x or y smaller than [${maxRows}, ${dim}] f32`);
    if (weight.size < dim * 4) throw new RangeError(`RmsNorm: weight smaller than ${dim} f32`);
    this.ctx = ctx;
    this.maxRows = maxRows;
    const pb = new ArrayBuffer(8);
    new Uint32Array(pb)[0] = dim;
    new Float32Array(pb)[1] = eps;
    this.params = createUniform(ctx, pb, 'rmsnorm.params');
    this.dyn = new DispatchUniform(ctx, opts.ring, 'rmsnorm.rows');
    this.pipeline = computePipeline(ctx, 'rmsnorm', src, { WG }, { dynamic: [4] });
    this.group = bindGroup(ctx, this.pipeline, [x, weight, y, this.params, this.dyn.binding], 'rmsnorm');
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows)) throw new RangeError(`RmsNorm: rows ${rows} outside [1, ${this.maxRows}]`);
    this.rowsData[0] = rows;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group, [this.dyn.put(this.rowsData)]);
    pass.dispatchWorkgroups(Math.min(rows, MAX_X), Math.ceil(rows / MAX_X));
  }

  destroy() {
    this.params.destroy();
    this.dyn.destroy();
  }
}
