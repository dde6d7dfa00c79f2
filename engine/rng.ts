// Seeded pseudo-random numbers for sampling.
//
// Hand-written rather than a dependency: xoshiro128** is a dozen lines of 32-bit integer arithmetic
// (Math.imul, >>>), so it gives bit-identical streams in every JS engine on every platform, which a
// seeded run needs ("same seed, same completions"). Math.random cannot be seeded.
//
// Each sample gets its own stream, derived from (seed, sample index) only. Sample i's draws therefore
// never depend on how many other samples exist or which of them have already finished and left the
// decode batch.

export interface Rng {
  /** Next uniformly distributed 32-bit unsigned integer. */
  nextU32(): number;
  /** Next float uniformly distributed in [0, 1), with 32 bits of randomness. */
  next(): number;
}

/** splitmix32 finaliser: a bijective avalanche mix of one 32-bit word. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** xoshiro128** (Blackman & Vigna 2018): 128-bit state, period 2^128 − 1. */
export class Xoshiro128 implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds the state from four 32-bit words; an all-zero state (the one fixed point) is replaced. */
  constructor(a: number, b: number, c: number, d: number) {
    this.s0 = a >>> 0;
    this.s1 = b >>> 0;
    this.s2 = c >>> 0;
    this.s3 = d >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  nextU32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return r;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Splits a JS number seed into two 32-bit words. Seeds are integers in practice (the protocol allows
 * any safe integer, negative included); a fractional seed is truncated.
 */
function seedWords(seed: number): [number, number] {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}; pass an integer seed.`);
  const t = Math.trunc(seed);
  const lo = t >>> 0; // two's-complement low word (ToUint32 is modular, so negatives work)
  const hi = Math.floor(t / 4294967296) >>> 0;
  return [lo, hi];
}

/** An independent stream for one sample of one request: depends only on (seed, sample). */
export function sampleRng(seed: number, sample: number): Rng {
  const [lo, hi] = seedWords(seed);
  const s = sample >>> 0;
  // Chain the mixes so that every state word depends on all of seed-lo, seed-hi and sample, and
  // nearby (seed, sample) pairs land on unrelated states.
  const a = mix32(lo ^ mix32(hi ^ 0x243f6a88));
  const b = mix32(a ^ s);
  const c = mix32(b ^ 0x85a308d3);
  const d = mix32(c ^ 0x13198a2e);
  const rng = new Xoshiro128(a ^ s, b, c, d);
  // Discard a few outputs so that weakly differing seeds have diverged before the first real draw.
  for (let i = 0; i < 4; i++) rng.nextU32();
  return rng;
}

/**
 * A counter-based uniform in [0, 1) with 24 bits (exact in f32): a hash of (seed, sample, step) only, so
 * the GPU sampler (shaders/sample.wgsl `counterUniform`, the same function) draws the same number for
 * a sample's step whatever else runs. Four splitmix32 finalisers chained over the words.
 */
export function counterUniform(seed: number, sample: number, step: number): number {
  const [lo, hi] = seedWords(seed);
  const h = mix32(mix32(mix32(mix32(lo ^ 0x3c6ef372) ^ hi) ^ (sample >>> 0)) ^ (step >>> 0));
  return (h >>> 8) / 16777216;
}

/** The two 32-bit words of a seed as the GPU sampler takes them. */
export function seedKey(seed: number): [number, number] {
  return seedWords(seed);
}
