// Attention of many query vectors over ONE shared K/V sequence: the GPU profile's variant of
// attention-shared.wgsl, with the same bindings, uniforms, grid and partial softmax states (the merge
// kernel and the split plans are shared; engine/attention/kernels.ts picks the kernel by device profile).
//
// Grid: (query blocks, splits, KV head g). A workgroup of LANES lanes takes QB = LANES / TPQ query
// vectors of KV group g (query vector j = row·P + hp, head g·P + hp): all n·P queries of the head when
// they fit, so each K/V tile is read from memory once per step for all samples and heads of the group.
// The TPQ lanes of a query vector are one aligned run of lanes; lane s of the run holds dims
// d4 = s + i·TPQ (i < DPL = D4 / TPQ) of q and of acc in registers. Keys [t0, t1) of the split pass
// through workgroup memory KB at a time:
//   1. all lanes load the K and V tiles [KB, D4] (consecutive lanes, consecutive 16-byte words: coalesced);
//   2. each lane dots its dims of q with every key of the tile; reduceScores() adds the TPQ partial sums
//      of a run (subgroup shuffles where the device has subgroups, else workgroup memory; the code is
//      appended by engine/attention/shared-source.ts), so every lane of a run holds the same scores;
//   3. online softmax update (log2 units, as in attention-shared.wgsl);
//   4. acc = acc·corr + Σ p·v over the V tile.
// Two barriers per tile (three with the workgroup-memory reduction): lavapipe compiles every barrier
// into a split of the shader with the live registers saved per lane, so fewer barriers compile faster.
// Loop bounds (t0, t1) are workgroup-uniform, so the barriers and subgroup operations run in uniform
// control flow; lanes of a query vector past the last row compute on q = 0 and write nothing.
//
// Constants: D4 = D/4, P = heads per KV head, H, G, LANES, TPQ (power of two dividing D4), KB (keys per
// tile), CAUSAL (query row r at position posStart + r sees keys <= that position), RUNTIME_BOUNDS (a CPU
// driver compiles the inner loops with run-time bounds, see below).
// Workgroup memory: 2·KB·D4·16 bytes (+ KB·LANES·4 for the workgroup-memory reduction).

// Uniforms u, bindings and QKV4, NEG_BIG, MASKED: attention-shared-io.wgsl (prepended).

const QB = LANES / TPQ;   // query vectors per workgroup
const DPL = D4 / TPQ;     // vec4s of q (and of acc) per lane

var<workgroup> kt: array<vec4<f32>, KB * D4>;  // K of keys [t, t + KB): [KB, D4] f32
var<workgroup> vt: array<vec4<f32>, KB * D4>;  // V of the same keys
var<private> sc: array<f32, KB>;               // this lane's scores (then probabilities) of the tile

// Loads K and V of keys [t, t + KB) into the tiles; keys past `last` repeat key `last` (finite values,
// masked out of the scores, weighted by p = 0).
fn loadTiles(t: u32, last: u32, g: u32, lid: u32) {
  for (var e = lid; e < KB * D4; e += LANES) {
    let key = min(t + e / D4, last);
    let idx = ((key - u.segTokenStart) * G + g) * D4 + e % D4;
    kt[e] = vec4<f32>(kc[idx]);
    vt[e] = vec4<f32>(vc[idx]);
  }
}

@compute @workgroup_size(LANES)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let g = wid.z;
  let split = wid.y;
  let nq = u.rows * P;
  let j = wid.x * QB + lid / TPQ;
  let s = lid % TPQ;
  let valid = j < nq;
  let row = select(0u, j / P, valid);
  let head = g * P + j % P;

  // Loop bounds: the constants DPL and KB on a GPU (loops unrolled, q/acc/sc in registers); on a CPU
  // driver the same values from the uniforms, so lavapipe does not unroll (4x faster compiles in CI).
  let dpl = select(DPL, u.nd4 / TPQ, RUNTIME_BOUNDS);
  let kb = select(KB, u.kb, RUNTIME_BOUNDS);
  var q: array<vec4<f32>, DPL>;
  var acc: array<vec4<f32>, DPL>;
  for (var i = 0u; i < dpl; i++) {
    q[i] = select(vec4<f32>(0.0), qkv[row * QKV4 + head * D4 + s + i * TPQ] * u.qscale, valid);
    acc[i] = vec4<f32>(0.0);
  }
  let lim = select(0xffffffffu, u.posStart + row, CAUSAL);  // last key this query vector may see
  var m = NEG_BIG;
  var l = 0.0;

  let t0 = u.kvStart + split * u.keysPerSplit;
  var t1 = min(t0 + u.keysPerSplit, u.kvEnd);
  if (CAUSAL) {
    let lastRow = min(nq, wid.x * QB + QB) - 1u;
    t1 = min(t1, u.posStart + lastRow / P + 1u);
  }

  for (var t = t0; t < t1; t += KB) {
    let last = t1 - 1u;
    loadTiles(t, last, g, lid);
    workgroupBarrier();
    for (var b = 0u; b < kb; b++) {
      var x = 0.0;
      for (var i = 0u; i < dpl; i++) { x += dot(q[i], kt[b * D4 + s + i * TPQ]); }
      sc[b] = x;
    }
    reduceScores(lid, kb);
    var mx = NEG_BIG;
    for (var b = 0u; b < kb; b++) {
      let key = t + b;
      sc[b] = select(MASKED, sc[b], key <= last && key <= lim);
      mx = max(mx, sc[b]);
    }
    let mnew = max(m, mx);
    let corr = exp2(m - mnew);
    var sum = 0.0;
    for (var b = 0u; b < kb; b++) {
      let p = exp2(sc[b] - mnew);
      sc[b] = p;
      sum += p;
    }
    l = l * corr + sum;
    m = mnew;
    for (var i = 0u; i < dpl; i++) {
      var a = acc[i] * corr;
      for (var b = 0u; b < kb; b++) { a += sc[b] * vt[b * D4 + s + i * TPQ]; }
      acc[i] = a;
    }
    workgroupBarrier();  // every lane is done with the tiles (and the reduction's memory) before the next load
  }

  if (valid) {
    let slot = (row * H + head) * u.nSlots + u.slotBase + split;
    if (s == 0u) { partML[slot] = vec2<f32>(m, l); }
    for (var i = 0u; i < dpl; i++) { partAcc[slot * D4 + s + i * TPQ] = acc[i]; }
  }
}
