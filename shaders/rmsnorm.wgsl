// RMSNorm over rows: y[r, i] = x[r, i] / sqrt(mean_i(x[r, i]²) + eps) · w[i]
// x, y: [rows, dim] f32 (may be the same buffer only if bound once; here they are distinct bindings),
// w: f32 [dim]. One workgroup per row (2D dispatch: wid.x + wid.y·65535 for large row counts): each
// invocation sums squares over a strided slice, a shared-memory tree reduces them, then all write.
// Consts: WG (invocations, power of two).

struct Params {
  dim: u32,
  eps: f32,
}
struct Dyn {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<uniform> n: Dyn;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = wid.x + wid.y * 65535u;
  // r is uniform across the workgroup, so this return keeps barriers in uniform control flow.
  if (r >= n.rows) { return; }
  let base = r * p.dim;
  var s = 0.0;
  for (var i = li; i < p.dim; i += WG) {
    let v = x[base + i];
    s = fma(v, v, s);
  }
  partial[li] = s;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h /= 2u) {
    if (li < h) { partial[li] += partial[li + h]; }
    workgroupBarrier();
  }
  let scale = inverseSqrt(partial[0] / f32(p.dim) + p.eps);
  for (var i = li; i < p.dim; i += WG) {
    y[base + i] = x[base + i] * scale * w[i];
  }
}
