// Prefill attention (batch 1, causal): writes a chunk of prompt rows' k, v into the shared context KV at
// positions [posStart, posStart + rows), then attends each row (position posStart + r) to keys
// [0, posStart + r] with attention-shared (all rows × heads of a KV group share each K/V tile), then merges
// the splits. Output: out [rows, H·D] f32.
import type { UniformRing } from '../gpu/uniform-ring.ts';
import type { GpuContext } from '../gpu/context.ts';
import { createStorage } from '../gpu/buffers.ts';
import type { KvCache } from '../kv-cache.ts';
import { AttentionScratch, attnTuning, KvWriteKernel, MergeKernel, SharedAttentionKernel, sharedMaxSlots, type AttnDims, type AttnTuning } from './kernels.ts';

export interface PrefillAttentionOptions {
  cache: KvCache;
  layer: number;
  /** [maxRows, (H + 2G)·D] f32, RoPE applied */
  qkv: GPUBuffer;
  /** [maxRows, H·D] f32 */
  out: GPUBuffer;
  heads: number;
  maxRows: number;
  /** Partial-state buffers to share between layers (must hold `slotsNeeded`); one is made if absent. */
  scratch?: AttentionScratch;
  /** Overrides of the device tuning (tests use it to force many splits). */
  tuning?: Partial<AttnTuning>;
  /** the plan's per-step uniforms (default: each dispatch site writes its own buffer) */
  ring?: UniformRing;
}

export class PrefillAttention {
  readonly dims: AttnDims;
  /** (row, head, split) partial slots this object may use. */
  readonly slotsNeeded: number;
  private readonly cache: KvCache;
  private readonly maxRows: number;
  private readonly write: KvWriteKernel;
  private readonly attn: SharedAttentionKernel;
  private readonly merge: MergeKernel;
  private readonly ownScratch?: AttentionScratch;
  private readonly dummy: GPUBuffer;

  constructor(ctx: GpuContext, opts: PrefillAttentionOptions) {
    const lay = opts.cache.layout;
    if (opts.heads % lay.kvHeads !== 0) throw new RangeError(`heads ${opts.heads} not a multiple of kvHeads ${lay.kvHeads}`);
    this.dims = { heads: opts.heads, kvHeads: lay.kvHeads, headDim: lay.headDim };
    this.cache = opts.cache;
    this.maxRows = opts.maxRows;
    const tuning = { ...attnTuning(ctx, lay.headDim), ...opts.tuning };
    const store = opts.cache.layers[opts.layer].context;
    // Slot bound: the largest rows·H·slots over the row counts encode() may see.
    let slots = 0;
    for (let r = 1; r <= opts.maxRows; r++) slots = Math.max(slots, r * opts.heads * sharedMaxSlots(tuning, this.dims, store, r));
    this.slotsNeeded = slots;
    let scratch = opts.scratch;
    if (!scratch) scratch = this.ownScratch = new AttentionScratch(ctx, slots, lay.headDim);
    else if (scratch.slots < slots || scratch.headDim !== lay.headDim) throw new RangeError(`PrefillAttention: scratch holds ${scratch.slots} slots, needs ${slots}`);
    this.dummy = createStorage(ctx, 16, 'prefill.rowSample');
    this.write = new KvWriteKernel(ctx, this.dims, store, opts.qkv, this.dummy, opts.ring);
    this.attn = new SharedAttentionKernel(ctx, this.dims, tuning, store, opts.qkv, scratch, true, opts.ring);
    this.merge = new MergeKernel(ctx, this.dims, scratch, opts.out, opts.ring);
  }

  /** Writes the rows' k, v at context positions [posStart, posStart + rows), then causal attention over [0, posStart + rows). */
  encode(pass: GPUComputePassEncoder, rows: number, posStart: number): void {
    if (rows < 1 || rows > this.maxRows) throw new RangeError(`prefill: rows ${rows} not in [1, ${this.maxRows}]`);
    if (posStart + rows > this.cache.layout.contextCapacity) throw new RangeError(`prefill: positions up to ${posStart + rows} exceed contextCapacity ${this.cache.layout.contextCapacity}`);
    this.write.encode(pass, rows, posStart, false);
    const plan = this.attn.plan(rows, posStart + rows, 0);
    this.attn.encode(pass, rows, posStart, plan.dispatches, plan.slots);
    this.merge.encode(pass, rows, plan.slots);
  }

  destroy(): void {
    this.write.destroy();
    this.attn.destroy();
    this.merge.destroy();
    this.ownScratch?.destroy();
    this.dummy.destroy();
  }
}
