// `fanout bench`: per-decode-step latency of both attention modes at each (n, context), on one device
// in one run. The context KV is filled with random values (no prefill): decode cost does not depend on
// the values. Attention time comes from timestamp queries around each layer's attention dispatches
// (when the device has timestamp-query); step time is wall clock from submit to queue completion.
import type { GpuContext } from './gpu/context.ts';
import { Usage } from './gpu/buffers.ts';
import type { AttentionMode } from '../protocol/engine.ts';
import type { ModelConfig, ModelWeights } from './model/types.ts';
import { KvCache } from './kv-cache.ts';
import { DecodePlan } from './model/forward.ts';
import { kvLayout, fmtBytes } from './memory.ts';
import { weightSummary } from './model/weight-summary.ts';
import { benchAsYouType, formatAsYouType, type AsYouTypeRow } from './bench-prefix.ts';
import { PREFILL_CHUNK } from './generate.ts';
import { measureCeilings, decodeFlops, rooflineMs, bandwidthGBps, type Ceilings } from './bench-ceilings.ts';

export interface BenchRow {
  n: number;
  ctx: number;
  attention: AttentionMode;
  msPerStep: number | null;
  attentionMsPerStep: number | null;
  kvBytesPerStep: number;
  skipped?: string;
  bytesNeeded?: number;
  /** the step's FLOPs (matrices + attention) and the roofline time from the device's ceilings */
  flopsPerStep: number;
  rooflineMs: number | null;
}

export interface BenchResult {
  device: string;
  model: string;
  dtype: string;
  /** weight formats by share of bytes, e.g. "Q4_K 100%" */
  weights: string;
  /** matrix bytes one decode step reads (layers + LM head) */
  weightBytesPerStep: number;
  steps: number;
  rows: BenchRow[];
  /** prefill of a one-line edit at the end of a long prompt, cold vs with the prompt's K/V kept */
  asYouType?: AsYouTypeRow;
  /** the device's copy/read/GEMM rates, measured first (engine/bench-ceilings.ts) */
  ceilings?: Ceilings;
  /** another engine timed on the same model and prompt in the same run (engine/host/bench-peer.ts) */
  peer?: PeerComparison;
}

/** llama.cpp's timings on the same model and prompt (measured by engine/host/bench-peer.ts). */
export interface PeerRow {
  n: number;
  promptTokens: number;
  prefillMs: number;
  /** copying sequence 0's prompt state into the other n − 1 sequences (node-llama-cpp shares no prompt KV) */
  copyMs: number;
  msPerStep: number;
  tokensPerSecond: number;
}

export interface PeerResult {
  name: 'llama.cpp';
  llamaCpp: { release: string; buildType: string; gpu: string | false };
  threads: number;
  model: string;
  rows: PeerRow[];
}

/** A peer's timings beside Fanout's own from the same run. */
export type PeerComparison = PeerResult & { fanout: { n: number; msPerStep: number | null }[]; fanoutPrefillMs: number };

export interface BenchModel {
  name: string;
  config: ModelConfig;
  weights: ModelWeights;
}

export interface BenchOptions {
  ns: number[];
  ctxs: number[];
  steps: number;
  /** bytes available for KV cache + activations beyond the weights */
  budget: number;
  modes?: AttentionMode[];
  /** the as-you-type row's prompt and edited-line tokens (engine/bench-prefix.ts); ctx 0 or absent: none */
  asYouType?: { ctx: number; editTokens: number };
  /** measure the device's ceilings first and give each row its roofline time (default true) */
  ceilings?: boolean;
  onRow?: (row: BenchRow) => void;
}

const now = () => performance.now();

export async function runBench(ctx: GpuContext, model: BenchModel, o: BenchOptions): Promise<BenchResult> {
  const c = model.config;
  const rows: BenchRow[] = [];
  const modes = o.modes ?? (['bifurcated', 'standard'] as AttentionMode[]);
  const ceilings = o.ceilings === false ? undefined : await measureCeilings(ctx);
  const w = weightSummary(model.weights);
  for (const ctxLen of o.ctxs) {
    for (const n of o.ns) {
      for (const mode of modes) {
        const row = await benchOne(ctx, model, n, ctxLen, mode, o);
        row.rooflineMs = ceilings ? rooflineMs(ceilings, w.bytesPerStep + row.kvBytesPerStep, row.flopsPerStep) : null;
        rows.push(row);
        o.onRow?.(row);
      }
    }
  }
  const asYouType = o.asYouType?.ctx ? await benchAsYouType(ctx, c, model.weights, { ...o.asYouType, rows: PREFILL_CHUNK, budget: o.budget }) : undefined;
  return { device: ctx.info.name, model: model.name, dtype: ctx.f16 ? 'f16' : 'f32', weights: w.text, weightBytesPerStep: w.bytesPerStep, steps: o.steps, rows, asYouType, ceilings };
}

async function benchOne(ctx: GpuContext, model: BenchModel, n: number, ctxLen: number, mode: AttentionMode, o: BenchOptions): Promise<BenchRow> {
  const c = model.config;
  const layout = kvLayout(c, { samples: n, contextTokens: ctxLen, maxNew: o.steps + 1, mode, prefillRows: 1 });
  // KV bytes read at the middle step of the run.
  const kvBytesPerStep = KvCache.kvBytesReadPerStep(layout, ctx.f16, n, ctxLen, Math.floor(o.steps / 2));
  const flopsPerStep = decodeFlops(c, n, ctxLen, Math.floor(o.steps / 2));
  const need = KvCache.bytesNeeded(layout, ctx.f16) + DecodePlan.activationBytes(c, n);
  if (need > o.budget) {
    return { n, ctx: ctxLen, attention: mode, msPerStep: null, attentionMsPerStep: null, kvBytesPerStep, flopsPerStep, rooflineMs: null, skipped: `needs ${fmtBytes(need)}, ${fmtBytes(o.budget)} available`, bytesNeeded: need };
  }
  const cache = new KvCache(ctx, layout);
  const plan = new DecodePlan(ctx, c, model.weights, cache, n);
  const timed = ctx.timestamps;
  const querySet = timed ? ctx.device.createQuerySet({ type: 'timestamp', count: 2 * c.layers }) : undefined;
  const resolve = timed ? ctx.device.createBuffer({ size: 16 * c.layers, usage: Usage.QUERY_RESOLVE | Usage.COPY_SRC }) : undefined;
  const readback = timed ? ctx.device.createBuffer({ size: 16 * c.layers, usage: Usage.MAP_READ | Usage.COPY_DST }) : undefined;
  try {
    cache.fillRandom(ctxLen, 7);
    const enc0 = ctx.device.createCommandEncoder();
    cache.encodeBroadcastContext(enc0, ctxLen);
    ctx.device.queue.submit([enc0.finish()]);
    await ctx.device.queue.onSubmittedWorkDone();
    const tokens = Array.from({ length: n }, (_, i) => (i * 7919) % c.vocabSize);
    const rowSample = Array.from({ length: n }, (_, i) => i);
    let wall = 0;
    let attnNs = 0;
    // Step 0 is a warm-up (first dispatches compile and page in); steps 1..K are measured.
    for (let step = 0; step <= o.steps; step++) {
      const enc = ctx.device.createCommandEncoder();
      plan.encodeStep(enc, tokens, rowSample, ctxLen, step, querySet ? { querySet, base: 0 } : undefined);
      if (querySet && resolve && readback) {
        enc.resolveQuerySet(querySet, 0, 2 * c.layers, resolve, 0);
        enc.copyBufferToBuffer(resolve, 0, readback, 0, 16 * c.layers);
      }
      const t = now();
      ctx.device.queue.submit([enc.finish()]);
      await ctx.device.queue.onSubmittedWorkDone();
      const dt = now() - t;
      if (readback) {
        await readback.mapAsync(0x1);
        const ts = new BigInt64Array(readback.getMappedRange().slice(0));
        readback.unmap();
        if (step > 0) for (let l = 0; l < c.layers; l++) attnNs += Number(ts[2 * l + 1] - ts[2 * l]);
      }
      if (step > 0) wall += dt;
    }
    return {
      n,
      ctx: ctxLen,
      attention: mode,
      msPerStep: wall / o.steps,
      attentionMsPerStep: timed ? attnNs / 1e6 / o.steps : null,
      kvBytesPerStep,
      flopsPerStep,
      rooflineMs: null,
    };
  } finally {
    plan.destroy();
    cache.destroy();
    querySet?.destroy();
    resolve?.destroy();
    readback?.destroy();
  }
}

/**
 * The readable table: one line per (ctx, n) with both modes and the ratio standard/bifurcated, and the
 * bytes the bifurcated step reads (weights + KV) per second of step time.
 */
export function formatBench(r: BenchResult): string {
  const out = [
    `device: ${r.device}  model: ${r.model}  dtype: ${r.dtype}  steps: ${r.steps}`,
    `weights: ${r.weights}, ${fmtBytes(r.weightBytesPerStep)} read per decode step`,
  ];
  const c = r.ceilings;
  if (c)
    out.push(
      `ceilings: copy ${c.copyGBps.toFixed(2)} GB/s, read kernel ${c.readGBps.toFixed(2)} GB/s, FMA ${c.fmaGflops.toFixed(1)} GFLOP/s; our GEMM ${c.gemmGflops.toFixed(1)} GFLOP/s (${c.gemmShape})`,
      `roof = max(bytes / ${bandwidthGBps(c).toFixed(2)} GB/s, FLOPs / FMA); x roof = measured / roof`,
    );
  const xRoof = (x: BenchRow | undefined) => (x?.msPerStep && x.rooflineMs ? (x.msPerStep / x.rooflineMs).toFixed(1) + 'x' : '—');
  const f = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  const gbps = (x: BenchRow | undefined) => (x?.msPerStep ? ((r.weightBytesPerStep + x.kvBytesPerStep) / (x.msPerStep / 1e3) / 1e9).toFixed(2) : '—');
  out.push(['ctx', 'n', 'bif ms/step', 'bif attn ms', 'std ms/step', 'std attn ms', 'attn std/bif', 'KV read bif', 'KV read std', 'bif GB/s', ...(c ? ['bif roof ms', 'bif x roof', 'std x roof'] : [])].map((s) => s.padStart(13)).join(''));
  const key = (x: BenchRow) => `${x.ctx}/${x.n}`;
  const groups = new Map<string, BenchRow[]>();
  for (const row of r.rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  for (const g of groups.values()) {
    const b = g.find((x) => x.attention === 'bifurcated');
    const s = g.find((x) => x.attention === 'standard');
    const ratio = b?.attentionMsPerStep && s?.attentionMsPerStep ? (s.attentionMsPerStep / b.attentionMsPerStep).toFixed(2) + 'x' : b?.msPerStep && s?.msPerStep ? (s.msPerStep / b.msPerStep).toFixed(2) + 'x (step)' : '—';
    out.push(
      [String(g[0].ctx), String(g[0].n), f(b?.msPerStep ?? null), f(b?.attentionMsPerStep ?? null), s?.skipped ? 'skipped' : f(s?.msPerStep ?? null), f(s?.attentionMsPerStep ?? null), ratio, b ? fmtBytes(b.kvBytesPerStep) : '—', s ? fmtBytes(s.kvBytesPerStep) : '—', gbps(b), ...(c ? [f(b?.rooflineMs ?? null), xRoof(b), xRoof(s)] : [])]
        .map((x) => x.padStart(13))
        .join(''),
    );
    for (const x of g) if (x.skipped) out.push(`  skipped ${x.attention} n=${x.n} ctx=${x.ctx}: ${x.skipped}`);
  }
  if (r.asYouType) out.push(formatAsYouType(r.asYouType));
  return out.join('\n');
}
