// Attention where each query row has its OWN K/V sequence: the decode part of bifurcated attention
// (row r against sample rowSample[r]'s decoded tokens) and standard mode (row r against its sample's full
// copy of context + decoded tokens). Writes partial softmax states per split, like attention-shared.wgsl.
//
// With sharedSeq = 1 every row reads sample 0 (the shared context): bifurcated decode uses this for its
// context part when there are too few query vectors per KV head to fill attention-shared's lanes.
// Grid: (row, KV head g, split). The bound K/V buffers are one segment of a per-sample store: samples
// [segSampleStart, +segSamples) × tokens [segTokenStart, +segTokens), laid out [samples, tokens, G, D4];
// a workgroup whose row's sample lies in another segment returns at once (its slots are written by the
// dispatch of that segment). Lanes take keys t0 + lane, t0 + lane + LANES, ...; each lane keeps the
// online-softmax state of all P heads of group g for its keys; the workgroup then merges its lanes.
// Scores are in log2 units (q pre-scaled by log2(e)/sqrt(D)).
// Constants: D4, P, H, G, LANES.

struct U {
  rows: u32,
  segSampleStart: u32,
  segSamples: u32,
  segTokenStart: u32,
  segTokens: u32,
  kvStart: u32,       // first key (token index in the sample's sequence) of this dispatch
  kvEnd: u32,         // end key, exclusive
  keysPerSplit: u32,
  slotBase: u32,
  nSlots: u32,
  qscale: f32,
  sharedSeq: u32,     // 1: every row reads the same sequence (sample 0 of the store: the context)
}

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;           // [rows, (H+2G)·D4] f32
@group(0) @binding(2) var<storage, read> kc: array<vec4<KT>>;             // [segSamples, segTokens, G, D4] KT
@group(0) @binding(3) var<storage, read> vc: array<vec4<KT>>;
@group(0) @binding(4) var<storage, read> rowSample: array<u32>;           // [rows]
@group(0) @binding(5) var<storage, read_write> partAcc: array<vec4<f32>>; // [rows·H·nSlots, D4]
@group(0) @binding(6) var<storage, read_write> partML: array<vec2<f32>>;  // [rows·H·nSlots]

const QKV4 = (H + 2u * G) * D4;
const NEG_BIG = -1e30;

var<private> acc: array<array<vec4<f32>, D4>, P>;
var<workgroup> redML: array<vec2<f32>, LANES>;
var<workgroup> redAcc: array<vec4<f32>, LANES * D4>;

@compute @workgroup_size(LANES)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row = wid.x;
  let g = wid.y;
  let split = wid.z;
  let sample = select(rowSample[row], 0u, u.sharedSeq != 0u);
  if (row >= u.rows || sample < u.segSampleStart || sample >= u.segSampleStart + u.segSamples) { return; }
  let lane = lid.x;
  let qBase = row * QKV4 + g * P * D4;
  let seqBase = (sample - u.segSampleStart) * u.segTokens;

  var m: array<f32, P>;
  var l: array<f32, P>;
  for (var hp = 0u; hp < P; hp++) {
    m[hp] = NEG_BIG;
    l[hp] = 0.0;
    for (var d4 = 0u; d4 < D4; d4++) { acc[hp][d4] = vec4<f32>(0.0); }
  }

  let t0 = u.kvStart + split * u.keysPerSplit;
  let t1 = min(t0 + u.keysPerSplit, u.kvEnd);
  for (var t = t0 + lane; t < t1; t += LANES) {
    let kBase = ((seqBase + t - u.segTokenStart) * G + g) * D4;
    var s: array<f32, P>;
    for (var hp = 0u; hp < P; hp++) { s[hp] = 0.0; }
    for (var d4 = 0u; d4 < D4; d4++) {
      let kv = vec4<f32>(kc[kBase + d4]);
      for (var hp = 0u; hp < P; hp++) { s[hp] += dot(qkv[qBase + hp * D4 + d4], kv); }
    }
    var corr: array<f32, P>;
    var p: array<f32, P>;
    for (var hp = 0u; hp < P; hp++) {
      let sv = s[hp] * u.qscale;
      let mnew = max(m[hp], sv);
      corr[hp] = exp2(m[hp] - mnew);
      p[hp] = exp2(sv - mnew);
      l[hp] = l[hp] * corr[hp] + p[hp];
      m[hp] = mnew;
    }
    for (var d4 = 0u; d4 < D4; d4++) {
      let vv = vec4<f32>(vc[kBase + d4]);
      for (var hp = 0u; hp < P; hp++) { acc[hp][d4] = acc[hp][d4] * corr[hp] + p[hp] * vv; }
    }
  }

  // Merge the lanes' states, one head at a time.
  for (var hp = 0u; hp < P; hp++) {
    redML[lane] = vec2<f32>(m[hp], 0.0);
    workgroupBarrier();
    var mAll = NEG_BIG;
    for (var i = 0u; i < LANES; i++) { mAll = max(mAll, redML[i].x); }
    let w = exp2(m[hp] - mAll);
    workgroupBarrier();
    redML[lane] = vec2<f32>(m[hp], l[hp] * w);
    for (var d4 = 0u; d4 < D4; d4++) { redAcc[lane * D4 + d4] = acc[hp][d4] * w; }
    workgroupBarrier();
    let slot = (row * H + g * P + hp) * u.nSlots + u.slotBase + split;
    for (var d4 = lane; d4 < D4; d4 += LANES) {
      var a = vec4<f32>(0.0);
      for (var i = 0u; i < LANES; i++) { a += redAcc[i * D4 + d4]; }
      partAcc[slot * D4 + d4] = a;
    }
    if (lane == 0u) {
      var lAll = 0.0;
      for (var i = 0u; i < LANES; i++) { lAll += redML[i].y; }
      partML[slot] = vec2<f32>(mAll, lAll);
    }
    workgroupBarrier();
  }
}
