// Float64 reference of the GPU sampler (shaders/sample.wgsl), step by step: the same order-preserving
// keys, the same kept set (t, c) found by bisection, the same draw in token-id order with the same
// counter-based uniform. Only the sums are exact here and f32 there, so a draw or a top-p cut that lands
// within rounding of a boundary can differ; `jitter` moves the top-p target and the uniform by relative
// amounts so a test can tell such near ties from real disagreements.
import type { SamplingParams } from '../sampler.ts';
import { counterUniform } from '../rng.ts';

const NEGLIGIBLE = -30;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The u32 key of an f32 logit: higher logits get higher keys; −0 and +0 share one. */
export function orderKey(x: number): number {
  f32[0] = x === 0 ? 0 : x;
  const b = u32[0];
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

export function fromKey(k: number): number {
  u32[0] = k & 0x80000000 ? k & 0x7fffffff : ~k >>> 0;
  return f32[0];
}

export interface RefDraw {
  /** −1: the row holds NaN or +Infinity among its allowed tokens, or nothing finite */
  token: number;
  logprob: number;
}

export interface RefOptions {
  seed: number;
  sample: number;
  step: number;
  /** allowed[i] = 0 excludes token i */
  mask?: Uint8Array;
  /** relative moves of the top-p target and of u (near-tie probes) */
  jitter?: { target: number; u: number };
}

/** Draws from `logits[offset .. offset + vocab)` as the GPU sampler does. */
export function sampleRef(logits: Float32Array, offset: number, vocab: number, p: SamplingParams, o: RefOptions): RefDraw {
  const x = (i: number) => logits[offset + i];
  const ok = (i: number) => !o.mask || o.mask[i] !== 0;
  const key = (i: number) => (ok(i) ? orderKey(x(i)) : 0);
  // 1. largest key; NaN / +Infinity
  let keyMax = 0;
  for (let i = 0; i < vocab; i++) {
    if (!ok(i)) continue;
    if (Number.isNaN(x(i)) || x(i) === Infinity) return { token: -1, logprob: 0 };
    keyMax = Math.max(keyMax, orderKey(x(i)));
  }
  if (keyMax <= orderKey(-Infinity)) return { token: -1, logprob: 0 };
  const mx = fromKey(keyMax);
  const invT = p.temperature === 0 ? 0 : 1 / p.temperature;
  const weight = (v: number) => {
    const dt = (v - mx) * invT;
    return dt > NEGLIGIBLE ? Math.exp(dt) : 0;
  };
  // 2. log-sum-exp and total tempered weight
  let raw = 0;
  let total = 0;
  for (let i = 0; i < vocab; i++) {
    if (!ok(i)) continue;
    const d = x(i) - mx;
    if (d > NEGLIGIBLE) raw += Math.exp(d);
    if (invT > 0) total += weight(x(i));
  }
  const lse = mx + Math.log(raw);
  if (invT === 0) {
    let best = -1;
    for (let i = 0; i < vocab && best < 0; i++) if (key(i) === keyMax) best = i;
    return { token: best, logprob: x(best) - lse };
  }
  const countGE = (t: number) => {
    let c = 0;
    for (let i = 0; i < vocab; i++) if (key(i) >= t) c++;
    return c;
  };
  const massGE = (t: number) => {
    let m = 0;
    for (let i = 0; i < vocab; i++) if (key(i) >= t) m += weight(x(i));
    return m;
  };
  // 3. the kept set: key > t, plus the c lowest ids at key == t (t = 0: all allowed)
  let t = 0;
  let c = 0;
  let kActive = false;
  let setMass = total;
  if (p.topK > 0 && p.topK < countGE(1)) {
    let lo = 1;
    let hi = keyMax;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo + 1) / 2);
      if (countGE(mid) >= p.topK) lo = mid;
      else hi = mid - 1;
    }
    t = lo;
    c = p.topK - countGE(t + 1);
    kActive = true;
    setMass = massGE(t + 1) + c * weight(fromKey(t));
  }
  if (p.topP < 1) {
    const target = p.topP * setMass * (1 + (o.jitter?.target ?? 0));
    let lo = Math.max(t, 1);
    let hi = keyMax;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo + 1) / 2);
      if (massGE(mid) >= target) lo = mid;
      else hi = mid - 1;
    }
    const cap = kActive && lo === t ? c : countGE(lo) - countGE(lo + 1);
    const need = Math.ceil((target - massGE(lo + 1)) / weight(fromKey(lo)));
    c = Math.min(Math.max(need, 1), cap);
    t = lo;
  }
  // 4. the draw in id order
  const kept: number[] = [];
  let rank = 0;
  let mass = 0;
  for (let i = 0; i < vocab; i++) {
    const k = key(i);
    let inSet = k > t;
    if (t > 0 && k === t) inSet = rank++ < c;
    if (inSet && weight(x(i)) > 0) {
      kept.push(i);
      mass += weight(x(i));
    }
  }
  const u = Math.min(Math.max(counterUniform(o.seed, o.sample, o.step) * (1 + (o.jitter?.u ?? 0)), 0), 1 - 2 ** -24);
  const target = u * mass;
  let cum = 0;
  for (const i of kept) {
    cum += weight(x(i));
    if (target < cum) return { token: i, logprob: x(i) - lse };
  }
  const last = kept[kept.length - 1];
  return { token: last, logprob: x(last) - lse };
}

/** The tokens `sampleRef` gives when its top-p target and uniform move by ±rel: one unless near a tie. */
export function sampleRefNear(logits: Float32Array, offset: number, vocab: number, p: SamplingParams, o: RefOptions, rel = 1e-4): Set<number> {
  const out = new Set<number>();
  for (const target of [-rel, 0, rel]) for (const u of [-rel, 0, rel]) out.add(sampleRef(logits, offset, vocab, p, { ...o, jitter: { target, u } }).token);
  return out;
}

/**
 * The probability each token should be drawn with, defined independently of the bisection: sort by
 * (logit, id), cut at k, cut the nucleus (the shortest prefix with topP of the top-k mass), normalise the
 * tempered weights (float64). For the distribution test.
 */
export function keptDistribution(logits: Float32Array, offset: number, vocab: number, p: SamplingParams, mask?: Uint8Array): Map<number, number> {
  const ok = (i: number) => !mask || mask[i] !== 0;
  let mx = -Infinity;
  for (let i = 0; i < vocab; i++) if (ok(i)) mx = Math.max(mx, logits[offset + i]);
  const invT = 1 / p.temperature;
  const w = (i: number) => {
    const dt = (logits[offset + i] - mx) * invT;
    return dt > NEGLIGIBLE ? Math.exp(dt) : 0;
  };
  // rank order: higher logit, then lower id
  const ids = [...Array(vocab).keys()].filter(ok).sort((a, b) => logits[offset + b] - logits[offset + a] || a - b);
  let kept = p.topK > 0 && p.topK < ids.length ? ids.slice(0, p.topK) : ids;
  if (p.topP < 1) {
    const base = kept.reduce((s, i) => s + w(i), 0);
    let cum = 0;
    let n = 0;
    while (n < kept.length && cum < p.topP * base) cum += w(kept[n++]);
    kept = kept.slice(0, Math.max(1, n));
  }
  const mass = kept.reduce((s, i) => s + w(i), 0);
  return new Map(kept.filter((i) => w(i) > 0).map((i) => [i, w(i) / mass]));
}
