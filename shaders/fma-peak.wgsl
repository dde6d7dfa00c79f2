// Compute ceiling: each invocation runs 8 independent chains of vec4<f32> a = fma(a, m, c) for `iters`
// steps (64 FLOPs per step), all in registers, and writes their sum, so nothing is optimised away.
// m and c come from a uniform, so the compiler cannot fold the chains. FLOPs = invocations · iters · 64.
// Reference: engine/kernels/fma-peak.ref.ts. Consts: WG.

struct Params {
  iters: u32,
  m: f32,
  c: f32,
  pad: u32,
}

@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;  // [invocations]
@group(0) @binding(1) var<uniform> p: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = f32(gid.x % 256u);
  let m = vec4<f32>(p.m);
  let c = vec4<f32>(p.c);
  var a0 = vec4<f32>(s, s + 1.0, s + 2.0, s + 3.0);
  var a1 = a0 + 4.0;
  var a2 = a0 + 8.0;
  var a3 = a0 + 12.0;
  var a4 = a0 + 16.0;
  var a5 = a0 + 20.0;
  var a6 = a0 + 24.0;
  var a7 = a0 + 28.0;
  for (var i = 0u; i < p.iters; i++) {
    a0 = fma(a0, m, c);
    a1 = fma(a1, m, c);
    a2 = fma(a2, m, c);
    a3 = fma(a3, m, c);
    a4 = fma(a4, m, c);
    a5 = fma(a5, m, c);
    a6 = fma(a6, m, c);
    a7 = fma(a7, m, c);
  }
  out[gid.x] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}
