// Rotary position embedding, in place on the fused qkv activation [rows, (H + 2G)·D] f32: rotates the H q
// heads and the G k heads of row r by position pos = positions[r] (Hugging Face rotate-half layout):
//   for i < D/2, angle = pos·inv_freq[i]:
//   (x[i], x[i + D/2]) → (x[i]·cos − x[i + D/2]·sin, x[i + D/2]·cos + x[i]·sin)
// cos/sin are built exactly from pos's bits: rot[i][b] = (cos, sin)(2^b·inv_freq[i]) (host-computed in
// float64), and (cos, sin)(pos·f) = Π over set bits b of rot[i][b] (complex products), so large positions
// lose no precision to an f32 angle.
// One invocation per (row, i): it computes the rotation once and applies it to all H + G heads.
// Dispatch: (ceil(D/2 / WG), rows). Consts: WG, HALF (= D/2), HEADS (= H + G, the rotated heads), ROW (= (H + 2G)·D).

struct Dyn {
  rows: u32,
}

@group(0) @binding(0) var<storage, read_write> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> positions: array<u32>;
@group(0) @binding(2) var<storage, read> rot: array<vec2<f32>>;   // [HALF][32] (cos, sin)
@group(0) @binding(3) var<uniform> n: Dyn;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = wid.y;
  if (r >= n.rows) { return; }
  let i = wid.x * WG + li;
  if (i >= HALF) { return; }
  let pos = positions[r];
  var cs = vec2<f32>(1.0, 0.0);
  for (var b = 0u; b < 32u; b++) {
    if ((pos >> b) == 0u) { break; }
    if (((pos >> b) & 1u) != 0u) {
      let t = rot[i * 32u + b];
      cs = vec2<f32>(cs.x * t.x - cs.y * t.y, cs.y * t.x + cs.x * t.y);
    }
  }
  let base = r * ROW + i;
  for (var h = 0u; h < HEADS; h++) {
    let a = base + h * (2u * HALF);
    let x0 = qkv[a];
    let x1 = qkv[a + HALF];
    qkv[a] = x0 * cs.x - x1 * cs.y;
    qkv[a + HALF] = x1 * cs.x + x0 * cs.y;
  }
}
