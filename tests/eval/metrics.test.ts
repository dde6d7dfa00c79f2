// pass@k, re-ranking and the averaged summary on hand-made sample results.
import { describe, expect, it } from 'vitest';
import { passAtK, passKs, scoreTask, summarize, type CheckedSample } from '../../engine/eval/metrics.ts';
import type { CheckStatus } from '../../engine/eval/sandbox.ts';

const binom = (n: number, k: number): number => (k < 0 || k > n ? 0 : k === 0 ? 1 : (binom(n - 1, k - 1) * n) / k);

/** A finished sample with the given mean log-probability over `tokens` tokens. */
const sample = (status: CheckStatus, mean: number, text = 'return 1;', tokens = 4): CheckedSample => ({ text, tokens, sumLogprob: mean * tokens, finishReason: 'stop', status });

describe('passAtK', () => {
  it('matches hand-computed values', () => {
    expect(passAtK(10, 0, 1)).toBe(0);
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 12); // 1 − C(3,2)/C(4,2) = 1 − 3/6
    expect(passAtK(5, 2, 3)).toBeCloseTo(0.9, 12); // 1 − C(3,3)/C(5,3) = 1 − 1/10
    expect(passAtK(10, 10, 5)).toBe(1);
    expect(passAtK(32, 0, 32)).toBe(0);
    expect(passAtK(32, 1, 32)).toBe(1);
  });

  it('equals 1 − C(n−c, k)/C(n, k) for every c and k', () => {
    for (const n of [1, 5, 32]) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) expect(passAtK(n, c, k)).toBeCloseTo(1 - binom(n - c, k) / binom(n, k), 10);
      }
    }
  });

  it('rejects k or c out of range', () => {
    expect(() => passAtK(4, 1, 5)).toThrow(RangeError);
    expect(() => passAtK(4, 1, 0)).toThrow(RangeError);
    expect(() => passAtK(4, 5, 1)).toThrow(RangeError);
  });

  it('reports k = 1, 10 and n, those ≤ n', () => {
    expect(passKs(32)).toEqual([1, 10, 32]);
    expect(passKs(10)).toEqual([1, 10]);
    expect(passKs(4)).toEqual([1, 4]);
    expect(passKs(1)).toEqual([1]);
  });
});

describe('scoreTask', () => {
  it('re-ranks by mean log-probability: the top sample decides, not the count', () => {
    const samples = [sample('pass', -2.0), sample('fail', -0.5), sample('pass', -1.0), sample('syntax-error', -3)];
    const s = scoreTask(sample('fail', -1), samples);
    expect(s).toEqual({ passed: 2, n: 4, greedyPass: false, rerankedPass: false, rerankedSample: 1 });
  });

  it('compares means, not sums, and puts blank completions last', () => {
    const samples = [
      sample('fail', -0.1, '   ', 1), // best mean, but blank
      sample('fail', -0.9, 'return a;', 2), // sum −1.8
      sample('pass', -0.8, 'return a + b;', 10), // sum −8, best non-blank mean
    ];
    const s = scoreTask(sample('pass', -1), samples);
    expect(s).toMatchObject({ passed: 1, greedyPass: true, rerankedPass: true, rerankedSample: 2 });
  });
});

describe('summarize', () => {
  it('averages over tasks and counts every status', () => {
    const a = scoreTask(sample('pass', -1), [sample('pass', -1), sample('fail', -2), sample('pass', -3), sample('timeout', -4)]);
    const b = scoreTask(sample('fail', -1), [sample('fail', -1), sample('fail', -2), sample('syntax-error', -3), sample('syntax-error', -4)]);
    const statuses: CheckStatus[] = ['pass', 'pass', 'fail', 'pass', 'timeout', 'fail', 'fail', 'fail', 'syntax-error', 'syntax-error'];
    const s = summarize([a, b], statuses);
    expect(s.tasks).toBe(2);
    expect(s.n).toBe(4);
    expect(s.pass1Greedy).toBe(0.5);
    expect(s.pass1Reranked).toBe(0.5);
    expect(s.pass1Sampled).toBeCloseTo(0.25, 12); // (2/4 + 0/4) / 2
    expect(Object.keys(s.passAtK)).toEqual(['1', '4']);
    expect(s.passAtK['1']).toBeCloseTo(0.25, 12);
    expect(s.passAtK['4']).toBe(0.5);
    expect(s.statuses).toEqual({ pass: 3, fail: 4, timeout: 1, 'syntax-error': 2 });
  });

  it('pass@n is at least the re-ranked and the sampled pass@1', () => {
    const tasks = [0, 1, 2, 3, 4, 5].map((i) =>
      scoreTask(sample('fail', -1), [0, 1, 2, 3, 4].map((j) => sample((i * 7 + j * 3) % 5 === 0 ? 'pass' : 'fail', -((i + j * 5) % 7)))),
    );
    const s = summarize(tasks, []);
    expect(s.passAtK['5']).toBeGreaterThanOrEqual(s.pass1Reranked);
    expect(s.passAtK['5']).toBeGreaterThanOrEqual(s.pass1Sampled);
  });

  it('is all zeros for no tasks', () => {
    expect(summarize([], [])).toMatchObject({ tasks: 0, n: 0, pass1Greedy: 0, pass1Reranked: 0, pass1Sampled: 0, passAtK: {} });
  });
});
