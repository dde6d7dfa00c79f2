// out[r, :] = table[tokens[r], :] as f32
// table: row-split Linear [vocab, hidden]; each RowChunk is read by the kernel of its weight format
// (shaders/embed.wgsl for f32/f16/bf16, shaders/embed-quant.wgsl after the format's snippet for quantized
// blocks); tokens: u32 [maxRows]; out: [maxRows, hidden] f32. A token ≥ vocab leaves its row of out unchanged.
import type { GpuContext } from '../gpu/context.ts';
import { createUniform } from '../gpu/buffers.ts';
import { DispatchUniform, type UniformRing } from '../gpu/uniform-ring.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import { dHalfIndex } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';
import type { Linear } from '../model/types.ts';
import src from '../../shaders/embed.wgsl';
import quantSrc from '../../shaders/embed-quant.wgsl';
import common from '../../shaders/formats/common.wgsl';
import dense from '../../shaders/formats/dense.wgsl';

const WG = 64;

export interface EmbedOptions {
  table: Linear;
  tokens: GPUBuffer;
  out: GPUBuffer;
  maxRows: number;
  /** the plan's per-step uniforms (default: a buffer of its own, written at each encode) */
  ring?: UniformRing;
}

/** One dispatch site (one dispatch per table chunk); encode it at most once per submit. */
export class Embed {
  private readonly ctx: GpuContext;
  private readonly sites: { pipeline: GPUComputePipeline; group: GPUBindGroup; groupsX: number }[];
  private readonly params: GPUBuffer[];
  private readonly dyn: DispatchUniform;
  private readonly rowsData = new Uint32Array(4);
  readonly maxRows: number;

  constructor(ctx: GpuContext, opts: EmbedOptions) {
    const { table, tokens, out, maxRows } = opts;
    const hidden = table.inDim;
    if (maxRows > 65535) throw new RangeError('Embed: maxRows > 65535');
    if (out.size < maxRows * hidden * 4) throw new RangeError(`Embed: out smaller than [${maxRows}, ${hidden}] f32`);
    if (tokens.size < maxRows * 4) throw new RangeError('Embed: tokens smaller than maxRows u32');
    this.ctx = ctx;
    this.maxRows = maxRows;
    this.dyn = new DispatchUniform(ctx, opts.ring, 'embed.rows');
    this.params = table.chunks.map((c, i) => createUniform(ctx, new Uint32Array([c.rowStart, c.rows, dHalfIndex(FORMATS[c.format], c.rows, hidden), 0]), `embed.p${i}`));
    this.sites = table.chunks.map((c, i) => {
      const f = FORMATS[c.format];
      const pipeline = f.wgsl
        ? computePipeline(ctx, `embed-${c.format}`, common + f.wgsl + quantSrc, { WG, HIDDEN: hidden }, { dynamic: [4] })
        : computePipeline(ctx, 'embed', dense + src, { WG, W16: c.format !== 'f32', BF16: c.format === 'bf16', HIDDEN: hidden }, { dynamic: [4] });
      const group = bindGroup(ctx, pipeline, [c.buffer, tokens, out, this.params[i]!, this.dyn.binding], `embed.c${i}`);
      return { pipeline, group, groupsX: Math.ceil((f.wgsl ? hidden / 8 : hidden) / WG) };
    });
  }

  encode(pass: GPUComputePassEncoder, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows)) throw new RangeError(`Embed: rows ${rows} outside [1, ${this.maxRows}]`);
    this.rowsData[0] = rows;
    const off = this.dyn.put(this.rowsData);
    for (const s of this.sites) {
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.group, [off]);
      pass.dispatchWorkgroups(s.groupsX, rows);
    }
  }

  destroy() {
    for (const p of this.params) p.destroy();
    this.dyn.destroy();
  }
}
