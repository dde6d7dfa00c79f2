// Token sampling on the GPU: one workgroup of WG lanes per output row. Row r draws one token from logits
// row info[r].x with temperature, top-k and top-p, over the tokens its mask allows, and writes
// out[r] = (token, bitcast log p(token)) with p the untempered, unfiltered (masked) softmax.
// The float64 reference of the same algorithm, step by step, is engine/kernels/sample.ref.ts.
//
// No sort: tokens are ranked by an order-preserving u32 key of their logit (higher first, lower id first
// among equal keys). A kept set is a prefix of that order, written (t, c): every token whose key is > t
// plus the c lowest-id tokens whose key is == t (t = 0: every allowed token). Top-k and top-p find their
// t by bisection over the key range (each probe one pass counting tokens, or summing their weights, at
// key ≥ mid), then c from the count (top-k) or the missing mass (top-p). A language model's row is
// peaked: when the tokens within CUT_NATS (tempered) of the maximum already hold k tokens / topP of the
// mass and fit in CAND entries, they are first copied (in id order) to workgroup memory and the ~30
// probes of each bisection run over that list instead of the vocabulary. The draw walks the kept set in
// token-id order: each lane owns a contiguous chunk of ids; a scan of the chunks' masses tells the one
// lane whose range holds u · mass, and that lane walks its chunk. u comes from a counter-based hash of
// (seed, sample, step), so a draw depends on nothing but those and the logits.
//
// logits: [rows', vocab] f32; info: [rows] (logits row, sample, mask index or NO_MASK, 0);
// masks: [masks, maskWords] u32 bit sets (bit i of word i/32 = token i allowed); out: tokens [outStride] u32
// then log p [outStride] f32 bits (tokens first and contiguous: the next decode step copies them as input).
struct Params {
  vocab: u32,
  topK: u32,      // 0 = off
  maskWords: u32, // u32 words per mask
  step: u32,      // the draw's step (RNG counter)
  seedLo: u32,
  seedHi: u32,
  invT: f32,      // 1 / temperature; 0 = greedy
  topP: f32,      // 1 = off
  outStride: u32, // offset of the log-probabilities in out (the sampler's max rows)
};

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> info: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> masks: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@group(0) @binding(4) var<uniform> p: Params;

const NO_MASK = 0xffffffffu;
const NONE = 0xffffffffu;
// token written for a row whose logits hold NaN or +Infinity (or nothing finite): the host raises
const BAD = 0xffffffffu;
// orderKey(-Infinity): every key at or below it is -Infinity or a NaN
const KEY_NEG_INF = 0x007fffffu;
// tempered log-weights below this relative to the maximum count as 0 (as engine/sampler.ts)
const NEGLIGIBLE = -30.0;
// the candidate list: tokens whose tempered log-weight is within CUT_NATS of the maximum, at most CAND
const CUT_NATS = 10.0;
const CAND = 1024u;

var<workgroup> redU: array<u32, WG>;
var<workgroup> redF: array<f32, WG>;
var<workgroup> candKey: array<u32, CAND>;
var<workgroup> candW: array<f32, CAND>;
var<workgroup> pick: atomic<u32>;
var<workgroup> lastPick: atomic<u32>;

// f32 → u32 with the same order (−0 is mapped to +0 first, so equal floats get equal keys)
fn orderKey(x: f32) -> u32 {
  let b = select(bitcast<u32>(x), 0u, x == 0.0);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn fromKey(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}

fn allowed(mi: u32, i: u32) -> bool {
  return mi == NO_MASK || ((masks[mi * p.maskWords + (i >> 5u)] >> (i & 31u)) & 1u) != 0u;
}

// 0 for a token the mask excludes (below every real key)
fn keyAt(base: u32, mi: u32, i: u32) -> u32 {
  if (!allowed(mi, i)) { return 0u; }
  return orderKey(logits[base + i]);
}

fn weightOf(x: f32, mx: f32) -> f32 {
  let dt = (x - mx) * p.invT;
  return select(0.0, exp(dt), dt > NEGLIGIBLE);
}

const OP_SUM = 0u;
const OP_MAX = 1u;
const OP_MIN = 2u;

fn combineU(a: u32, b: u32, op: u32) -> u32 {
  switch (op) {
    case OP_MAX: { return max(a, b); }
    case OP_MIN: { return min(a, b); }
    default: { return a + b; }
  }
}

// the workgroup's sum, max or min of v, the same value in every lane
fn reduceU(v: u32, lid: u32, op: u32) -> u32 {
  redU[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { redU[lid] = combineU(redU[lid], redU[lid + s], op); }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redU[0]);
  workgroupBarrier();
  return r;
}

fn sumF(v: f32, lid: u32) -> f32 {
  redF[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { redF[lid] += redF[lid + s]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redF[0]);
  workgroupBarrier();
  return r;
}

// tokens with key ≥ t (t ≥ 1: allowed tokens only); nc > 0: over the candidate list (t ≥ its cut)
fn countGE(base: u32, mi: u32, t: u32, lid: u32, nc: u32) -> u32 {
  var c = 0u;
  if (nc > 0u) {
    for (var i = lid; i < nc; i += WG) {
      if (candKey[i] >= t) { c += 1u; }
    }
  } else {
    for (var i = lid; i < p.vocab; i += WG) {
      if (keyAt(base, mi, i) >= t) { c += 1u; }
    }
  }
  return reduceU(c, lid, OP_SUM);
}

// tempered weight of the tokens with key ≥ t (t ≥ 1); nc > 0: over the candidate list
fn massGE(base: u32, mi: u32, t: u32, mx: f32, lid: u32, nc: u32) -> f32 {
  var m = 0.0;
  if (nc > 0u) {
    for (var i = lid; i < nc; i += WG) {
      if (candKey[i] >= t) { m += candW[i]; }
    }
  } else {
    for (var i = lid; i < p.vocab; i += WG) {
      if (keyAt(base, mi, i) >= t) { m += weightOf(logits[base + i], mx); }
    }
  }
  return sumF(m, lid);
}

// exclusive prefix sum of v over the lanes
fn scanU(v: u32, lid: u32) -> u32 {
  redU[lid] = v;
  workgroupBarrier();
  for (var s = 1u; s < WG; s <<= 1u) {
    let add = select(0u, redU[max(lid, s) - s], lid >= s);
    workgroupBarrier();
    redU[lid] += add;
    workgroupBarrier();
  }
  let r = redU[lid] - v;
  workgroupBarrier();
  return r;
}

// whether a token of key k is in the kept set (t, c); rank counts the ties (key == t) met so far
fn inSet(k: u32, t: u32, c: u32, rank: ptr<function, u32>) -> bool {
  if (t > 0u && k == t) {
    let r = *rank;
    *rank = r + 1u;
    return r < c;
  }
  return k > t;
}

fn emit(r: u32, tok: u32, logprob: f32) {
  out[r] = tok;
  out[p.outStride + r] = bitcast<u32>(logprob);
}

fn rngMix(v: u32) -> u32 {
  var x = v + 0x9e3779b9u;
  x = (x ^ (x >> 16u)) * 0x85ebca6bu;
  x = (x ^ (x >> 13u)) * 0xc2b2ae35u;
  return x ^ (x >> 16u);
}

// uniform in [0, 1) with 24 bits (exact in f32); engine/rng.ts counterUniform is the same function
fn counterUniform(sample: u32) -> f32 {
  let h = rngMix(rngMix(rngMix(rngMix(p.seedLo ^ 0x3c6ef372u) ^ p.seedHi) ^ sample) ^ p.step);
  return f32(h >> 8u) * (1.0 / 16777216.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r = wg.x;
  let row = info[r];
  let base = row.x * p.vocab;
  let mi = row.z;

  // 1. the largest key, and whether any allowed logit is NaN or +Infinity
  var kmax = 0u;
  var bad = 0u;
  for (var i = lid; i < p.vocab; i += WG) {
    if (!allowed(mi, i)) { continue; }
    let x = logits[base + i];
    let b = bitcast<u32>(x);
    if ((b & 0x7f800000u) == 0x7f800000u && b != 0xff800000u) { bad = 1u; }
    kmax = max(kmax, orderKey(x));
  }
  let anyBad = reduceU(bad, lid, OP_MAX);
  let keyMax = reduceU(kmax, lid, OP_MAX);
  if (anyBad != 0u || keyMax <= KEY_NEG_INF) {
    if (lid == 0u) { emit(r, BAD, 0.0); }
    return;
  }
  let mx = fromKey(keyMax);

  // 2. log-sum-exp of the raw logits (the reported log p), total tempered weight
  var raw = 0.0;
  var tot = 0.0;
  for (var i = lid; i < p.vocab; i += WG) {
    if (!allowed(mi, i)) { continue; }
    let d = logits[base + i] - mx;
    if (d > NEGLIGIBLE) { raw += exp(d); }
    if (p.invT > 0.0) { tot += weightOf(logits[base + i], mx); }
  }
  let rawSum = sumF(raw, lid);
  let total = sumF(tot, lid);
  let lse = mx + log(rawSum);

  // greedy: the lowest id among the largest logits
  if (p.invT == 0.0) {
    var best = NONE;
    for (var i = lid; i < p.vocab; i += WG) {
      if (keyAt(base, mi, i) == keyMax) { best = min(best, i); }
    }
    let tok = reduceU(best, lid, OP_MIN);
    if (lid == 0u) { emit(r, tok, logits[base + tok] - lse); }
    return;
  }

  // each lane's contiguous chunk of ids (the candidate list and the draw keep id order)
  let chunk = (p.vocab + WG - 1u) / WG;
  let first = min(lid * chunk, p.vocab);
  let end = min(first + chunk, p.vocab);

  // 3. the kept set (t, c), over the candidate list when it holds the answer
  let kOn = p.topK > 0u && p.topK < countGE(base, mi, 1u, lid, 0u);
  var nc = 0u;
  var floorKey = 1u;
  if (kOn || p.topP < 1.0) {
    let cutKey = orderKey(mx - CUT_NATS / p.invT);
    var cn = 0u;
    var cm = 0.0;
    for (var i = lid; i < p.vocab; i += WG) {
      if (keyAt(base, mi, i) >= cutKey) {
        cn += 1u;
        cm += weightOf(logits[base + i], mx);
      }
    }
    let candCount = reduceU(cn, lid, OP_SUM);
    let candMass = sumF(cm, lid);
    // top-p alone: the list must hold topP of the mass (a margin for the sums' rounding)
    let enough = select(p.topP >= 1.0 || candMass >= p.topP * total * 1.00001, candCount >= p.topK, kOn);
    if (enough && candCount <= CAND) {
      var mine = 0u;
      for (var i = first; i < end; i += 1u) {
        if (keyAt(base, mi, i) >= cutKey) { mine += 1u; }
      }
      var at = scanU(mine, lid);
      for (var i = first; i < end; i += 1u) {
        let k = keyAt(base, mi, i);
        if (k >= cutKey) {
          candKey[at] = k;
          candW[at] = weightOf(logits[base + i], mx);
          at += 1u;
        }
      }
      workgroupBarrier();
      nc = candCount;
      floorKey = cutKey;
    }
  }
  var t = 0u;
  var c = 0u;
  var kActive = false;
  var setMass = total;
  if (kOn) {
    // the largest t with count(key ≥ t) ≥ k
    var lo = floorKey;
    var hi = keyMax;
    loop {
      if (lo >= hi) { break; }
      let mid = lo + (hi - lo + 1u) / 2u;
      if (countGE(base, mi, mid, lid, nc) >= p.topK) { lo = mid; } else { hi = mid - 1u; }
    }
    t = lo;
    c = p.topK - countGE(base, mi, t + 1u, lid, nc);
    kActive = true;
    setMass = massGE(base, mi, t + 1u, mx, lid, nc) + f32(c) * weightOf(fromKey(t), mx);
  }
  if (p.topP < 1.0) {
    // the largest key t' ≥ t whose prefix (key ≥ t', within the top-k set) holds topP of the set's mass
    let goal = p.topP * setMass;
    var lo = max(t, floorKey);
    var hi = keyMax;
    loop {
      if (lo >= hi) { break; }
      let mid = lo + (hi - lo + 1u) / 2u;
      if (massGE(base, mi, mid, mx, lid, nc) >= goal) { lo = mid; } else { hi = mid - 1u; }
    }
    let cap = select(countGE(base, mi, lo, lid, nc) - countGE(base, mi, lo + 1u, lid, nc), c, kActive && lo == t);
    let need = ceil((goal - massGE(base, mi, lo + 1u, mx, lid, nc)) / weightOf(fromKey(lo), mx));
    c = clamp(u32(clamp(need, 1.0, f32(cap))), 1u, cap);
    t = lo;
  }

  // 4. the draw, in token-id order over contiguous chunks
  if (lid == 0u) {
    atomicStore(&pick, NONE);
    atomicStore(&lastPick, 0u);
  }
  // ties (key == t) in earlier chunks: they come first among the c kept ones
  var ties = 0u;
  if (t > 0u) {
    for (var i = first; i < end; i += 1u) {
      if (keyAt(base, mi, i) == t) { ties += 1u; }
    }
  }
  let tiesBefore = scanU(ties, lid);
  // mass of my chunk's kept tokens, then the scan of it: my range is [inclusive of lid − 1, inclusive)
  var m = 0.0;
  var rank = tiesBefore;
  var lastMine = 0u;
  var haveLast = false;
  for (var i = first; i < end; i += 1u) {
    if (inSet(keyAt(base, mi, i), t, c, &rank)) {
      let w = weightOf(logits[base + i], mx);
      if (w > 0.0) {
        m += w;
        lastMine = i;
        haveLast = true;
      }
    }
  }
  if (haveLast) { atomicMax(&lastPick, lastMine); }
  redF[lid] = m;
  workgroupBarrier();
  for (var s = 1u; s < WG; s <<= 1u) {
    let add = select(0.0, redF[max(lid, s) - s], lid >= s);
    workgroupBarrier();
    redF[lid] += add;
    workgroupBarrier();
  }
  let hiM = redF[lid];
  let loM = select(0.0, redF[max(lid, 1u) - 1u], lid > 0u);
  let mass = redF[WG - 1u];
  let at = counterUniform(row.y) * mass;
  if (m > 0.0 && at >= loM && at < hiM) {
    var cum = loM;
    var got = lastMine;
    rank = tiesBefore;
    for (var i = first; i < end; i += 1u) {
      if (inSet(keyAt(base, mi, i), t, c, &rank)) {
        cum += weightOf(logits[base + i], mx);
        if (at < cum) {
          got = i;
          break;
        }
      }
    }
    atomicMin(&pick, got);
  }
  workgroupBarrier();
  if (lid == 0u) {
    var tok = atomicLoad(&pick);
    // rounding put u · mass past every range: the last kept token
    if (tok == NONE) { tok = atomicLoad(&lastPick); }
    emit(r, tok, logits[base + tok] - lse);
  }
}
