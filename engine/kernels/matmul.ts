// y[r, o] = (accumulate ? y[r, o] : 0) + Σ_i x[r, i]·W[o, i] + b[o]
// x: [maxRows, inDim] f32, y: [maxRows, outDim] f32, W: a row-split Linear [outDim, inDim]; each RowChunk
// runs the kernel of its weight format: dense f32/f16/bf16 (matmul-gen.ts, or shaders/matmul.wgsl when
// inDim % 8 != 0) or quantized blocks dequantized in the kernel (matmul-quant-gen.ts); on a GPU profile,
// decode rows of dense weights run a GEMV instead (gemv-gen.ts). engine/variants.ts picks the variant.
import type { GpuContext } from '../gpu/context.ts';
import { createStorage, createUniform } from '../gpu/buffers.ts';
import { DispatchUniform, type UniformRing } from '../gpu/uniform-ring.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import type { Linear } from '../model/types.ts';
import src from '../../shaders/matmul.wgsl';
import dense from '../../shaders/formats/dense.wgsl';
import { matmulTileSource } from './matmul-gen.ts';
import { matmulQuantSource } from './matmul-quant-gen.ts';
import { dHalfIndex, type FormatName } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';
import { variantsFor, type DeviceKind, type MatmulTile, type Variants } from '../variants.ts';
import { gemvSource } from './gemv-gen.ts';
import { gemmTiledSource } from './gemm-tiled-gen.ts';

/** The dispatch shape of one matmul variant (engine/variants.ts picks it per device profile). */
export type { MatmulTile };

export interface MatmulOptions {
  linear: Linear;
  /** f32 [maxRows, inDim] */
  x: GPUBuffer;
  /** f32 [maxRows, outDim] */
  y: GPUBuffer;
  maxRows: number;
  /** add to y instead of overwriting it (residual connections) */
  accumulate?: boolean;
  label?: string;
  /** override the row-count-dependent tile choice (benchmarks) */
  tile?: MatmulTile | ((rows: number) => MatmulTile);
  /** run this device profile's variants (engine/variants.ts; tests force 'gpu' on lavapipe) */
  profile?: DeviceKind;
  /** false: the variants without subgroups even where the device has them (tests) */
  subgroups?: boolean;
  /** the plan's per-step uniforms (default: a buffer of its own, written at each encode) */
  ring?: UniformRing;
}

/** binding 4 (the `rows` uniform) takes a dynamic offset */
const DYN = { dynamic: [4] };

const dummies = new WeakMap<GPUDevice, GPUBuffer>();
function dummyStorage(ctx: GpuContext): GPUBuffer {
  let b = dummies.get(ctx.device);
  if (!b) dummies.set(ctx.device, (b = createStorage(ctx, 16, 'matmul.nobias')));
  return b;
}

/** The compiled kernel of one (tile, weight format) pair. */
interface Variant {
  pipeline: GPUComputePipeline;
  tile: MatmulTile;
  /** one per chunk of this format (undefined for chunks of other formats) */
  groups: (GPUBindGroup | undefined)[];
}

/**
 * One matmul dispatch site. encode() takes this instance's `rows` uniform slot (engine/gpu/uniform-ring.ts),
 * so an instance is encoded at most once per submitted command buffer (or always with the same rows).
 */
export class Matmul {
  readonly linear: Linear;
  readonly maxRows: number;
  private readonly ctx: GpuContext;
  private readonly opts: MatmulOptions;
  private readonly chunkParams: GPUBuffer[];
  private readonly dyn: DispatchUniform;
  private readonly variants = new Map<string, Variant>();
  private readonly formats: FormatName[];
  private readonly rowsData = new Uint32Array(4);
  private readonly variantSet: Variants;

  constructor(ctx: GpuContext, opts: MatmulOptions) {
    const { linear, maxRows } = opts;
    if (!(maxRows >= 1)) throw new RangeError('Matmul: maxRows must be ≥ 1');
    if (opts.x.size < maxRows * linear.inDim * 4) throw new RangeError(`Matmul ${opts.label ?? ''}: x is smaller than [${maxRows}, ${linear.inDim}] f32`);
    if (opts.y.size < maxRows * linear.outDim * 4) throw new RangeError(`Matmul ${opts.label ?? ''}: y is smaller than [${maxRows}, ${linear.outDim}] f32`);
    this.ctx = ctx;
    this.opts = opts;
    this.variantSet = variantsFor(ctx, opts.profile, { subgroups: opts.subgroups });
    this.linear = linear;
    this.maxRows = maxRows;
    this.formats = [...new Set(linear.chunks.map((c) => c.format))];
    const label = opts.label ?? 'matmul';
    this.chunkParams = linear.chunks.map((c, i) =>
      // Params (shaders/matmul.wgsl; the generated kernels also read flags: 1 accumulate, 2 bias; and the
      // quantized ones dHalf, where a split format's d values start)
      createUniform(
        ctx,
        new Uint32Array([linear.inDim, c.rows, c.rowStart, linear.outDim, (opts.accumulate ? 1 : 0) | (linear.bias ? 2 : 0), dHalfIndex(FORMATS[c.format], c.rows, linear.inDim), 0, 0]),
        `${label}.p${i}`,
      ),
    );
    this.dyn = new DispatchUniform(ctx, opts.ring, `${label}.rows`);
    // Build the pipelines of every tile this instance may use now, not at first encode.
    for (let r = 1; r <= maxRows; r = r < 64 ? r + 1 : r * 2) for (const f of this.formats) this.variant(this.tileFor(r, f), f);
    for (const f of this.formats) this.variant(this.tileFor(maxRows, f), f);
  }

  private tileFor(rows: number, format: FormatName): MatmulTile {
    const t = this.opts.tile;
    const tile = t === undefined ? this.variantSet.matmul(rows, this.linear.outDim, !!FORMATS[format].wgsl) : typeof t === 'function' ? t(rows) : t;
    // the tiled GEMM reads 8-weight words: other inner dimensions take register tiles
    return tile.tiled && this.linear.inDim % 8 !== 0 ? { R: 8, C: 4, WG: 64 } : tile;
  }

  private variant(tile: MatmulTile, format: FormatName): Variant {
    const key = `${format}:${tile.R},${tile.C},${tile.WG}${tile.gemv ? ',gemv' : ''}${tile.tiled ? ',tiled' : ''}${tile.subgroups ? ',sg' : ''}`;
    let v = this.variants.get(key);
    if (v) return v;
    const { ctx, linear } = this;
    const f = FORMATS[format];
    const label = this.opts.label ?? 'matmul';
    let pipeline: GPUComputePipeline;
    if (tile.tiled) {
      if (f.wgsl) throw new RangeError(`Matmul ${label}: the tiled GEMM takes dense weights (${format})`);
      pipeline = computePipeline(ctx, 'gemm-tiled', gemmTiledSource(), { WG: tile.WG, W16: format !== 'f32', BF16: format === 'bf16' }, DYN);
    } else if (tile.gemv) {
      if (f.wgsl || linear.inDim % 8 !== 0) throw new RangeError(`Matmul ${label}: the GEMV variant takes dense weights with inDim % 8 == 0 (${format}, inDim ${linear.inDim})`);
      pipeline = computePipeline(ctx, tile.subgroups ? 'gemv-subgroups' : 'gemv', gemvSource(tile, !!tile.subgroups), { WG: tile.WG, W16: format !== 'f32', BF16: format === 'bf16' }, DYN);
    } else if (f.wgsl) {
      pipeline = computePipeline(ctx, `matmul-${format}`, matmulQuantSource(f, tile), { WG: tile.WG }, DYN);
    } else if (linear.inDim % 8 === 0) {
      // The generated unrolled kernel (flags are runtime, one pipeline per tile).
      pipeline = computePipeline(ctx, 'matmul', matmulTileSource(tile), { WG: tile.WG, W16: format !== 'f32', BF16: format === 'bf16' }, DYN);
    } else {
      // The scalar loop kernel of shaders/matmul.wgsl.
      pipeline = computePipeline(ctx, label, dense + src, {
        WG: tile.WG,
        R: tile.R,
        C: tile.C,
        W16: format !== 'f32',
        BF16: format === 'bf16',
        ACCUMULATE: !!this.opts.accumulate,
        HAS_BIAS: !!linear.bias,
      }, DYN);
    }
    const bias = linear.bias ?? dummyStorage(ctx);
    const groups = linear.chunks.map((c, i) =>
      c.format === format ? bindGroup(ctx, pipeline, [c.buffer, this.opts.x, this.opts.y, this.chunkParams[i], this.dyn.binding, bias], `${label}.c${i}`) : undefined,
    );
    v = { pipeline, tile, groups };
    this.variants.set(key, v);
    return v;
  }

  /** Records one dispatch per RowChunk computing rows [0, rows) of y. */
  encode(pass: GPUComputePassEncoder, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows)) throw new RangeError(`Matmul: rows ${rows} outside [1, ${this.maxRows}]`);
    this.rowsData[0] = rows;
    const off = this.dyn.put(this.rowsData);
    let current: GPUComputePipeline | undefined;
    this.linear.chunks.forEach((c, i) => {
      const tile = this.tileFor(rows, c.format);
      const v = this.variant(tile, c.format);
      if (v.pipeline !== current) pass.setPipeline((current = v.pipeline));
      pass.setBindGroup(0, v.groups[i]!, [off]);
      pass.dispatchWorkgroups(Math.ceil(c.rows / (tile.gemv || tile.tiled ? tile.C : tile.WG * tile.C)), Math.ceil(rows / tile.R));
    });
  }

  /** Multiply-adds per row: 2·inDim·outDim FLOPs. */
  flopsPerRow(): number {
    return 2 * this.linear.inDim * this.linear.outDim;
  }

  destroy() {
    for (const b of this.chunkParams) b.destroy();
    this.dyn.destroy();
  }
}
