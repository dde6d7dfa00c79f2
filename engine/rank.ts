// Ranking of a request's finished samples: by mean token log-probability, which compares completions
// of different lengths fairly (a sum would always prefer the shortest).

import type { FinishReason } from './api.ts';

export interface Candidate {
  text: string;
  tokens: number;
  sumLogprob: number;
  finishReason: FinishReason;
}

export interface RankedCandidate extends Candidate {
  /** 1-based position in the ranking. */
  rank: number;
  /** sumLogprob / max(tokens, 1). */
  meanLogprob: number;
  /** Position of the candidate in the input (its sample number when given in sample order). */
  index: number;
}

/**
 * Sorts candidates by meanLogprob, best first; ties go to the higher sumLogprob, then to the lower
 * input index, so the order is fully determined. Blank completions (nothing but whitespace: nothing
 * to insert) rank last whatever their score, as in the app's panel. Does not modify `cands`.
 */
export function rankCandidates<T extends Candidate>(cands: readonly T[]): (T & RankedCandidate)[] {
  const scored = cands.map((c, index) => ({ ...c, index, meanLogprob: c.sumLogprob / Math.max(c.tokens, 1), rank: 0 }));
  const blank = (c: Candidate) => (c.text.trim() === '' ? 1 : 0);
  scored.sort((a, b) => blank(a) - blank(b) || b.meanLogprob - a.meanLogprob || b.sumLogprob - a.sumLogprob || a.index - b.index);
  scored.forEach((c, i) => (c.rank = i + 1));
  return scored;
}
