// GPU kernels of attention (shared-KV flash-decoding, per-row KV, log-sum-exp merge, KV writes) and the
// split planning they share. PrefillAttention and DecodeAttention compose these.
//
// Partial states: for each (row, head) `nSlots` slots of (m, l) (log2 units) and acc [D] (f32,
// unnormalised). A dispatch writes slots [slotBase, slotBase + splits) of the rows it covers.
import { isCpuAdapter, type GpuContext } from '../gpu/context.ts';
import { variantsFor } from '../variants.ts';
import { createStorage } from '../gpu/buffers.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import { DispatchUniform, type UniformRing } from '../gpu/uniform-ring.ts';
import type { KvSegment, KvSeqStore } from '../kv-cache.ts';
import rowsSrc from '../../shaders/attention-rows.wgsl';
import mergeSrc from '../../shaders/attention-merge.wgsl';
import kvWriteSrc from '../../shaders/kv-write.wgsl';
import { rowsCpuSource } from './cpu-gen.ts';
import { sharedTiledSource, sharedUniformSource } from './shared-source.ts';

export interface AttnDims {
  heads: number;
  kvHeads: number;
  headDim: number;
}

/** Device-dependent tuning (the values per device profile are in engine/variants.ts). */
export interface AttnTuning {
  /** Workgroups a dispatch should reach to fill the device. */
  targetWorkgroups: number;
  /** attention-shared: lanes per workgroup and query vectors per lane; keys per block. */
  sharedLanes: number;
  sharedQpl: number;
  sharedKb: number;
  /** attention-rows: lanes (keys in flight) per workgroup; fewest keys per split. */
  rowsLanes: number;
  rowsMinKeys: number;
  /** Bifurcated decode: below this many query vectors per KV head (rows·H/G), the context part runs on
   * attention-rows (one row per workgroup) instead of attention-shared, whose lanes would idle. */
  sharedMinQueries: number;
  /** Use the generated CPU-driver kernels (engine/attention/cpu-gen.ts; needs headDim % 8 == 0): register
   * tiles and packed K/V loads, for drivers where every load is paid per lane (attention-rows only). */
  cpuKernels: boolean;
  /** GPU: the shared-context kernel stages K/V tiles of `kb` keys in workgroup memory (attention-shared-
   * tiled.wgsl): `lanes` per workgroup, `tpq` lanes per query vector, their partial dot products reduced
   * with subgroup shuffles (`subgroups`) or through workgroup memory. null: attention-shared.wgsl with
   * sharedLanes/sharedQpl/sharedKb. */
  sharedTiled: { lanes: number; tpq: number; kb: number; subgroups: boolean } | null;
}

/** This device's attention tuning (engine/variants.ts, by device profile). */
export function attnTuning(ctx: GpuContext, headDim: number): AttnTuning {
  return variantsFor(ctx).attention(headDim);
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);
const roundUp = (a: number, b: number) => ceilDiv(a, b) * b;

/** Partial-state buffers, sized for `slots` (row, head, slot) triples. May be shared by kernels of several layers (dispatches are ordered). */
export class AttentionScratch {
  readonly partAcc: GPUBuffer;
  readonly partML: GPUBuffer;
  constructor(ctx: GpuContext, readonly slots: number, readonly headDim: number) {
    this.partAcc = createStorage(ctx, slots * headDim * 4, 'attn.partAcc');
    this.partML = createStorage(ctx, slots * 8, 'attn.partML');
  }
  destroy() {
    this.partAcc.destroy();
    this.partML.destroy();
  }
}

// One uniform buffer + bind group per dispatch site (segment), so an encode writes each once.
interface Site {
  uniform: DispatchUniform;
  bind: GPUBindGroup;
}
/** A dispatch site's uniform (64 bytes): a slot of the plan's ring, or its own buffer. Binding 0, dynamic offset. */
function makeUniform(ctx: GpuContext, label: string, ring: UniformRing | undefined): DispatchUniform {
  return new DispatchUniform(ctx, ring, label, 64);
}
const DYN = { dynamic: [0] };

/** One dispatch of a plan: keys [kvStart, kvEnd) of one segment, `splits` splits of keysPerSplit, slots from slotBase. */
export interface SplitDispatch {
  seg: number;
  kvStart: number;
  kvEnd: number;
  keysPerSplit: number;
  splits: number;
  slotBase: number;
}

/**
 * Cuts keys [0, n) of a store into splits of keysPerSplit (a multiple of `align`, ≥ minKeys), never across
 * a segment's token boundary. Segments with equal token ranges (different samples) share slot numbers.
 */
export function planSplits(
  segs: { tokenStart: number; tokens: number }[],
  n: number,
  targetSplits: number,
  align: number,
  minKeys: number,
  slotBase: number,
): { dispatches: SplitDispatch[]; slots: number } {
  const keysPerSplit = roundUp(Math.max(minKeys, ceilDiv(n, Math.max(1, targetSplits))), align);
  const rangeBase = new Map<number, number>();
  const dispatches: SplitDispatch[] = [];
  let slots = 0;
  segs.forEach((s, seg) => {
    const a = s.tokenStart;
    const b = Math.min(n, s.tokenStart + s.tokens);
    if (b <= a) return;
    const splits = ceilDiv(b - a, keysPerSplit);
    let base = rangeBase.get(a);
    if (base === undefined) {
      base = slotBase + slots;
      rangeBase.set(a, base);
      slots += splits;
    }
    dispatches.push({ seg, kvStart: a, kvEnd: b, keysPerSplit, splits, slotBase: base });
  });
  return { dispatches, slots };
}

/** Distinct token ranges of a store's segments (upper bound on extra splits from segment boundaries). */
export function tokenRanges(store: KvSeqStore): number {
  return new Set(store.segs.map((s) => s.tokenStart)).size;
}

/** Query vectors per workgroup of the shared-context kernel. */
function sharedQueriesPerGroup(t: AttnTuning): number {
  return t.sharedTiled ? t.sharedTiled.lanes / t.sharedTiled.tpq : t.sharedLanes * t.sharedQpl;
}
/** Keys per block of the shared-context kernel (splits are multiples of it). */
function sharedKeyBlock(t: AttnTuning): number {
  return t.sharedTiled ? t.sharedTiled.kb : t.sharedKb;
}
/** Query blocks (workgroups along x) attention-shared uses for `rows` rows. */
export function sharedQueryBlocks(t: AttnTuning, d: AttnDims, rows: number): number {
  return ceilDiv(rows * (d.heads / d.kvHeads), sharedQueriesPerGroup(t));
}
/** Most slots per (row, head) attention-shared's plan uses for `rows` rows, any key count. */
export function sharedMaxSlots(t: AttnTuning, d: AttnDims, store: KvSeqStore, rows: number): number {
  return ceilDiv(t.targetWorkgroups, d.kvHeads * sharedQueryBlocks(t, d, rows)) + tokenRanges(store);
}
/** Heads per workgroup of attention-rows: all P of a KV group (portable kernel), or the largest divisor of P ≤ 4 (CPU kernel: q and acc of each head live in registers). */
export function rowsHeadBlock(t: AttnTuning, d: AttnDims): number {
  const p = d.heads / d.kvHeads;
  if (!t.cpuKernels) return p;
  let pb = Math.min(1, p);
  while (p % pb) pb--;
  return pb;
}
/** Workgroups along y of attention-rows: KV heads × head blocks. */
function rowsGroupsY(t: AttnTuning, d: AttnDims): number {
  return d.kvHeads * ((d.heads / d.kvHeads) / rowsHeadBlock(t, d));
}
/** Most slots per (row, head) attention-rows' plan uses for `rows` rows, any key count. */
export function rowsMaxSlots(t: AttnTuning, d: AttnDims, store: KvSeqStore, rows: number): number {
  return ceilDiv(t.targetWorkgroups, rows * rowsGroupsY(t, d)) + tokenRanges(store);
}

/** attention-shared (or, on a GPU profile, attention-shared-tiled) over one sequence store (samples = 1: the context). */
export class SharedAttentionKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly sites: Site[];
  private readonly u = new ArrayBuffer(64);
  /** the 48 bytes of `u` the shader's uniform struct holds */
  private readonly u48 = new Uint8Array(this.u, 0, 48);
  constructor(
    private readonly ctx: GpuContext,
    private readonly dims: AttnDims,
    readonly tuning: AttnTuning,
    private readonly store: KvSeqStore,
    qkv: GPUBuffer,
    scratch: AttentionScratch,
    readonly causal: boolean,
    ring?: UniformRing,
  ) {
    const { heads: H, kvHeads: G, headDim: D } = dims;
    const st = tuning.sharedTiled;
    this.pipeline = st
      ? computePipeline(ctx, st.subgroups ? 'attention-shared-tiled-subgroups' : 'attention-shared-tiled', sharedTiledSource(st.subgroups), {
          D4: D / 4, P: H / G, H, G, LANES: st.lanes, TPQ: st.tpq, KB: st.kb, CAUSAL: causal, RUNTIME_BOUNDS: isCpuAdapter(ctx),
        }, DYN)
      : computePipeline(ctx, 'attention-shared', sharedUniformSource(), {
          D4: D / 4, P: H / G, H, G, LANES: tuning.sharedLanes, QPL: tuning.sharedQpl, KB: tuning.sharedKb, CAUSAL: causal,
        }, DYN);
    this.sites = store.segs.map((s, i) => {
      const uniform = makeUniform(ctx, `attn-shared.u${i}`, ring);
      return { uniform, bind: bindGroup(ctx, this.pipeline, [uniform.binding, qkv, s.k, s.v, scratch.partAcc, scratch.partML], `attn-shared.${i}`) };
    });
  }

  queryBlocks(rows: number): number {
    return sharedQueryBlocks(this.tuning, this.dims, rows);
  }

  /** Split plan for `rows` query rows over keys [0, n). */
  plan(rows: number, n: number, slotBase: number) {
    const target = ceilDiv(this.tuning.targetWorkgroups, this.dims.kvHeads * this.queryBlocks(rows));
    const kb = sharedKeyBlock(this.tuning);
    return planSplits(this.store.segs, n, target, kb, kb, slotBase);
  }

  /** Most slots plan() can use for `rows` rows (any n). */
  maxSlots(rows: number): number {
    return sharedMaxSlots(this.tuning, this.dims, this.store, rows);
  }

  /** Dispatches the plan: rows query rows (row r at position posStart + r when causal), nSlots slots per (row, head). */
  encode(pass: GPUComputePassEncoder, rows: number, posStart: number, dispatches: SplitDispatch[], nSlots: number) {
    const { headDim: D, kvHeads: G } = this.dims;
    const u32 = new Uint32Array(this.u);
    const f32 = new Float32Array(this.u);
    const qb = this.queryBlocks(rows);
    for (const d of dispatches) {
      const seg = this.store.segs[d.seg];
      u32.set([rows, posStart, seg.tokenStart, d.kvStart, d.kvEnd, d.keysPerSplit, d.slotBase, nSlots]);
      f32[8] = Math.LOG2E / Math.sqrt(D);
      u32[9] = D / 4; // nd4
      u32[10] = this.tuning.sharedTiled?.kb ?? 0; // kb (attention-shared-tiled's run-time loop bound)
      const site = this.sites[d.seg];
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, site.bind, [site.uniform.put(this.u48)]);
      pass.dispatchWorkgroups(qb, d.splits, G);
    }
  }

  destroy() {
    for (const s of this.sites) s.uniform.destroy();
  }
}

/** attention-rows over a per-sample store: row r against sample rowSample[r]'s sequence. */
export class RowsAttentionKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly sites: Site[];
  private readonly u = new ArrayBuffer(64);
  /** the 48 bytes of `u` the shader's uniform struct holds */
  private readonly u48 = new Uint8Array(this.u, 0, 48);
  constructor(
    private readonly ctx: GpuContext,
    private readonly dims: AttnDims,
    readonly tuning: AttnTuning,
    private readonly store: KvSeqStore,
    qkv: GPUBuffer,
    rowSample: GPUBuffer,
    scratch: AttentionScratch,
    /** Every row reads sample 0 of the store (the shared context) instead of rowSample[r]. */
    readonly sharedSeq = false,
    ring?: UniformRing,
  ) {
    const { heads: H, kvHeads: G, headDim: D } = dims;
    this.pipeline = tuning.cpuKernels
      ? computePipeline(ctx, 'attention-rows-cpu', rowsCpuSource({ D, P: H / G, H, G, f16: ctx.f16, LANES: tuning.rowsLanes, PB: rowsHeadBlock(tuning, dims) }), {}, DYN)
      : computePipeline(ctx, 'attention-rows', rowsSrc, { D4: D / 4, P: H / G, H, G, LANES: tuning.rowsLanes }, DYN);
    this.groupsY = rowsGroupsY(tuning, dims);
    this.sites = store.segs.map((s, i) => {
      const uniform = makeUniform(ctx, `attn-rows.u${i}`, ring);
      return { uniform, bind: bindGroup(ctx, this.pipeline, [uniform.binding, qkv, s.k, s.v, rowSample, scratch.partAcc, scratch.partML], `attn-rows.${i}`) };
    });
  }

  private readonly groupsY: number;

  plan(rows: number, n: number, slotBase: number) {
    const target = ceilDiv(this.tuning.targetWorkgroups, rows * this.groupsY);
    return planSplits(this.store.segs, n, target, this.tuning.rowsLanes, this.tuning.rowsMinKeys, slotBase);
  }

  maxSlots(rows: number): number {
    return rowsMaxSlots(this.tuning, this.dims, this.store, rows);
  }

  encode(pass: GPUComputePassEncoder, rows: number, dispatches: SplitDispatch[], nSlots: number) {
    const { headDim: D } = this.dims;
    const u32 = new Uint32Array(this.u);
    const f32 = new Float32Array(this.u);
    for (const d of dispatches) {
      const seg: KvSegment = this.store.segs[d.seg];
      u32.set([rows, seg.sampleStart, seg.samples, seg.tokenStart, seg.tokens, d.kvStart, d.kvEnd, d.keysPerSplit, d.slotBase, nSlots]);
      f32[10] = Math.LOG2E / Math.sqrt(D);
      u32[11] = this.sharedSeq ? 1 : 0;
      const site = this.sites[d.seg];
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, site.bind, [site.uniform.put(this.u48)]);
      pass.dispatchWorkgroups(rows, this.groupsY, d.splits);
    }
  }

  destroy() {
    for (const s of this.sites) s.uniform.destroy();
  }
}

/** attention-merge: nSlots partials per (row, head) → out [rows, H·D] f32. */
export class MergeKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly site: Site;
  constructor(ctx: GpuContext, dims: AttnDims, scratch: AttentionScratch, out: GPUBuffer, ring?: UniformRing) {
    this.pipeline = computePipeline(ctx, 'attention-merge', mergeSrc, { D4: dims.headDim / 4, H: dims.heads }, DYN);
    const uniform = makeUniform(ctx, 'attn-merge.u', ring);
    this.site = { uniform, bind: bindGroup(ctx, this.pipeline, [uniform.binding, scratch.partAcc, scratch.partML, out], 'attn-merge') };
    this.heads = dims.heads;
  }
  private readonly heads: number;

  encode(pass: GPUComputePassEncoder, rows: number, nSlots: number) {
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.site.bind, [this.site.uniform.put(new Uint32Array([rows, nSlots]))]);
    const n = rows * this.heads;
    // 2D grid when rows·H exceeds the per-dimension limit is not needed: rows·H ≤ 65535 for sane sizes.
    pass.dispatchWorkgroups(n);
  }

  destroy() {
    this.site.uniform.destroy();
  }
}

/** kv-write: k, v of rows from qkv into a sequence store (all segments; each skips rows not its own). */
export class KvWriteKernel {
  private readonly pipeline: GPUComputePipeline;
  private readonly sites: Site[];
  private readonly u = new Uint32Array(8);
  constructor(
    private readonly ctx: GpuContext,
    private readonly dims: AttnDims,
    private readonly store: KvSeqStore,
    qkv: GPUBuffer,
    rowSample: GPUBuffer,
    ring?: UniformRing,
  ) {
    const { heads: H, kvHeads: G, headDim: D } = dims;
    this.pipeline = computePipeline(ctx, 'kv-write', kvWriteSrc, { D4: D / 4, H, G }, DYN);
    this.sites = store.segs.map((s, i) => {
      const uniform = makeUniform(ctx, `kv-write.u${i}`, ring);
      return { uniform, bind: bindGroup(ctx, this.pipeline, [uniform.binding, qkv, rowSample, s.k, s.v], `kv-write.${i}`) };
    });
  }

  /**
   * perSample = false: row r → sample 0, token `token + r` (prefill). perSample = true: row r → sample
   * rowSample[r], token `token` (decode). Dispatches only to segments that can hold a destination.
   */
  encode(pass: GPUComputePassEncoder, rows: number, token: number, perSample: boolean) {
    const { kvHeads: G, headDim: D } = this.dims;
    const t0 = token;
    const t1 = perSample ? token + 1 : token + rows;
    this.store.segs.forEach((seg, i) => {
      if (seg.tokenStart >= t1 || seg.tokenStart + seg.tokens <= t0) return;
      this.u.set([rows, perSample ? 1 : 0, token, perSample ? 0 : 1, seg.sampleStart, seg.samples, seg.tokenStart, seg.tokens]);
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, this.sites[i].bind, [this.sites[i].uniform.put(this.u)]);
      pass.dispatchWorkgroups(ceilDiv((G * D) / 4, 64), rows);
    });
  }

  destroy() {
    for (const s of this.sites) s.uniform.destroy();
  }
}
