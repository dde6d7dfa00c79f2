import { describe, expect, it } from 'vitest';
import { sampleRng, type Rng } from './rng.ts';
import { logSoftmaxAt, sampleToken, type SamplingParams } from './sampler.ts';

/** Reference: tempered, top-k then top-p filtered distribution, computed directly with a full sort. */
function referenceProbs(x: number[], p: SamplingParams): number[] {
  const t = p.temperature;
  const max = x.reduce((m, v) => Math.max(m, v), -Infinity);
  const w = x.map((v) => Math.exp((v - max) / t));
  const order = x.map((_, i) => i).sort((a, b) => x[b] - x[a] || a - b);
  let keep = order;
  if (p.topK > 0) keep = keep.slice(0, p.topK);
  const base = keep.reduce((s, i) => s + w[i], 0);
  if (p.topP < 1) {
    let cum = 0;
    const kept: number[] = [];
    for (const i of keep) {
      kept.push(i);
      cum += w[i];
      if (cum >= p.topP * base) break;
    }
    keep = kept;
  }
  const mass = keep.reduce((s, i) => s + w[i], 0);
  const probs = new Array(x.length).fill(0);
  for (const i of keep) probs[i] = w[i] / mass;
  return probs;
}

function frequencies(x: number[], p: SamplingParams, draws: number, seed = 1): number[] {
  const logits = Float32Array.from(x);
  const rng = sampleRng(seed, 0);
  const counts = new Array(x.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sampleToken(logits, 0, x.length, p, rng).token]++;
  return counts.map((c) => c / draws);
}

/** Each frequency within 5 standard errors of its expected probability (or exactly 0 if excluded). */
function expectMatches(freq: number[], probs: number[], draws: number): void {
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) {
      expect(freq[i], `token ${i} must never be drawn`).toBe(0);
    } else {
      const se = Math.sqrt((probs[i] * (1 - probs[i])) / draws);
      expect(Math.abs(freq[i] - probs[i]), `token ${i}: freq ${freq[i]} vs p ${probs[i]}`).toBeLessThan(5 * se + 1e-9);
    }
  }
}

const X = [2.0, 1.0, 0.5, 0.0, -1.0, 1.5, -3.0, 0.25];
// Float32 rounding of the logits is what the sampler sees; give the reference the same numbers.
const X32 = Array.from(Float32Array.from(X));

describe('logSoftmaxAt', () => {
  it('equals the direct log-softmax and is stable for huge logits', () => {
    const direct = (x: number[], t: number) => x[t] - Math.log(x.reduce((s, v) => s + Math.exp(v), 0));
    for (let t = 0; t < X32.length; t++) expect(logSoftmaxAt(Float32Array.from(X32), 0, X32.length, t)).toBeCloseTo(direct(X32, t), 10);
    // exp(1000) overflows a naive implementation
    const big = Float32Array.from([1000, 999, 998]);
    expect(logSoftmaxAt(big, 0, 3, 0)).toBeCloseTo(-Math.log(1 + Math.exp(-1) + Math.exp(-2)), 10);
  });

  it('reads the row at an offset', () => {
    const rows = Float32Array.from([9, 9, 9, ...X32, 9]);
    expect(logSoftmaxAt(rows, 3, X32.length, 2)).toBeCloseTo(logSoftmaxAt(Float32Array.from(X32), 0, X32.length, 2), 12);
  });

  it('rejects out-of-range rows and tokens, and NaN rows', () => {
    expect(() => logSoftmaxAt(new Float32Array(4), 2, 4, 0)).toThrow(/outside the logits buffer/);
    expect(() => logSoftmaxAt(new Float32Array(4), 0, 4, 4)).toThrow(/outside the vocabulary/);
    expect(() => logSoftmaxAt(Float32Array.from([0, Number.NaN]), 0, 2, 0)).toThrow(/NaN or infinite/);
    expect(() => logSoftmaxAt(Float32Array.from([Number.NaN, 0]), 0, 2, 1)).toThrow(/NaN or infinite/);
    expect(() => logSoftmaxAt(Float32Array.from([-Infinity, -Infinity]), 0, 2, 1)).toThrow(/NaN or infinite/);
  });
});

describe('sampleToken', () => {
  const draws = 60_000;

  it('greedy: argmax, lowest id on ties, logprob of the untempered distribution, no rng draw', () => {
    const logits = Float32Array.from([0.5, 3, -1, 3, 2]);
    let calls = 0;
    const rng: Rng = { next: () => (calls++, 0.5), nextU32: () => (calls++, 0) };
    const r = sampleToken(logits, 0, 5, { temperature: 0, topK: 0, topP: 1 }, rng);
    expect(r.token).toBe(1);
    expect(r.logprob).toBeCloseTo(logSoftmaxAt(logits, 0, 5, 1), 12);
    expect(calls).toBe(0);
  });

  it('matches softmax(x / T) frequencies with no filtering', () => {
    for (const temperature of [1, 0.7, 1.6]) {
      const p = { temperature, topK: 0, topP: 1 };
      expectMatches(frequencies(X32, p, draws), referenceProbs(X32, p), draws);
    }
  });

  it('top-k never draws outside the k best and renormalises among them', () => {
    const p = { temperature: 1, topK: 3, topP: 1 };
    const probs = referenceProbs(X32, p);
    expect(probs.filter((v) => v > 0)).toHaveLength(3);
    expectMatches(frequencies(X32, p, draws), probs, draws);
  });

  it('top-p keeps the smallest prefix reaching topP, including the token that crosses it', () => {
    const p = { temperature: 1, topK: 0, topP: 0.7 };
    const probs = referenceProbs(X32, p);
    // sanity of the reference itself: p = .39 (token 0), .24 (token 5), .14 (token 1): .63 < .7 ≤ .77
    expect(probs.map((v) => v > 0)).toEqual([true, true, false, false, false, true, false, false]);
    expectMatches(frequencies(X32, p, draws), probs, draws);
  });

  it('applies top-k before top-p, on the tempered distribution', () => {
    const p = { temperature: 0.5, topK: 4, topP: 0.9 };
    expectMatches(frequencies(X32, p, draws), referenceProbs(X32, p), draws);
  });

  it('reports the untempered, unfiltered logprob whatever the filters', () => {
    const logits = Float32Array.from(X32);
    const rng = sampleRng(9, 0);
    for (let i = 0; i < 200; i++) {
      const r = sampleToken(logits, 0, X32.length, { temperature: 0.3, topK: 2, topP: 0.5 }, rng);
      expect(r.logprob).toBeCloseTo(logSoftmaxAt(logits, 0, X32.length, r.token), 12);
    }
  });

  it('is deterministic for a seed, and takes exactly one rng number per call', () => {
    const logits = Float32Array.from(X32);
    const p = { temperature: 0.9, topK: 5, topP: 0.8 };
    const run = (seed: number) => {
      const rng = sampleRng(seed, 2);
      return Array.from({ length: 50 }, () => sampleToken(logits, 0, X32.length, p, rng).token);
    };
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
    let calls = 0;
    const counting: Rng = { next: () => (calls++, 0.25), nextU32: () => 0 };
    for (let i = 0; i < 5; i++) sampleToken(logits, 0, X32.length, p, counting);
    expect(calls).toBe(5);
  });

  it('never draws masked (-Infinity) tokens and skips negligible ones consistently', () => {
    const logits = Float32Array.from([-Infinity, 0, 0.5, -Infinity, -100]);
    const f = frequencies(Array.from(logits), { temperature: 1, topK: 0, topP: 1 }, 5000);
    expect(f[0] + f[3] + f[4]).toBe(0);
    expect(sampleToken(logits, 0, 5, { temperature: 0, topK: 0, topP: 1 }, sampleRng(0, 0)).logprob).toBeCloseTo(
      0.5 - Math.log(Math.exp(0) + Math.exp(0.5)),
      12,
    );
  });

  it('breaks logit ties by token id in top-k', () => {
    const logits = Float32Array.from([1, 5, 5, 5, 0]);
    const p = { temperature: 1, topK: 2, topP: 1 };
    const f = frequencies(Array.from(logits), p, 4000);
    expect(f[3]).toBe(0);
    expect(f[1]).toBeGreaterThan(0.4);
    expect(f[2]).toBeGreaterThan(0.4);
  });

  it('handles a large vocabulary: filters agree with the reference and the row offset is honoured', () => {
    // A 152k-entry row with a heavy tail, so top-p must look past the first candidate cut.
    const vocab = 152_064;
    const rng0 = sampleRng(5, 0);
    const row = new Float32Array(vocab);
    for (let i = 0; i < vocab; i++) row[i] = 4 * rng0.next() - 2;
    const hot = [17, 90_000, 151_999, 4242];
    hot.forEach((t, j) => (row[t] = 14 - j));
    const buf = new Float32Array(2 * vocab);
    buf.set(row, vocab); // row 1
    const x = Array.from(row);
    for (const p of [
      { temperature: 1, topK: 3, topP: 1 },
      { temperature: 1, topK: 0, topP: 0.5 },
      { temperature: 1, topK: 0, topP: 0.999 },
      { temperature: 0.8, topK: 5000, topP: 0.95 },
    ]) {
      const probs = referenceProbs(x, p);
      const rng = sampleRng(3, 1);
      const n = 300;
      const counts = new Map<number, number>();
      const excluded: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = sampleToken(buf, vocab, vocab, p, rng).token;
        if (!(probs[t] > 0)) excluded.push(t);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      expect(excluded, `drew excluded tokens with ${JSON.stringify(p)}`).toEqual([]);
      for (const t of hot) {
        const se = Math.sqrt((probs[t] * (1 - probs[t])) / n);
        expect(Math.abs((counts.get(t) ?? 0) / n - probs[t])).toBeLessThan(5 * se + 1e-9);
      }
    }
  });

  it('rejects bad parameters and NaN logits with messages saying what is allowed', () => {
    const logits = Float32Array.from(X32);
    const rng = sampleRng(0, 0);
    const s = (p: SamplingParams) => () => sampleToken(logits, 0, X32.length, p, rng);
    expect(s({ temperature: -1, topK: 0, topP: 1 })).toThrow(/temperature must be a finite number ≥ 0/);
    expect(s({ temperature: 1, topK: 1.5, topP: 1 })).toThrow(/topK must be an integer ≥ 0/);
    expect(s({ temperature: 1, topK: 0, topP: 0 })).toThrow(/topP must be in \(0, 1\]/);
    for (const bad of [[1, Number.POSITIVE_INFINITY], [Number.NaN, 1], [1, Number.NaN]]) {
      for (const temperature of [0, 1, 0.5]) {
        expect(() => sampleToken(Float32Array.from(bad), 0, 2, { temperature, topK: 0, topP: 1 }, rng)).toThrow(/NaN or infinite/);
      }
    }
  });
});
