// Ranking of a request's samples: the one module the CLI (`fanout complete`), `fanout eval` and the
// renderer's panel and ghost text use. Pure and browser-safe (imports types and protocol/quality.ts only).
//
// Order, in every mode:
//   1. blank samples are no candidates at all (nothing to insert); callers report how many there were;
//   2. demotion tier: samples that ended by a stop rule or end-of-text, then those cut at max tokens, then
//      those cancelled or still decoding; within each, samples that repeat themselves (protocol/quality.ts)
//      after those that do not. A sample cut mid-thought or looping is a worse suggestion whatever its
//      per-token probability: a small model's loops are very probable token by token;
//   3. the mode's key: mean log-probability per token (default; length-neutral), sum log-probability
//      (prefers short completions), agreement (how many samples gave the same text), or parses (no new
//      syntax errors first, then unknown, then errors; mean within);
//   4. ties: higher mean, higher sum, lower sample index, so the order is fully determined.
// Identical completions (after whitespace normalisation) form one group, shown once with its count.
import type { FinishReason } from './engine.ts';
import { isBlank, isRepetitive } from './quality.ts';

export type RerankMode = 'mean' | 'sum' | 'agreement' | 'parses';

export const RERANK_MODES: readonly { mode: RerankMode; label: string }[] = [
  { mode: 'mean', label: 'Mean log-probability' },
  { mode: 'sum', label: 'Sum log-probability' },
  { mode: 'agreement', label: 'Agreement' },
  { mode: 'parses', label: 'Parses first' },
];

/** One sample's result (or its state so far, while it decodes). */
export interface Sample {
  text: string;
  tokens: number;
  sumLogprob: number;
  /** null while the sample is still decoding. */
  finishReason: FinishReason | null;
}

/** A sample with its number in the request, as the renderer accumulates it from token/finish events. */
export interface Candidate extends Sample {
  sample: number;
}

/** Why a sample ranks below the samples that ended cleanly (null: it did end cleanly). */
export type Demotion = 'repeats' | 'length' | 'length-repeats' | 'unfinished' | 'unfinished-repeats' | null;

/**
 * 0: ended by a stop rule or end-of-text; 1: cut at max tokens; 2: cancelled or still decoding.
 */
export function finishTier(reason: FinishReason | null): 0 | 1 | 2 {
  if (reason === 'length') return 1;
  if (reason === null || reason === 'cancelled') return 2;
  return 0;
}

/** The sort key of step 2 (lower is better): 2·finishTier + (repeats ? 1 : 0). */
export function demotionKey(s: Pick<Sample, 'text' | 'finishReason'>): number {
  return 2 * finishTier(s.finishReason) + (isRepetitive(s.text) ? 1 : 0);
}

const DEMOTIONS: readonly Demotion[] = [null, 'repeats', 'length', 'length-repeats', 'unfinished', 'unfinished-repeats'];

/** Mean log-probability per token; a sample with no tokens has no evidence and ranks last. */
export function meanLogprob(c: Pick<Sample, 'tokens' | 'sumLogprob'>): number {
  return c.tokens > 0 ? c.sumLogprob / c.tokens : Number.NEGATIVE_INFINITY;
}

/** Samples with nothing to insert (they are not candidates). */
export function countBlank(samples: readonly Pick<Sample, 'text'>[]): number {
  return samples.filter((s) => isBlank(s.text)).length;
}

// ------------------------------------------------------------------------------------------------
// Per sample (CLI table, eval's re-ranked pass@1)

export interface RankedSample {
  /** 1-based position in the ranking. */
  rank: number;
  meanLogprob: number;
  /** Position of the sample in the input. */
  index: number;
  demotion: Demotion;
}

/**
 * Ranks samples one by one in mean mode (steps 1, 2, 3 and 4 above, no grouping). Blank samples are left
 * out; `index` is each sample's position in the input. Does not modify `samples`.
 */
export function rankSamples<T extends Sample>(samples: readonly T[]): (T & RankedSample)[] {
  const scored = samples
    .map((s, index) => ({ ...s, index, meanLogprob: meanLogprob(s), rank: 0, demotion: null as Demotion, key: 0 }))
    .filter((s) => !isBlank(s.text));
  for (const s of scored) {
    s.key = demotionKey(s);
    s.demotion = DEMOTIONS[s.key]!;
  }
  scored.sort((a, b) => a.key - b.key || compareDesc(a.meanLogprob, b.meanLogprob) || compareDesc(a.sumLogprob, b.sumLogprob) || a.index - b.index);
  return scored.map(({ key: _key, ...s }, i) => ({ ...s, rank: i + 1 }) as unknown as T & RankedSample);
}

// ------------------------------------------------------------------------------------------------
// Groups (the app's panel and ghost text)

/** Identical candidates (after whitespace normalisation), represented by their best member. */
export interface CandidateGroup {
  key: string;
  /** The representative's text: the member that ranks first (lowest demotion, then best mean). */
  text: string;
  /** Sample indices of all members, representative first. */
  samples: number[];
  count: number;
  tokens: number;
  sumLogprob: number;
  meanLogprob: number;
  finishReason: FinishReason | null;
  /** Why the group ranks below cleanly ended ones (its representative's demotion). */
  demotion: Demotion;
}

export interface RankedGroup extends CandidateGroup {
  /** 1-based. */
  rank: number;
  /** The value the mode sorts by within a demotion tier (log-probability, or group size for agreement). */
  score: number;
  /**
   * parses mode only: true when inserting the text adds syntax errors, false when it does not,
   * undefined when unknown (not checked yet, or the language has no syntax check).
   */
  addsSyntaxErrors?: boolean;
}

/**
 * Grouping key: runs of whitespace collapse to one space and the ends are trimmed, so completions that
 * differ only in indentation or trailing spaces count as the same answer.
 */
export function normalizeForGrouping(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Groups the non-blank candidates by normalised text, in order of their lowest sample index. */
export function groupCandidates(candidates: readonly Candidate[]): CandidateGroup[] {
  const byKey = new Map<string, { c: Candidate; key: number }[]>();
  for (const c of [...candidates].sort((a, b) => a.sample - b.sample)) {
    if (isBlank(c.text)) continue;
    const key = normalizeForGrouping(c.text);
    const m = { c, key: demotionKey(c) };
    const members = byKey.get(key);
    if (members) members.push(m);
    else byKey.set(key, [m]);
  }
  const groups: CandidateGroup[] = [];
  for (const [key, members] of byKey) {
    // Best member first; ties keep the lower sample index (the sort is stable).
    const ordered = [...members].sort((a, b) => a.key - b.key || compareDesc(meanLogprob(a.c), meanLogprob(b.c)));
    const best = ordered[0]!;
    groups.push({
      key,
      text: best.c.text,
      samples: ordered.map((m) => m.c.sample),
      count: members.length,
      tokens: best.c.tokens,
      sumLogprob: best.c.sumLogprob,
      meanLogprob: meanLogprob(best.c),
      finishReason: best.c.finishReason,
      demotion: DEMOTIONS[best.key]!,
    });
  }
  return groups;
}

export interface RerankOptions {
  /**
   * parses mode: for a candidate text, whether inserting it adds syntax errors (keyed by the exact text).
   * Texts missing from the map rank between those that parse and those that add errors.
   */
  addsSyntaxErrors?: ReadonlyMap<string, boolean>;
}

/** Groups and orders candidates for `mode` (see the header). Blank candidates are left out. */
export function rerank(candidates: readonly Candidate[], mode: RerankMode, opts: RerankOptions = {}): RankedGroup[] {
  const groups = groupCandidates(candidates).map((g) => {
    const r: RankedGroup = { ...g, rank: 0, score: scoreFor(g, mode) };
    if (mode === 'parses') r.addsSyntaxErrors = opts.addsSyntaxErrors?.get(g.text);
    return r;
  });
  groups.sort((a, b) => {
    const tier = DEMOTIONS.indexOf(a.demotion) - DEMOTIONS.indexOf(b.demotion);
    if (tier !== 0) return tier;
    if (mode === 'parses') {
      const cls = parseClass(a.addsSyntaxErrors) - parseClass(b.addsSyntaxErrors);
      if (cls !== 0) return cls;
    }
    return (
      compareDesc(a.score, b.score) ||
      compareDesc(a.meanLogprob, b.meanLogprob) ||
      compareDesc(a.sumLogprob, b.sumLogprob) ||
      Math.min(...a.samples) - Math.min(...b.samples)
    );
  });
  groups.forEach((g, i) => (g.rank = i + 1));
  return groups;
}

function scoreFor(g: CandidateGroup, mode: RerankMode): number {
  switch (mode) {
    case 'sum':
      return g.sumLogprob;
    case 'agreement':
      return g.count;
    case 'mean':
    case 'parses':
      return g.meanLogprob;
  }
}

function parseClass(addsErrors: boolean | undefined): number {
  return addsErrors === false ? 0 : addsErrors === undefined ? 1 : 2;
}

/** Descending order that treats equal values (including two -Infinity) as ties. */
function compareDesc(a: number, b: number): number {
  if (a === b) return 0;
  return a > b ? -1 : 1;
}
