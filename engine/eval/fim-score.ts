// The FIM section's figures, from each position's greedy sample and its n samples at temperature.
//
// Per position: exact and whitespace-normalised match of the greedy sample and of the top candidate (the
// n samples ranked by protocol/rank.ts as the app's panel and ghost text rank them; none when every sample
// was blank), and the candidate flags (engine/eval/candidate-quality.ts) of both. Averaged over
// positions, overall and per kind, plus the share of blank samples among all n-samples.
import { countBlank, rankSamples, type Sample } from '../../protocol/rank.ts';
import { candidateFlags, candidateQuality, type CandidateFlags, type CandidateQuality } from './candidate-quality.ts';
import { exactMiddleMatch, FIM_KINDS, normalizedMiddleMatch, type FimKind, type FimPosition } from './fim.ts';

export interface FimScore {
  greedyExact: boolean;
  greedyNormalized: boolean;
  /** Index (sample number) of the top candidate; -1 when every sample was blank. */
  topSample: number;
  topExact: boolean;
  topNormalized: boolean;
  greedyFlags: CandidateFlags;
  topFlags: CandidateFlags;
  /** Blank samples among the n. */
  blankSamples: number;
  n: number;
}

/** Scores one position; `samples` in sample order (index = sample number). */
export function scoreFim(pos: Pick<FimPosition, 'prefix' | 'suffix' | 'expected'>, greedy: Sample, samples: readonly Sample[]): FimScore {
  const top = rankSamples(samples)[0];
  const topText = top?.text ?? null;
  return {
    greedyExact: exactMiddleMatch(greedy.text, pos.expected),
    greedyNormalized: normalizedMiddleMatch(greedy.text, pos.expected),
    topSample: top?.index ?? -1,
    topExact: topText !== null && exactMiddleMatch(topText, pos.expected),
    topNormalized: topText !== null && normalizedMiddleMatch(topText, pos.expected),
    greedyFlags: candidateFlags(pos.prefix, greedy.text, pos.suffix),
    topFlags: candidateFlags(pos.prefix, topText, pos.suffix),
    blankSamples: countBlank(samples),
    n: samples.length,
  };
}

/** Match rates over a set of positions (0 when there are none). */
export interface FimRates {
  positions: number;
  greedyExact: number;
  greedyNormalized: number;
  topExact: number;
  topNormalized: number;
}

export interface FimSummary extends FimRates {
  files: number;
  /** Samples at temperature per position. */
  n: number;
  byKind: Record<FimKind, FimRates>;
  /** Positions whose prompt used the FIM layout (the engine's start event); fewer when the model has no FIM tokens. */
  fimPrompts: number;
  quality: {
    /** The top candidate (empty: every sample was blank, so the app shows nothing). */
    top: CandidateQuality;
    greedy: CandidateQuality;
    /** Share of blank samples among all n-samples of all positions. */
    blankSamples: number;
    samples: number;
  };
}

export interface ScoredPosition extends FimScore {
  kind: FimKind;
  file: string;
  /** The engine built a FIM-layout prompt. */
  fim: boolean;
}

function rates(xs: readonly FimScore[]): FimRates {
  const share = (k: 'greedyExact' | 'greedyNormalized' | 'topExact' | 'topNormalized') => (xs.length ? xs.filter((x) => x[k]).length / xs.length : 0);
  return {
    positions: xs.length,
    greedyExact: share('greedyExact'),
    greedyNormalized: share('greedyNormalized'),
    topExact: share('topExact'),
    topNormalized: share('topNormalized'),
  };
}

/** All positions share one n. */
export function summarizeFim(xs: readonly ScoredPosition[]): FimSummary {
  const n = xs[0]?.n ?? 0;
  if (xs.some((x) => x.n !== n)) throw new Error('every FIM position must have the same number of samples');
  const samples = xs.length * n;
  return {
    ...rates(xs),
    files: new Set(xs.map((x) => x.file)).size,
    n,
    byKind: Object.fromEntries(FIM_KINDS.map((k) => [k, rates(xs.filter((x) => x.kind === k))])) as Record<FimKind, FimRates>,
    fimPrompts: xs.filter((x) => x.fim).length,
    quality: {
      top: candidateQuality(xs.map((x) => x.topFlags)),
      greedy: candidateQuality(xs.map((x) => x.greedyFlags)),
      blankSamples: samples ? xs.reduce((a, x) => a + x.blankSamples, 0) / samples : 0,
      samples,
    },
  };
}
