// Attention of many query vectors over ONE shared K/V sequence (flash-decoding style), writing partial
// softmax states per split. Serves prefill (rows = prompt tokens, causal) and the context part of
// bifurcated decode (rows = samples; all context precedes them, no mask).
//
// Grid: (query blocks, splits, KV head g). A workgroup handles LANES·QPL query vectors of KV group g
// (query vector j = row·P + hp, head g·P + hp) against keys [t0, t1) of its split. Each K/V row is read
// once per workgroup, at a workgroup-uniform address, and used by all its query vectors (a CPU driver
// turns a uniform load into one scalar load broadcast to the SIMD register; a GPU serves it as a
// broadcast from L1), so the context K/V tile is read once per step for all samples and heads of the
// group. Inner loops are register-blocked: QPL query vectors × 4 keys (QKᵀ), QPL × 4 keys × 4 dims (PV).
//
// Lavapipe notes (measured): per-lane arrays indexed by a loop variable are lowered to if-ladders (slow
// to run and to compile), so each lane's q and acc live in workgroup memory ([k][d4][lane]); the dim
// loops run to the uniform nd4 (= D4) so the compiler does not unroll them: unrolled, every uniform
// load adds LLVM compile time (D=128 took minutes to compile at first dispatch).
//
// Units: scores are in log2 units (q is pre-scaled by log2(e)/sqrt(D)), so m is a log2 max and
// exp2 is used throughout; the merge kernel uses the same convention.
// Constants: D4 = D/4, P = heads per KV head, H, G, LANES, QPL, KB (keys per block, multiple of 4),
// CAUSAL (query row r at position posStart + r sees keys <= that position).

// Uniforms u, bindings and QKV4, NEG_BIG, MASKED: attention-shared-io.wgsl (prepended).

const KB4 = KB / 4u;

var<workgroup> qw: array<vec4<f32>, QPL * D4 * LANES>;
var<workgroup> aw: array<vec4<f32>, QPL * D4 * LANES>;
var<private> sc: array<array<vec4<f32>, KB4>, QPL>;

fn kload(t: u32, g: u32, d4: u32) -> vec4<f32> {
  return vec4<f32>(kc[((t - u.segTokenStart) * G + g) * D4 + d4]);
}
fn vload(t: u32, g: u32, d4: u32) -> vec4<f32> {
  return vec4<f32>(vc[((t - u.segTokenStart) * G + g) * D4 + d4]);
}

@compute @workgroup_size(LANES)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let g = wid.z;
  let split = wid.y;
  let nq = u.rows * P;
  let jBase = wid.x * (LANES * QPL);

  var m: array<f32, QPL>;
  var l: array<f32, QPL>;
  var lim: array<u32, QPL>;   // last key each query vector may see
  for (var k = 0u; k < QPL; k++) {
    let j = jBase + k * LANES + lid.x;
    let valid = j < nq;
    let row = select(0u, j / P, valid);
    let head = g * P + j % P;
    m[k] = NEG_BIG;
    l[k] = 0.0;
    lim[k] = select(0xffffffffu, u.posStart + row, CAUSAL);
    for (var d4 = 0u; d4 < u.nd4; d4++) {
      qw[(k * D4 + d4) * LANES + lid.x] = select(vec4<f32>(0.0), qkv[row * QKV4 + head * D4 + d4] * u.qscale, valid);
      aw[(k * D4 + d4) * LANES + lid.x] = vec4<f32>(0.0);
    }
  }

  let t0 = u.kvStart + split * u.keysPerSplit;
  var t1 = min(t0 + u.keysPerSplit, u.kvEnd);
  if (CAUSAL) {
    let lastRow = min(nq, jBase + LANES * QPL) - 1u;
    t1 = min(t1, u.posStart + lastRow / P + 1u);
  }

  for (var t = t0; t < t1; t += KB) {
    let last = t1 - 1u;
    // S = Q Kᵀ for KB keys, 4 keys at a time: QPL × 4 accumulators.
    for (var b4 = 0u; b4 < KB4; b4++) {
      let ta = min(t + b4 * 4u, last);
      let tb = min(t + b4 * 4u + 1u, last);
      let tc = min(t + b4 * 4u + 2u, last);
      let td = min(t + b4 * 4u + 3u, last);
      var s: array<vec4<f32>, QPL>;
      for (var k = 0u; k < QPL; k++) { s[k] = vec4<f32>(0.0); }
      for (var d4 = 0u; d4 < u.nd4; d4++) {
        let ka = kload(ta, g, d4);
        let kb = kload(tb, g, d4);
        let kk = kload(tc, g, d4);
        let kd = kload(td, g, d4);
        for (var k = 0u; k < QPL; k++) {
          let qv = qw[(k * D4 + d4) * LANES + lid.x];
          s[k] += vec4<f32>(dot(qv, ka), dot(qv, kb), dot(qv, kk), dot(qv, kd));
        }
      }
      let keys = vec4<u32>(t + b4 * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
      for (var k = 0u; k < QPL; k++) {
        let ok = (keys <= vec4<u32>(last)) & (keys <= vec4<u32>(lim[k]));
        sc[k][b4] = select(vec4<f32>(MASKED), s[k], ok);
      }
    }
    // Online softmax update per query vector.
    var corr: array<f32, QPL>;
    for (var k = 0u; k < QPL; k++) {
      var mx = NEG_BIG;
      for (var b4 = 0u; b4 < KB4; b4++) {
        let v = sc[k][b4];
        mx = max(mx, max(max(v.x, v.y), max(v.z, v.w)));
      }
      let mnew = max(m[k], mx);
      corr[k] = exp2(m[k] - mnew);
      var sum = 0.0;
      for (var b4 = 0u; b4 < KB4; b4++) {
        let p = exp2(sc[k][b4] - vec4<f32>(mnew));
        sc[k][b4] = p;
        sum += (p.x + p.y) + (p.z + p.w);
      }
      l[k] = l[k] * corr[k] + sum;
      m[k] = mnew;
    }
    // acc = acc·corr + P V, 4 keys at a time.
    for (var d4 = 0u; d4 < u.nd4; d4++) {
      var a: array<vec4<f32>, QPL>;
      for (var k = 0u; k < QPL; k++) { a[k] = aw[(k * D4 + d4) * LANES + lid.x] * corr[k]; }
      for (var b4 = 0u; b4 < KB4; b4++) {
        let va = vload(min(t + b4 * 4u, last), g, d4);
        let vb = vload(min(t + b4 * 4u + 1u, last), g, d4);
        let vv = vload(min(t + b4 * 4u + 2u, last), g, d4);
        let vd = vload(min(t + b4 * 4u + 3u, last), g, d4);
        for (var k = 0u; k < QPL; k++) {
          let p = sc[k][b4];
          a[k] += p.x * va + p.y * vb + p.z * vv + p.w * vd;
        }
      }
      for (var k = 0u; k < QPL; k++) { aw[(k * D4 + d4) * LANES + lid.x] = a[k]; }
    }
  }

  for (var k = 0u; k < QPL; k++) {
    let j = jBase + k * LANES + lid.x;
    if (j < nq) {
      let row = j / P;
      let head = g * P + j % P;
      let slot = (row * H + head) * u.nSlots + u.slotBase + split;
      partML[slot] = vec2<f32>(m[k], l[k]);
      for (var d4 = 0u; d4 < u.nd4; d4++) { partAcc[slot * D4 + d4] = aw[(k * D4 + d4) * LANES + lid.x]; }
    }
  }
}
