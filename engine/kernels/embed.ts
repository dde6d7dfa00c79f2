// out[r, :] = table[tokens[r], :] as f32   (shaders/embed.wgsl)
// table: row-split Linear [vocab, hidden] in WT; tokens: u32 [maxRows]; out: [maxRows, hidden] f32.
// A token ≥ vocab leaves its row of out unchanged.
import type { GpuContext } from '../gpu/context.ts';
import { createUniform, writeBuffer } from '../gpu/buffers.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import type { Linear } from '../model/types.ts';
import src from '../../shaders/embed.wgsl';

const WG = 64;

export interface EmbedOptions {
  table: Linear;
  tokens: GPUBuffer;
  out: GPUBuffer;
  maxRows: number;
}

/** One dispatch site (one dispatch per table chunk); encode it at most once per submit. */
export class Embed {
  private readonly ctx: GpuContext;
  private readonly pipeline: GPUComputePipeline;
  private readonly groups: GPUBindGroup[];
  private readonly params: GPUBuffer[];
  private readonly dyn: GPUBuffer;
  private readonly rowsData = new Uint32Array(4);
  private readonly hidden: number;
  readonly maxRows: number;

  constructor(ctx: GpuContext, opts: EmbedOptions) {
    const { table, tokens, out, maxRows } = opts;
    const hidden = table.inDim;
    if (maxRows > 65535) throw new RangeError('Embed: maxRows > 65535');
    if (out.size < maxRows * hidden * 4) throw new RangeError(`Embed: out smaller than [${maxRows}, ${hidden}] f32`);
    if (tokens.size < maxRows * 4) throw new RangeError('Embed: tokens smaller than maxRows u32');
    this.ctx = ctx;
    this.maxRows = maxRows;
    this.hidden = hidden;
    this.dyn = ctx.device.createBuffer({ label: 'embed.rows', size: 16, usage: 0x40 | 0x8 /* UNIFORM | COPY_DST */ });
    this.pipeline = computePipeline(ctx, 'embed', src, { WG, W16: ctx.f16, HIDDEN: hidden });
    this.params = table.chunks.map((c, i) => createUniform(ctx, new Uint32Array([c.rowStart, c.rows]), `embed.p${i}`));
    this.groups = table.chunks.map((c, i) => bindGroup(ctx, this.pipeline, [c.buffer, tokens, out, this.params[i], this.dyn], `embed.c${i}`));
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows)) throw new RangeError(`Embed: rows ${rows} outside [1, ${this.maxRows}]`);
    this.rowsData[0] = rows;
    writeBuffer(this.ctx, this.dyn, 0, this.rowsData);
    pass.setPipeline(this.pipeline);
    for (const g of this.groups) {
      pass.setBindGroup(0, g);
      pass.dispatchWorkgroups(Math.ceil(this.hidden / WG), rows);
    }
  }

  destroy() {
    for (const p of this.params) p.destroy();
    this.dyn.destroy();
  }
}
