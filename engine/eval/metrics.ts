// The figures `fanout eval` reports, from per-sample results.
//
// Per function task: one greedy sample and n samples at temperature.
//   pass@1 greedy    — the greedy sample passes.
//   pass@1 reranked  — the top of the n samples as protocol/rank.ts ranks them (as the app's panel does:
//                      blank ones left out, cut-off and repetitive ones demoted, then mean log-prob) passes.
//   pass@1 sampled   — c/n, the unbiased pass@1 estimate of one sample at temperature.
//   pass@k           — the unbiased estimator of Chen et al. 2021 (HumanEval), 1 − C(n−c, k)/C(n, k);
//                      pass@n is "any of the n passes".
// Each is averaged over tasks.
import { rankSamples, type Sample } from '../../protocol/rank.ts';
import type { CheckStatus } from './sandbox.ts';

/** A checked sample: what the ranking needs plus the sandbox's verdict. */
export interface CheckedSample extends Sample {
  status: CheckStatus;
}

export interface TaskScore {
  /** Samples at temperature that pass. */
  passed: number;
  n: number;
  greedyPass: boolean;
  /** The top sample by mean log-probability passes. */
  rerankedPass: boolean;
  /** Index (sample number) of that top sample. */
  rerankedSample: number;
}

export interface FunctionSummary {
  tasks: number;
  n: number;
  pass1Greedy: number;
  pass1Reranked: number;
  /** Mean over tasks of c/n. */
  pass1Sampled: number;
  /** pass@k for k in passKs (≤ n), keyed by k. */
  passAtK: Record<string, number>;
  /** Every sample's status (greedy and sampled), counted. */
  statuses: Record<CheckStatus, number>;
}

/**
 * Unbiased pass@k from n samples of which c pass: 1 − C(n−c, k)/C(n, k), computed as a product to
 * stay exact for large n. Throws for k outside [1, n].
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`pass@k needs 1 ≤ k ≤ n; got k = ${k}, n = ${n}`);
  if (!(Number.isInteger(c) && c >= 0 && c <= n)) throw new RangeError(`pass@k needs 0 ≤ c ≤ n; got c = ${c}, n = ${n}`);
  if (n - c < k) return 1;
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

/** Scores one task from its greedy sample and its n samples at temperature (in sample order). */
export function scoreTask(greedy: CheckedSample, samples: readonly CheckedSample[]): TaskScore {
  const passed = samples.filter((s) => s.status === 'pass').length;
  // The app's top candidate (protocol/rank.ts); none when every sample ended blank.
  const top = rankSamples(samples)[0];
  return {
    passed,
    n: samples.length,
    greedyPass: greedy.status === 'pass',
    rerankedPass: top?.status === 'pass',
    rerankedSample: top?.index ?? -1,
  };
}

/** The k values reported: 1, 10 and n, those ≤ n. */
export function passKs(n: number): number[] {
  return [...new Set([1, 10, n])].filter((k) => k <= n).sort((a, b) => a - b);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Averages task scores; `statuses` lists every sample's status, greedy ones included. All tasks share one n. */
export function summarize(scores: readonly TaskScore[], statuses: readonly CheckStatus[]): FunctionSummary {
  const n = scores[0]?.n ?? 0;
  if (scores.some((s) => s.n !== n)) throw new Error('every task must have the same number of samples');
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, timeout: 0, 'syntax-error': 0 };
  for (const s of statuses) counts[s]++;
  const passAt: Record<string, number> = {};
  if (n > 0) for (const k of passKs(n)) passAt[k] = mean(scores.map((s) => passAtK(n, s.passed, k)));
  return {
    tasks: scores.length,
    n,
    pass1Greedy: mean(scores.map((s) => (s.greedyPass ? 1 : 0))),
    pass1Reranked: mean(scores.map((s) => (s.rerankedPass ? 1 : 0))),
    pass1Sampled: mean(scores.map((s) => (n ? s.passed / n : 0))),
    passAtK: passAt,
    statuses: counts,
  };
}
