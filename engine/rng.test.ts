import { describe, expect, it } from 'vitest';
import { sampleRng, Xoshiro128 } from './rng.ts';

describe('Xoshiro128', () => {
  it('matches the reference C implementation (xoshiro128starstar.c)', () => {
    // Vectors produced by compiling Blackman & Vigna's reference code with these seeds.
    const a = new Xoshiro128(1, 2, 3, 4);
    expect(Array.from({ length: 8 }, () => a.nextU32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
    const b = new Xoshiro128(0xdeadbeef, 0x12345678, 0xcafebabe, 0x0badf00d);
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual([
      2576977301, 347642640, 2932269098, 1734644419, 3250013134, 1805960553, 2263909644, 119746310,
    ]);
  });

  it('never stays in the all-zero state', () => {
    const r = new Xoshiro128(0, 0, 0, 0);
    const xs = Array.from({ length: 4 }, () => r.nextU32());
    expect(xs.some((v) => v !== 0)).toBe(true);
  });
});

describe('sampleRng', () => {
  it('is deterministic per (seed, sample)', () => {
    const a = sampleRng(42, 3);
    const b = sampleRng(42, 3);
    for (let i = 0; i < 100; i++) expect(a.nextU32()).toBe(b.nextU32());
  });

  it("gives sample i the same stream whatever other samples draw", () => {
    const alone = sampleRng(7, 5);
    const expected = Array.from({ length: 20 }, () => alone.next());
    // Interleave draws from other samples' streams; sample 5's stream must not notice.
    const streams = Array.from({ length: 8 }, (_, i) => sampleRng(7, i));
    const got: number[] = [];
    for (let step = 0; step < 20; step++) {
      for (let i = 0; i < 8; i++) {
        if (i !== 5 && (step + i) % 3 === 0) continue; // some samples "finished" at times
        const v = streams[i].next();
        if (i === 5) got.push(v);
      }
    }
    expect(got).toEqual(expected);
  });

  it('gives different streams for different samples and seeds, including negative and large seeds', () => {
    const first = (seed: number, sample: number) => sampleRng(seed, sample).nextU32();
    const seen = new Set<number>();
    for (const seed of [0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      for (let s = 0; s < 16; s++) seen.add(first(seed, s));
    }
    expect(seen.size).toBe(7 * 16);
  });

  it('produces floats in [0, 1) with a uniform mean and spread', () => {
    const r = sampleRng(123, 0);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    const buckets = new Array(10).fill(0);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      if (!(v >= 0 && v < 1)) outside++;
      sum += v;
      sumSq += v * v;
      buckets[Math.floor(v * 10)]++;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumSq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(500); // ~5σ
  });

  it('rejects a non-finite seed with a message saying what to pass', () => {
    expect(() => sampleRng(Number.NaN, 0)).toThrow(/seed must be a finite number/);
  });
});
