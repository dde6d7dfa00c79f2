// Exact log-sum-exp merge of partial attention states: for each (row, head), the nSlots partials
// (m_s, l_s, acc_s) with acc_s = Σ exp2(score - m_s)·v (scores in log2 units) combine to
//   M = max m_s,  l = Σ exp2(m_s - M)·l_s,  out = Σ exp2(m_s - M)·acc_s / l.
// Grid: (rows·H). Lanes take dims (vec4) d4 = lane, lane + 32, ...
// Constants: D4, H.

struct U { rows: u32, nSlots: u32 }

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> partAcc: array<vec4<f32>>; // [rows·H·nSlots, D4]
@group(0) @binding(2) var<storage, read> partML: array<vec2<f32>>;  // [rows·H·nSlots]
@group(0) @binding(3) var<storage, read_write> outp: array<vec4<f32>>; // [rows, H·D4] f32

@compute @workgroup_size(32)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let rh = wid.x;
  if (rh >= u.rows * H) { return; }
  let base = rh * u.nSlots;
  var mAll = -1e30;
  for (var s = 0u; s < u.nSlots; s++) { mAll = max(mAll, partML[base + s].x); }
  var lAll = 0.0;
  for (var s = 0u; s < u.nSlots; s++) {
    let ml = partML[base + s];
    lAll += exp2(ml.x - mAll) * ml.y;
  }
  let inv = select(0.0, 1.0 / lAll, lAll > 0.0);
  for (var d4 = lid.x; d4 < D4; d4 += 32u) {
    var a = vec4<f32>(0.0);
    for (var s = 0u; s < u.nSlots; s++) {
      a += exp2(partML[base + s].x - mAll) * partAcc[(base + s) * D4 + d4];
    }
    outp[rh * D4 + d4] = a * inv;
  }
}
