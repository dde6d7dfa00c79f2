// SwiGLU: out[r, i] = silu(g)·u with g = gateUp[r, i], u = gateUp[r, I + i], silu(g) = g / (1 + e^-g).
// gateUp: [rows, 2I] f32 (gate then up), out: [rows, I] f32. One invocation per output;
// dispatch (ceil(I / WG), rows), rows ≤ 65535. Consts: WG, INTER (= I).

struct Dyn {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> gu: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> n: Dyn;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = wid.y;
  let i = wid.x * WG + li;
  if (r >= n.rows || i >= INTER) { return; }
  let g = gu[r * 2u * INTER + i];
  let u = gu[r * 2u * INTER + INTER + i];
  // e^-g overflows to +inf for g < -88 and g / inf = -0, the limit of silu there.
  out[r * INTER + i] = g / (1.0 + exp(-g)) * u;
}
