// Token sampling from one row of logits, on the CPU.
//
// Per call: one pass for the max, one pass of exp() that yields both the raw log-sum-exp (for the
// reported log-probability) and the tempered weights (for the draw), then — only when top-k or top-p
// prune — a cheap threshold pass that collects the few tokens that can matter, and a partial selection
// (quickselect) on those. No full sort of the vocabulary: a 152k-entry row costs two linear passes plus
// work proportional to the candidates.
//
// Determinism: ties in logit order are broken by token id (lower first), so the candidate set and the
// order of the draw are fixed for given logits, and each call with temperature > 0 takes exactly one
// number from `rng` (none when greedy), so a sample's stream stays aligned step by step.

import type { Rng } from './rng.ts';

export interface SamplingParams {
  /** 0 = greedy (argmax, lowest token id on ties). */
  temperature: number;
  /** Keep only the k most likely tokens; 0 (or ≥ vocab) = off. */
  topK: number;
  /** Keep the smallest most-likely set with at least this much probability; 1 = off. */
  topP: number;
}

export interface Sampled {
  token: number;
  /** log p(token) under the untempered, unfiltered distribution (log-softmax of the raw logits). */
  logprob: number;
}

// Scratch buffers, grown on demand and reused across calls (sampling runs on one thread).
let weights = new Float64Array(0);
let order = new Int32Array(0);

function scratch(vocab: number): void {
  if (weights.length < vocab) {
    weights = new Float64Array(vocab);
    order = new Int32Array(vocab);
  }
}

function checkRow(logits: Float32Array, offset: number, vocab: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(vocab) || offset < 0 || vocab < 1 || offset + vocab > logits.length) {
    throw new RangeError(
      `logits row [${offset}, ${offset + vocab}) is outside the logits buffer of length ${logits.length}; ` +
        'pass offset = row · vocab with a positive integer vocab.',
    );
  }
}

/**
 * The model produced NaN or infinite logits: a property of its weights (a damaged file, a huge scale in
 * a quantized block, values that overflow f16 storage), not a bug; hosts tell the user so.
 */
export class NonFiniteLogitsError extends Error {
  override name = 'NonFiniteLogitsError';
}

function nonFinite(what: string): Error {
  return new NonFiniteLogitsError(
    `${what}: the logits row contains NaN or infinite values (a numerical failure in the forward pass); ` +
      'check the model weights and dtype, or rerun with f32 weights.',
  );
}

/** Index of the largest logit in the row (lowest index on ties), relative to `offset`. */
function argmax(logits: Float32Array, offset: number, vocab: number): number {
  let best = 0;
  let max = logits[offset];
  for (let i = 1; i < vocab; i++) {
    const v = logits[offset + i];
    if (v > max) {
      max = v;
      best = i;
    }
  }
  return best;
}

/**
 * Terms of a softmax sum more than this far (in nats) below the row's maximum are skipped: each is
 * < e^-30 ≈ 1e-13 of the largest, so even 152k of them move a log-sum-exp by < 2e-8 — far below the
 * precision of f32 logits — and a draw's probabilities by as little. Skipping them avoids most exp()
 * calls, which dominate sampling time, in the peaked distributions a language model usually produces.
 */
const NEGLIGIBLE = -30;

/** log Σ exp(x_i) over the row, computed as max + log Σ exp(x_i − max) so nothing overflows. */
function logSumExp(logits: Float32Array, offset: number, vocab: number, max: number): number {
  let sum = 0;
  for (let i = 0; i < vocab; i++) {
    const d = logits[offset + i] - max;
    if (d > NEGLIGIBLE) sum += Math.exp(d);
    else if (!(d <= NEGLIGIBLE)) return Number.NaN; // d is NaN
  }
  if (!(sum >= 1)) return Number.NaN; // a NaN or ±Infinity in the row
  return max + Math.log(sum);
}

/** log-softmax of the row at `token`: its log-probability under the untempered distribution. */
export function logSoftmaxAt(logits: Float32Array, offset: number, vocab: number, token: number): number {
  checkRow(logits, offset, vocab);
  if (!Number.isInteger(token) || token < 0 || token >= vocab) {
    throw new RangeError(`token ${token} is outside the vocabulary [0, ${vocab}); pass a token id from this model.`);
  }
  const max = logits[offset + argmax(logits, offset, vocab)];
  const lse = logSumExp(logits, offset, vocab, max);
  if (!Number.isFinite(lse)) throw nonFinite('logSoftmaxAt');
  return logits[offset + token] - lse;
}

export function checkParams(p: SamplingParams): void {
  if (!(p.temperature >= 0) || !Number.isFinite(p.temperature)) {
    throw new RangeError(`temperature must be a finite number ≥ 0 (0 = greedy), got ${p.temperature}.`);
  }
  if (!Number.isInteger(p.topK) || p.topK < 0) {
    throw new RangeError(`topK must be an integer ≥ 0 (0 = off), got ${p.topK}.`);
  }
  if (!(p.topP > 0 && p.topP <= 1)) {
    throw new RangeError(`topP must be in (0, 1] (1 = off), got ${p.topP}.`);
  }
}

/**
 * Draws the next token from one row of logits, `logits[offset .. offset + vocab)`.
 *
 * The draw uses the tempered distribution softmax(x / T), restricted first to the top-k tokens and then
 * to the nucleus (smallest prefix, in descending probability, whose renormalised mass is ≥ topP) — the
 * order Hugging Face applies them. The returned logprob ignores temperature and filtering.
 */
export function sampleToken(
  logits: Float32Array,
  offset: number,
  vocab: number,
  p: SamplingParams,
  rng: Rng,
): Sampled {
  checkRow(logits, offset, vocab);
  checkParams(p);

  const top = argmax(logits, offset, vocab);
  const max = logits[offset + top];

  if (p.temperature === 0) {
    const lse = logSumExp(logits, offset, vocab, max);
    if (!Number.isFinite(lse)) throw nonFinite('sampleToken');
    return { token: top, logprob: max - lse };
  }

  // One exp pass: raw weights for the log-sum-exp, tempered weights kept for the draw.
  scratch(vocab);
  const w = weights;
  const invT = 1 / p.temperature;
  let rawSum = 0;
  let total = 0;
  if (invT === 1) {
    for (let i = 0; i < vocab; i++) {
      const d = logits[offset + i] - max;
      const e = d > NEGLIGIBLE ? Math.exp(d) : d <= NEGLIGIBLE ? 0 : Number.NaN;
      w[i] = e;
      rawSum += e;
    }
    total = rawSum;
  } else {
    for (let i = 0; i < vocab; i++) {
      const d = logits[offset + i] - max;
      if (d > NEGLIGIBLE) rawSum += Math.exp(d);
      else if (!(d <= NEGLIGIBLE)) rawSum = Number.NaN;
      const dt = d * invT;
      const e = dt > NEGLIGIBLE ? Math.exp(dt) : 0;
      w[i] = e;
      total += e;
    }
  }
  if (!(rawSum >= 1) || !(total >= 1)) throw nonFinite('sampleToken');
  const lse = max + Math.log(rawSum);

  const k = p.topK > 0 && p.topK < vocab ? p.topK : 0;
  const u = rng.next();
  let token: number;
  if (k === 0 && p.topP >= 1) {
    token = drawAll(w, vocab, u * total);
  } else {
    token = drawFiltered(logits, offset, vocab, w, total, k, p.topP, u);
  }
  return { token, logprob: logits[offset + token] - lse };
}

/** Walks the cumulative weights in token-id order to the point `target` (∈ [0, total)). */
function drawAll(w: Float64Array, vocab: number, target: number): number {
  let cum = 0;
  let last = 0;
  for (let i = 0; i < vocab; i++) {
    const wi = w[i];
    if (wi > 0) {
      cum += wi;
      last = i;
      if (target < cum) return i;
    }
  }
  return last; // rounding left target ≥ cum: the last token with weight
}

/**
 * Threshold cuts tried for the candidate pass, as tempered log-weights relative to the top token:
 * e^-10 first (few tokens in a peaked distribution), then wider; -Infinity takes the whole vocabulary
 * (tokens below NEGLIGIBLE have weight 0 and are never drawn).
 */
const CUTS = [-10, -20, -Infinity];

function drawFiltered(
  logits: Float32Array,
  offset: number,
  vocab: number,
  w: Float64Array,
  total: number,
  k: number,
  topP: number,
  u: number,
): number {
  const idx = order;
  // Candidates: every token whose tempered weight is ≥ e^cut (the top token's weight is 1). All tokens
  // above the cut outrank all tokens below it, so if the candidates already hold k tokens (top-k) or
  // topP of the total mass (top-p alone), the kept set lies entirely among them.
  let n = 0;
  for (const cut of CUTS) {
    const minW = Math.exp(cut);
    n = 0;
    let mass = 0;
    for (let i = 0; i < vocab; i++) {
      if (w[i] >= minW) {
        idx[n++] = i;
        mass += w[i];
      }
    }
    if (n === vocab) break;
    if (k > 0 ? n >= k : mass >= topP * total) break;
  }

  let base = total; // mass the nucleus is measured against: all tokens, or the top-k set
  if (k > 0) {
    if (k < n) nthElement(idx, 0, n, k, logits, offset);
    n = Math.min(n, k);
    base = 0;
    for (let i = 0; i < n; i++) base += w[idx[i]];
  }
  let setMass = base;
  if (topP < 1) {
    n = nucleusPrefix(idx, n, topP * base, w, logits, offset);
    setMass = 0;
    for (let i = 0; i < n; i++) setMass += w[idx[i]];
  }

  const target = u * setMass;
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum += w[idx[i]];
    if (target < cum) return idx[i];
  }
  return idx[n - 1];
}

/**
 * Rearranges idx[0 .. n) so that its first `count` entries are the nucleus — the shortest run of
 * top-ranked tokens whose weight reaches `target` — and returns `count`. A weighted quickselect: each
 * partition tells whether the cut lies left or right of the pivot, so the nucleus is found in average
 * O(n) without sorting it (the draw does not need it in order).
 */
function nucleusPrefix(idx: Int32Array, n: number, target: number, w: Float64Array, x: Float32Array, off: number): number {
  let l = 0;
  let r = n;
  let acc = 0; // weight of idx[0 .. l), all of which rank before idx[l .. r); always < target here
  while (r - l > 16) {
    const p = partition(idx, l, r, x, off);
    let left = 0;
    for (let i = l; i < p; i++) left += w[idx[i]];
    if (acc + left >= target) {
      r = p;
      continue;
    }
    acc += left + w[idx[p]];
    if (acc >= target) return p + 1;
    l = p + 1;
  }
  insertionSort(idx, l, r, x, off);
  for (let i = l; i < r; i++) {
    acc += w[idx[i]];
    if (acc >= target) return i + 1;
  }
  return n; // rounding: the sums fell a hair short of target; keep everything
}

/** Strict total order: higher logit first, then lower token id. */
function before(a: number, b: number, x: Float32Array, off: number): boolean {
  const xa = x[off + a];
  const xb = x[off + b];
  return xa > xb || (xa === xb && a < b);
}

/**
 * Partitions idx[l .. r) (r − l ≥ 3) around a median-of-three pivot and returns the pivot's final
 * position p: idx[l .. p) precede it in `before` order, idx[p + 1 .. r) follow it.
 */
function partition(idx: Int32Array, l: number, r: number, x: Float32Array, off: number): number {
  const m = (l + r) >>> 1;
  const last = r - 1;
  // Order idx[l], idx[m], idx[last] so the median lands at m, then park it at the end.
  if (before(idx[m], idx[l], x, off)) swap(idx, m, l);
  if (before(idx[last], idx[m], x, off)) {
    swap(idx, last, m);
    if (before(idx[m], idx[l], x, off)) swap(idx, m, l);
  }
  swap(idx, m, last);
  const pivot = idx[last];
  let store = l;
  for (let i = l; i < last; i++) {
    if (before(idx[i], pivot, x, off)) swap(idx, i, store++);
  }
  swap(idx, store, last);
  return store;
}

function swap(idx: Int32Array, i: number, j: number): void {
  const t = idx[i];
  idx[i] = idx[j];
  idx[j] = t;
}

/**
 * Rearranges idx[lo .. hi) so that idx[lo .. k) are the (k − lo) first tokens in `before` order (in no
 * particular order among themselves) and idx[k .. hi) the rest. Quickselect; average O(hi − lo).
 */
function nthElement(idx: Int32Array, lo: number, hi: number, k: number, x: Float32Array, off: number): void {
  let l = lo;
  let r = hi;
  while (r - l > 16) {
    const p = partition(idx, l, r, x, off);
    if (p === k) return;
    if (p > k) r = p;
    else l = p + 1;
  }
  insertionSort(idx, l, r, x, off);
}

function insertionSort(idx: Int32Array, lo: number, hi: number, x: Float32Array, off: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = idx[i];
    let j = i - 1;
    while (j >= lo && before(v, idx[j], x, off)) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}
