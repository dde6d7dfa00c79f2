// Fills count elements with deterministic pseudo-random values uniform in [-scale, scale):
//   value(i) = scale·(2·u(i) − 1),  u(i) = (hash(i, seed) >> 8) / 2^24,  i = 0 .. count-1 (index within the fill)
// i counts from the start of the whole fill. Elements are f16 (HALF) or f32, starting at element `first` of the bound range. Each invocation writes one
// 32-bit word (two f16 or one f32); an f16 word half outside [first, first + count) keeps its old bits.
// Dispatch is 2D (groupsX workgroups per row) so large fills stay under 65535 workgroups per dimension.
// Consts: WG, HALF.

struct Params {
  first: u32,    // element offset of the fill in the bound range
  count: u32,    // elements to fill
  seed: u32,
  scale: f32,
  groupsX: u32,  // workgroups along x in the dispatch
  base: u32,     // fill index of element `first` (a large fill is bound in several ranges)
}

@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> p: Params;

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

fn value(i: u32) -> f32 {
  let h = pcg((p.base + i) ^ pcg(p.seed));
  return p.scale * (f32(h >> 8u) * (2.0 / 16777216.0) - 1.0);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = (wid.y * p.groupsX + wid.x) * WG + li;   // word index relative to the first touched word
  if (HALF) {
    let word = p.first / 2u + t;
    let e0 = word * 2u;                              // element index of the low half
    let end = p.first + p.count;
    if (e0 >= end) { return; }
    var bits = 0u;
    if (e0 < p.first || e0 + 1u >= end) { bits = out[word]; }   // an edge word keeps its other half
    if (e0 >= p.first) { bits = (bits & 0xffff0000u) | (pack2x16float(vec2<f32>(value(e0 - p.first), 0.0)) & 0xffffu); }
    if (e0 + 1u >= p.first && e0 + 1u < end) { bits = (bits & 0xffffu) | (pack2x16float(vec2<f32>(0.0, value(e0 + 1u - p.first))) & 0xffff0000u); }
    out[word] = bits;
  } else {
    if (t >= p.count) { return; }
    out[p.first + t] = bitcast<u32>(value(t));
  }
}
