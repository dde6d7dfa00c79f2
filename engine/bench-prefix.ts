// `fanout bench`'s as-you-type row: the prefill a request pays when the user edits the last line of a long
// prompt, with the prompt's K/V prefilled from scratch (cold) and with the kept prefix copied in
// (engine/prefix-cache.ts: copy ctx − edit tokens of K/V per layer, prefill the edited line). Same loop as
// generate(): one submit per prefill chunk, the last row's logits computed; wall clock from the first
// submit to queue completion. Token ids are random (prefill cost does not depend on them).
import type { GpuContext } from './gpu/context.ts';
import type { ModelConfig, ModelWeights } from './model/types.ts';
import { KvCache, type KvSeqStore } from './kv-cache.ts';
import { PrefillPlan } from './model/forward.ts';
import { kvLayout, requestBytes, fmtBytes } from './memory.ts';
import { sampleRng } from './rng.ts';

export interface AsYouTypeRow {
  /** prompt tokens */
  ctx: number;
  /** tokens of the edited last line (prefilled again when the prefix is reused) */
  editTokens: number;
  coldMs: number | null;
  reusedMs: number | null;
  /** bytes of K/V copied from the kept prefix */
  copiedBytes: number;
  skipped?: string;
}

const now = () => performance.now();

/** `count` token ids in [0, vocab) from the seeded generator the sampler uses (engine/rng.ts). */
export function randomTokenIds(count: number, vocab: number, seed: number): number[] {
  const r = sampleRng(seed, 0);
  return Array.from({ length: count }, () => r.nextU32() % vocab);
}

/** Prefill `ids` from position `from` into `cache` (after copying `reuse`'s first `from` tokens): ms until done. */
async function timedPrefill(ctx: GpuContext, plan: PrefillPlan, cache: KvCache, ids: number[], from: number, rows: number, reuse?: KvSeqStore[]): Promise<number> {
  await ctx.device.queue.onSubmittedWorkDone();
  const t = now();
  for (let pos = from; pos < ids.length; pos += rows) {
    const chunk = ids.slice(pos, pos + rows);
    const enc = ctx.device.createCommandEncoder({ label: 'bench.prefill' });
    if (pos === from && reuse) cache.encodeCopyContext(enc, reuse, from);
    plan.encodeChunk(enc, chunk, pos, { last: pos + chunk.length === ids.length });
    ctx.device.queue.submit([enc.finish()]);
  }
  await ctx.device.queue.onSubmittedWorkDone();
  return now() - t;
}

/**
 * ctx: prompt tokens; editTokens: the last line's tokens; rows: prefill chunk rows; budget: bytes for
 * two caches' K/V and the prefill activations beyond the weights. Runs cold once to warm up (compiles,
 * pages in), then cold and reused once each.
 */
export async function benchAsYouType(ctx: GpuContext, c: ModelConfig, w: ModelWeights, o: { ctx: number; editTokens: number; rows: number; budget: number }): Promise<AsYouTypeRow> {
  const ctxLen = Math.min(o.ctx, c.maxPositions);
  const editTokens = Math.min(o.editTokens, ctxLen - 1);
  const rows = Math.min(o.rows, ctxLen);
  const shape = { samples: 1, contextTokens: ctxLen, maxNew: 1, mode: 'bifurcated' as const, prefillRows: rows };
  const layout = kvLayout(c, shape);
  const kvBytes = KvCache.bytesNeeded(layout, ctx.f16, ctx.maxBinding);
  const need = requestBytes(c, shape, ctx.f16) + kvBytes; // a request plus the kept prefix
  const row: AsYouTypeRow = { ctx: ctxLen, editTokens, coldMs: null, reusedMs: null, copiedBytes: 2 * c.layers * c.kvHeads * c.headDim * (ctx.f16 ? 2 : 4) * (ctxLen - editTokens) };
  if (need > o.budget) return { ...row, skipped: `needs ${fmtBytes(need)}, ${fmtBytes(o.budget)} available` };
  const kept = randomTokenIds(ctxLen, c.vocabSize, 1);
  // the user retyped the last line: same tokens up to it, others after
  const edited = [...kept.slice(0, ctxLen - editTokens), ...randomTokenIds(editTokens, c.vocabSize, 2)];

  const first = new KvCache(ctx, layout);
  const second = new KvCache(ctx, layout);
  const plan1 = new PrefillPlan(ctx, c, w, first, rows);
  const plan2 = new PrefillPlan(ctx, c, w, second, rows);
  try {
    await timedPrefill(ctx, plan1, first, kept, 0, rows); // warm-up; leaves the kept prompt's K/V in `first`
    const reuse = first.layers.map((l) => l.context);
    await timedPrefill(ctx, plan2, second, edited, ctxLen - editTokens, rows, reuse); // warm-up of the copy path
    const coldMs = await timedPrefill(ctx, plan2, second, edited, 0, rows);
    const reusedMs = await timedPrefill(ctx, plan2, second, edited, ctxLen - editTokens, rows, reuse);
    return { ...row, coldMs, reusedMs };
  } finally {
    plan1.destroy();
    plan2.destroy();
    first.destroy();
    second.destroy();
  }
}

export function formatAsYouType(r: AsYouTypeRow): string {
  if (r.skipped) return `as you type (edit of the last ${r.editTokens} tokens of a ${r.ctx}-token prompt): skipped, ${r.skipped}`;
  const f = (v: number | null) => (v === null ? '—' : v.toFixed(1));
  const x = r.coldMs && r.reusedMs ? `${(r.coldMs / r.reusedMs).toFixed(1)}x` : '—';
  return `as you type (edit of the last ${r.editTokens} tokens of a ${r.ctx}-token prompt): prefill cold ${f(r.coldMs)} ms, prefix reused ${f(r.reusedMs)} ms (${x}; ${fmtBytes(r.copiedBytes)} of K/V copied)`;
}

/** ms to prefill `ids` from scratch (one warm-up run first), the way generate() does it: for a peer comparison. */
export async function benchPrefill(ctx: GpuContext, c: ModelConfig, w: ModelWeights, ids: number[], rows: number): Promise<number> {
  const r = Math.min(rows, ids.length);
  const cache = new KvCache(ctx, kvLayout(c, { samples: 1, contextTokens: ids.length, maxNew: 1, mode: 'bifurcated', prefillRows: r }));
  const plan = new PrefillPlan(ctx, c, w, cache, r);
  try {
    await timedPrefill(ctx, plan, cache, ids, 0, r);
    return await timedPrefill(ctx, plan, cache, ids, 0, r);
  } finally {
    plan.destroy();
    cache.destroy();
  }
}
