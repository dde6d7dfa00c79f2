// Re-ranking of finished samples: group identical completions, score each group, order the groups.
// Pure: no DOM, no Monaco, no TypeScript compiler (the syntax check result is passed in).
import type { FinishReason } from '../engine/api.ts';

export type RerankMode = 'mean' | 'sum' | 'agreement' | 'parses';

export const RERANK_MODES: readonly { mode: RerankMode; label: string }[] = [
  { mode: 'mean', label: 'Mean log-probability' },
  { mode: 'sum', label: 'Sum log-probability' },
  { mode: 'agreement', label: 'Agreement' },
  { mode: 'parses', label: 'Parses first' },
];

/** One sample as the renderer accumulates it from token/finish events. */
export interface Candidate {
  sample: number;
  text: string;
  tokens: number;
  sumLogprob: number;
  /** null while the sample is still decoding. */
  finishReason: FinishReason | null;
}

/** Identical candidates (after whitespace normalisation), represented by their most probable member. */
export interface CandidateGroup {
  key: string;
  /** The representative's text: the member with the best mean log-probability. */
  text: string;
  /** Sample indices of all members, representative first. */
  samples: number[];
  count: number;
  tokens: number;
  sumLogprob: number;
  meanLogprob: number;
  finishReason: FinishReason | null;
}

export interface RankedGroup extends CandidateGroup {
  /** 1-based. */
  rank: number;
  /** The value the mode sorts by (log-probability, or group size for agreement). */
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

/** Mean log-probability per token; a sample with no tokens has no evidence and ranks last. */
export function meanLogprob(c: Pick<Candidate, 'tokens' | 'sumLogprob'>): number {
  return c.tokens > 0 ? c.sumLogprob / c.tokens : Number.NEGATIVE_INFINITY;
}

/** Groups candidates by normalised text. Groups come out in order of their lowest sample index. */
export function groupCandidates(candidates: readonly Candidate[]): CandidateGroup[] {
  const byKey = new Map<string, Candidate[]>();
  for (const c of [...candidates].sort((a, b) => a.sample - b.sample)) {
    const key = normalizeForGrouping(c.text);
    const members = byKey.get(key);
    if (members) members.push(c);
    else byKey.set(key, [c]);
  }
  const groups: CandidateGroup[] = [];
  for (const [key, members] of byKey) {
    // Best member first; ties keep the lower sample index (the sort is stable).
    const ordered = [...members].sort((a, b) => compareDesc(meanLogprob(a), meanLogprob(b)));
    const best = ordered[0]!;
    groups.push({
      key,
      text: best.text,
      samples: ordered.map((c) => c.sample),
      count: members.length,
      tokens: best.tokens,
      sumLogprob: best.sumLogprob,
      meanLogprob: meanLogprob(best),
      finishReason: best.finishReason,
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

/**
 * Groups and orders candidates for `mode`:
 * - mean: best mean log-probability per token (length-neutral; the default);
 * - sum: best total log-probability (prefers short completions);
 * - agreement: how many samples produced the same completion, ties by mean log-probability;
 * - parses: completions that leave the file without new syntax errors first, then unknown, then those
 *   that add errors; mean log-probability within each class.
 * Blank completions (nothing to insert) always rank last. Ties go to the higher mean, then the higher sum
 * log-probability, then the lowest sample index.
 */
export function rerank(candidates: readonly Candidate[], mode: RerankMode, opts: RerankOptions = {}): RankedGroup[] {
  const groups = groupCandidates(candidates).map((g) => {
    const r: RankedGroup = { ...g, rank: 0, score: scoreFor(g, mode) };
    if (mode === 'parses') r.addsSyntaxErrors = opts.addsSyntaxErrors?.get(g.text);
    return r;
  });
  groups.sort((a, b) => {
    const blank = Number(a.key === '') - Number(b.key === '');
    if (blank !== 0) return blank;
    if (mode === 'parses') {
      const cls = parseClass(a.addsSyntaxErrors) - parseClass(b.addsSyntaxErrors);
      if (cls !== 0) return cls;
    }
    const byScore = compareDesc(a.score, b.score);
    if (byScore !== 0) return byScore;
    const byMean = compareDesc(a.meanLogprob, b.meanLogprob);
    if (byMean !== 0) return byMean;
    // As in the CLI's ranking (engine/rank.ts): equal means go to the longer, higher-sum completion.
    const bySum = compareDesc(a.sumLogprob, b.sumLogprob);
    if (bySum !== 0) return bySum;
    return Math.min(...a.samples) - Math.min(...b.samples);
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
