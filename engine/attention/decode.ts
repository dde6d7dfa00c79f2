// Decode attention for the active rows (samples, compacted: row r is sample rowSample[r]) of one step.
// Writes each row's k, v at decode step `step`, then attends it to the context [0, ctxLen) and its own
// decoded tokens [0, step]:
//   bifurcated: context part = attention-shared of all rows × heads over the ONE context KV (each K/V
//               tile read once per step for all samples; with too few query vectors per KV head to
//               fill its lanes, attention-rows over the context instead), decode part = attention-rows over each row's
//               decoded KV, then the exact log-sum-exp merge of both parts' splits;
//   standard:   attention-rows over each row's own full copy [0, ctxLen + step] (context broadcast after
//               prefill by KvCache.encodeBroadcastContext), then the merge of its splits.
import type { UniformRing } from '../gpu/uniform-ring.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { KvCache } from '../kv-cache.ts';
import {
  AttentionScratch, attnTuning, KvWriteKernel, MergeKernel, RowsAttentionKernel, rowsMaxSlots, SharedAttentionKernel, sharedMaxSlots, type AttnDims, type AttnTuning,
} from './kernels.ts';

export interface DecodeAttentionOptions {
  cache: KvCache;
  layer: number;
  /** [maxRows, (H + 2G)·D] f32, RoPE applied */
  qkv: GPUBuffer;
  /** [maxRows, H·D] f32 */
  out: GPUBuffer;
  heads: number;
  maxRows: number;
  /** u32 [maxRows]: row r is sample rowSample[r] */
  rowSample: GPUBuffer;
  /** Partial-state buffers to share between layers (must hold `slotsNeeded`); one is made if absent. */
  scratch?: AttentionScratch;
  /** Overrides of the device tuning (tests use it to force many splits). */
  tuning?: Partial<AttnTuning>;
  /** the plan's per-step uniforms (default: each dispatch site writes its own buffer) */
  ring?: UniformRing;
}

export class DecodeAttention {
  readonly dims: AttnDims;
  readonly slotsNeeded: number;
  private readonly cache: KvCache;
  private readonly maxRows: number;
  private readonly write: KvWriteKernel;
  private readonly ctxAttn?: SharedAttentionKernel;
  /** Bifurcated context part for few query vectors per KV head (attention-rows over the context). */
  private readonly ctxRows?: RowsAttentionKernel;
  private readonly tuning: AttnTuning;
  private readonly rowAttn: RowsAttentionKernel;
  private readonly merge: MergeKernel;
  private readonly ownScratch?: AttentionScratch;

  constructor(ctx: GpuContext, opts: DecodeAttentionOptions) {
    const lay = opts.cache.layout;
    if (opts.heads % lay.kvHeads !== 0) throw new RangeError(`heads ${opts.heads} not a multiple of kvHeads ${lay.kvHeads}`);
    if (opts.maxRows > lay.samples) throw new RangeError(`DecodeAttention: maxRows ${opts.maxRows} > samples ${lay.samples}`);
    this.dims = { heads: opts.heads, kvHeads: lay.kvHeads, headDim: lay.headDim };
    this.cache = opts.cache;
    this.maxRows = opts.maxRows;
    const tuning = { ...attnTuning(ctx, lay.headDim), ...opts.tuning };
    const { context, perSample } = opts.cache.layers[opts.layer];
    const bif = lay.mode === 'bifurcated';
    let slots = 0;
    for (let r = 1; r <= opts.maxRows; r++) {
      const ctxSlots = bif ? Math.max(sharedMaxSlots(tuning, this.dims, context, r), rowsMaxSlots(tuning, this.dims, context, r)) : 0;
      const s = rowsMaxSlots(tuning, this.dims, perSample, r) + ctxSlots;
      slots = Math.max(slots, r * opts.heads * s);
    }
    this.slotsNeeded = slots;
    let scratch = opts.scratch;
    if (!scratch) scratch = this.ownScratch = new AttentionScratch(ctx, slots, lay.headDim);
    else if (scratch.slots < slots || scratch.headDim !== lay.headDim) throw new RangeError(`DecodeAttention: scratch holds ${scratch.slots} slots, needs ${slots}`);
    this.write = new KvWriteKernel(ctx, this.dims, perSample, opts.qkv, opts.rowSample, opts.ring);
    this.tuning = tuning;
    if (bif) {
      const p = opts.heads / lay.kvHeads;
      if (opts.maxRows * p >= tuning.sharedMinQueries) this.ctxAttn = new SharedAttentionKernel(ctx, this.dims, tuning, context, opts.qkv, scratch, false, opts.ring);
      if (p < tuning.sharedMinQueries) this.ctxRows = new RowsAttentionKernel(ctx, this.dims, tuning, context, opts.qkv, opts.rowSample, scratch, true, opts.ring);
    }
    this.rowAttn = new RowsAttentionKernel(ctx, this.dims, tuning, perSample, opts.qkv, opts.rowSample, scratch, false, opts.ring);
    this.merge = new MergeKernel(ctx, this.dims, scratch, opts.out, opts.ring);
  }

  /**
   * Writes each row's k, v at decode step `step` (0-based) of sample rowSample[r]; then attention over
   * context [0, ctxLen) + that sample's decoded [0, step].
   */
  encode(pass: GPUComputePassEncoder, rows: number, ctxLen: number, step: number): void {
    const lay = this.cache.layout;
    if (rows < 1 || rows > this.maxRows) throw new RangeError(`decode: rows ${rows} not in [1, ${this.maxRows}]`);
    if (ctxLen < 0 || ctxLen > lay.contextCapacity) throw new RangeError(`decode: ctxLen ${ctxLen} not in [0, ${lay.contextCapacity}]`);
    if (step < 0 || step >= lay.maxNew) throw new RangeError(`decode: step ${step} not in [0, ${lay.maxNew})`);
    if (lay.mode === 'bifurcated') {
      this.write.encode(pass, rows, step, true);
      // Context part: attention-shared (all rows × heads of a group per K/V tile), unless there are too few
      // query vectors per KV head to fill its lanes (e.g. n = 1 with multi-head attention).
      const shared = this.ctxAttn && (!this.ctxRows || rows * (this.dims.heads / this.dims.kvHeads) >= this.tuning.sharedMinQueries);
      const pc = shared ? this.ctxAttn!.plan(rows, ctxLen, 0) : this.ctxRows!.plan(rows, ctxLen, 0);
      const pd = this.rowAttn.plan(rows, step + 1, pc.slots);
      const nSlots = pc.slots + pd.slots;
      if (shared) this.ctxAttn!.encode(pass, rows, 0, pc.dispatches, nSlots);
      else this.ctxRows!.encode(pass, rows, pc.dispatches, nSlots);
      this.rowAttn.encode(pass, rows, pd.dispatches, nSlots);
      this.merge.encode(pass, rows, nSlots);
    } else {
      this.write.encode(pass, rows, ctxLen + step, true);
      const pr = this.rowAttn.plan(rows, ctxLen + step + 1, 0);
      this.rowAttn.encode(pass, rows, pr.dispatches, pr.slots);
      this.merge.encode(pass, rows, pr.slots);
    }
  }

  destroy(): void {
    this.write.destroy();
    this.ctxAttn?.destroy();
    this.ctxRows?.destroy();
    this.rowAttn.destroy();
    this.merge.destroy();
    this.ownScratch?.destroy();
  }
}
