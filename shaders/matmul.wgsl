// Dense matmul against one RowChunk of a row-split weight:
//   y[r, colStart + o] = (ACCUMULATE ? y[r, colStart + o] : 0) + Σ_i x[r, i]·W[o, i] + bias[colStart + o]
// for r < rows, o < chunkRows.  W: [chunkRows, inDim] in WT (row-major), x: [rows, inDim] f32,
// y: [rows, outDim] f32, bias: f32 [outDim].
//
// Tiling: each invocation computes R rows × C outputs, so each weight value read is used R times and each
// x value C times. Invocations of a workgroup take consecutive output groups (lanes vary along outputs);
// all lanes read the same x element at the same time (a uniform load, one broadcast on lavapipe) and
// their own weight row (a gather). Workgroup (x, y) = (output block of WG·C, row block of R).
//
// The fast path (VEC) needs inDim % 8 == 0: it reads W 8 elements at a time as one vec4<u32> (f16 pairs,
// unpacked with unpack2x16float) or two (f32 bits), and x as two vec4<f32>. Otherwise (VEC false) it
// reads scalars.
//
// Consts: WG (invocations), R (rows per invocation), C (outputs per invocation), W16 (WT is f16),
// VEC, ACCUMULATE, HAS_BIAS.

struct Params {
  inDim: u32,      // elements per row of W and x
  chunkRows: u32,  // output rows in this chunk
  colStart: u32,   // first output column of this chunk in y
  outDim: u32,     // y row stride
}
struct Dyn {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<uniform> n: Dyn;
@group(0) @binding(5) var<storage, read> bias: array<f32>;

// 8 weights starting at row o, element 8·k8 (fast path).
fn w8(o: u32, k8: u32, K8: u32) -> array<vec4<f32>, 2> {
  if (W16) {
    let v = w[o * K8 + k8];
    return array<vec4<f32>, 2>(
      vec4<f32>(unpack2x16float(v.x), unpack2x16float(v.y)),
      vec4<f32>(unpack2x16float(v.z), unpack2x16float(v.w)));
  }
  let i = (o * K8 + k8) * 2u;
  return array<vec4<f32>, 2>(bitcast<vec4<f32>>(w[i]), bitcast<vec4<f32>>(w[i + 1u]));
}

// One weight (scalar path): element e of the chunk's flat array.
fn w1(e: u32) -> f32 {
  if (W16) {
    let v = w[e / 8u];
    let word = v[(e / 2u) % 4u];
    return unpack2x16float(word)[e % 2u];
  }
  return bitcast<f32>(w[e / 4u][e % 4u]);
}

fn x1(e: u32) -> f32 {
  return x[e / 4u][e % 4u];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let rows = n.rows;
  let r0 = wid.y * R;
  if (r0 >= rows) { return; }
  let o0 = (wid.x * WG + li) * C;
  if (o0 >= p.chunkRows) { return; }

  // Rows and outputs past the end are clamped for reading and skipped when writing.
  var ro: array<u32, R>;
  for (var j = 0u; j < R; j++) { ro[j] = min(r0 + j, rows - 1u); }
  var oo: array<u32, C>;
  for (var c = 0u; c < C; c++) { oo[c] = min(o0 + c, p.chunkRows - 1u); }

  var acc: array<array<vec4<f32>, C>, R>;
  if (VEC) {
    let K8 = p.inDim / 8u;
    for (var k = 0u; k < K8; k++) {
      var wv: array<array<vec4<f32>, 2>, C>;
      for (var c = 0u; c < C; c++) { wv[c] = w8(oo[c], k, K8); }
      for (var j = 0u; j < R; j++) {
        let xi = ro[j] * (K8 * 2u) + k * 2u;
        let xa = x[xi];
        let xb = x[xi + 1u];
        for (var c = 0u; c < C; c++) {
          acc[j][c] = fma(wv[c][0], xa, fma(wv[c][1], xb, acc[j][c]));
        }
      }
    }
  } else {
    for (var k = 0u; k < p.inDim; k++) {
      var wv: array<f32, C>;
      for (var c = 0u; c < C; c++) { wv[c] = w1(oo[c] * p.inDim + k); }
      for (var j = 0u; j < R; j++) {
        let xv = x1(ro[j] * p.inDim + k);
        for (var c = 0u; c < C; c++) { acc[j][c].x = fma(wv[c], xv, acc[j][c].x); }
      }
    }
  }

  for (var j = 0u; j < R; j++) {
    if (r0 + j >= rows) { break; }
    for (var c = 0u; c < C; c++) {
      if (o0 + c >= p.chunkRows) { break; }
      let col = p.colStart + o0 + c;
      let yi = (r0 + j) * p.outDim + col;
      var v = dot(acc[j][c], vec4<f32>(1.0));
      if (HAS_BIAS) { v += bias[col]; }
      if (ACCUMULATE) { v += y[yi]; }
      y[yi] = v;
    }
  }
}
