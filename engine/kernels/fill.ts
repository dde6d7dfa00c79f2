// Deterministic pseudo-random fill on the GPU (shaders/fill.wgsl): builds synthetic benchmark models
// (GBs of weights) without CPU work or uploads. Element i of the fill (i = 0 .. count-1) is
// scale·(2·u − 1), u = hash(i, seed) / 2^24 in [0, 1) — see engine/kernels/fill.ref.ts.
import type { GpuContext } from '../gpu/context.ts';
import { createUniform } from '../gpu/buffers.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import src from '../../shaders/fill.wgsl';

const WG = 256;
const MAX_GROUPS_X = 32768;

export interface FillOptions {
  buffer: GPUBuffer;
  /** first element to fill, in elements of dtype (default 0) */
  offsetElems?: number;
  /** elements to fill */
  count: number;
  /** WT / KT: f16 when ctx.f16, else f32 */
  dtype: 'WT' | 'KT' | 'f32';
  seed: number;
  scale: number;
}

/**
 * Records the fill into `pass`. Each call creates its own small uniform buffers and bind groups (setup-time
 * use), so any number of calls may go into one pass. Fills larger than one storage binding are split.
 */
export function encodeFillRandom(ctx: GpuContext, pass: GPUComputePassEncoder, opts: FillOptions): void {
  const half = opts.dtype !== 'f32' && ctx.f16;
  const esz = half ? 2 : 4;
  const offset = opts.offsetElems ?? 0;
  const { buffer, count } = opts;
  if (!(count >= 0) || !Number.isInteger(count) || !Number.isInteger(offset) || offset < 0) throw new RangeError('encodeFillRandom: bad offset/count');
  if ((offset + count) * esz > buffer.size) throw new RangeError(`encodeFillRandom: ${offset + count} elements of ${esz} bytes exceed buffer ${buffer.label} (${buffer.size} bytes)`);
  if (count === 0) return;
  const pipeline = computePipeline(ctx, 'fill', src, { WG, HALF: half });
  pass.setPipeline(pipeline);
  const align = 256; // minStorageBufferOffsetAlignment
  // Elements per binding range, leaving room for the alignment slack in front.
  const perRange = Math.floor((ctx.maxBinding - align) / esz / 2) * 2;
  for (let done = 0; done < count; ) {
    const startByte = (offset + done) * esz;
    const bindOffset = Math.floor(startByte / align) * align;
    const first = (startByte - bindOffset) / esz;
    const n = Math.min(perRange, count - done);
    const size = Math.min(Math.ceil(((first + n) * esz) / 4) * 4, buffer.size - bindOffset);
    const words = Math.ceil((first + n) / (half ? 2 : 1)) - Math.floor(first / (half ? 2 : 1));
    const groups = Math.ceil(words / WG);
    const gx = Math.min(groups, MAX_GROUPS_X);
    const gy = Math.ceil(groups / gx);
    const params = new ArrayBuffer(24);
    const u = new Uint32Array(params);
    u[0] = first;
    u[1] = n;
    u[2] = opts.seed >>> 0;
    new Float32Array(params)[3] = opts.scale;
    u[4] = gx;
    u[5] = done;
    const uniform = createUniform(ctx, params, 'fill.params');
    pass.setBindGroup(0, bindGroup(ctx, pipeline, [{ buffer, offset: bindOffset, size }, uniform], 'fill'));
    pass.dispatchWorkgroups(gx, gy);
    done += n;
  }
}
