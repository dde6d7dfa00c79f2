// out[r, i] = silu(gateUp[r, i]) · gateUp[r, I + i]   (shaders/swiglu.wgsl)
// gateUp: [maxRows, 2I] f32, out: [maxRows, I] f32.
import type { GpuContext } from '../gpu/context.ts';
import { DispatchUniform, type UniformRing } from '../gpu/uniform-ring.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import src from '../../shaders/swiglu.wgsl';

const WG = 256;

export interface SwiGluOptions {
  gateUp: GPUBuffer;
  out: GPUBuffer;
  intermediate: number;
  maxRows: number;
  /** the plan's per-step uniforms (default: a buffer of its own, written at each encode) */
  ring?: UniformRing;
}

/** One dispatch site; encode() takes this instance's rows uniform slot, so encode it at most once per submit. */
export class SwiGlu {
  private readonly ctx: GpuContext;
  private readonly pipeline: GPUComputePipeline;
  private readonly group: GPUBindGroup;
  private readonly dyn: DispatchUniform;
  private readonly rowsData = new Uint32Array(4);
  private readonly inter: number;
  readonly maxRows: number;

  constructor(ctx: GpuContext, opts: SwiGluOptions) {
    const { gateUp, out, intermediate, maxRows } = opts;
    if (maxRows > 65535) throw new RangeError('SwiGlu: maxRows > 65535');
    if (gateUp.size < maxRows * 2 * intermediate * 4) throw new RangeError(`SwiGlu: gateUp smaller than [${maxRows}, ${2 * intermediate}] f32`);
    if (out.size < maxRows * intermediate * 4) throw new RangeError(`SwiGlu: out smaller than [${maxRows}, ${intermediate}] f32`);
    this.ctx = ctx;
    this.maxRows = maxRows;
    this.inter = intermediate;
    this.dyn = new DispatchUniform(ctx, opts.ring, 'swiglu.rows');
    this.pipeline = computePipeline(ctx, 'swiglu', src, { WG, INTER: intermediate }, { dynamic: [2] });
    this.group = bindGroup(ctx, this.pipeline, [gateUp, out, this.dyn.binding], 'swiglu');
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows)) throw new RangeError(`SwiGlu: rows ${rows} outside [1, ${this.maxRows}]`);
    this.rowsData[0] = rows;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group, [this.dyn.put(this.rowsData)]);
    pass.dispatchWorkgroups(Math.ceil(this.inter / WG), rows);
  }

  destroy() {
    this.dyn.destroy();
  }
}
