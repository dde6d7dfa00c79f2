// Rotary position embedding in place on the fused qkv activation (shaders/rope.wgsl).
// qkv: [maxRows, (H + 2G)·D] f32 (q heads, k heads, v heads); positions: u32 [maxRows].
// inv_freq[i] = theta^(-2i/D) rounded to f32 (as Hugging Face computes it); the angle pos·inv_freq is exact.
import type { GpuContext } from '../gpu/context.ts';
import { createStorageFrom } from '../gpu/buffers.ts';
import { DispatchUniform, type UniformRing } from '../gpu/uniform-ring.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import src from '../../shaders/rope.wgsl';

export interface RopeOptions {
  qkv: GPUBuffer;
  heads: number;
  kvHeads: number;
  headDim: number;
  maxRows: number;
  theta: number;
  /** u32 [maxRows] */
  positions: GPUBuffer;
  /** the plan's per-step uniforms (default: a buffer of its own, written at each encode) */
  ring?: UniformRing;
}

/** inv_freq[i] = theta^(-2i/D) as f32, i < D/2. */
export function ropeInvFreq(theta: number, headDim: number): Float32Array {
  const half = headDim / 2;
  const f = new Float32Array(half);
  for (let i = 0; i < half; i++) f[i] = 1 / theta ** ((2 * i) / headDim);
  return f;
}

/** (cos, sin)(2^b · inv_freq[i]) for i < D/2, b < 32, computed in float64: f32 [D/2][32][2]. */
function rotationTable(theta: number, headDim: number): Float32Array {
  const inv = ropeInvFreq(theta, headDim);
  const t = new Float32Array(inv.length * 64);
  for (let i = 0; i < inv.length; i++) {
    for (let b = 0; b < 32; b++) {
      const a = inv[i] * 2 ** b;
      t[(i * 32 + b) * 2] = Math.cos(a);
      t[(i * 32 + b) * 2 + 1] = Math.sin(a);
    }
  }
  return t;
}

/** One dispatch site; encode() takes this instance's rows uniform slot, so encode it at most once per submit. */
export class Rope {
  private readonly ctx: GpuContext;
  private readonly pipeline: GPUComputePipeline;
  private readonly group: GPUBindGroup;
  private readonly table: GPUBuffer;
  private readonly dyn: DispatchUniform;
  private readonly rowsData = new Uint32Array(4);
  private readonly wg: number;
  private readonly half: number;
  readonly maxRows: number;

  constructor(ctx: GpuContext, opts: RopeOptions) {
    const { qkv, heads, kvHeads, headDim, maxRows, theta, positions } = opts;
    if (headDim % 2) throw new RangeError('Rope: headDim must be even');
    if (maxRows > 65535) throw new RangeError('Rope: maxRows > 65535');
    const row = (heads + 2 * kvHeads) * headDim;
    if (qkv.size < maxRows * row * 4) throw new RangeError(`Rope: qkv smaller than [${maxRows}, ${row}] f32`);
    if (positions.size < maxRows * 4) throw new RangeError('Rope: positions smaller than maxRows u32');
    this.ctx = ctx;
    this.maxRows = maxRows;
    this.half = headDim / 2;
    this.wg = Math.min(64, 2 ** Math.ceil(Math.log2(this.half)));
    this.table = createStorageFrom(ctx, rotationTable(theta, headDim), 'rope.rot');
    this.dyn = new DispatchUniform(ctx, opts.ring, 'rope.rows');
    this.pipeline = computePipeline(ctx, 'rope', src, { WG: this.wg, HALF: this.half, HEADS: heads + kvHeads, ROW: row }, { dynamic: [3] });
    this.group = bindGroup(ctx, this.pipeline, [qkv, positions, this.table, this.dyn.binding], 'rope');
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows)) throw new RangeError(`Rope: rows ${rows} outside [1, ${this.maxRows}]`);
    this.rowsData[0] = rows;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.group, [this.dyn.put(this.rowsData)]);
    pass.dispatchWorkgroups(Math.ceil(this.half / this.wg), rows);
  }

  destroy() {
    this.table.destroy();
    this.dyn.destroy();
  }
}
