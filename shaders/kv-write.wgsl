// Copies the k and v heads of query rows from the fused qkv activation (f32) into one segment of a KV
// sequence store (KT). Row r goes to sample (perSample ? rowSample[r] : 0) at token (token + r·rowStep):
// prefill: perSample = 0, token = posStart, rowStep = 1; decode: perSample = 1, token = slot, rowStep = 0.
// Rows whose destination lies outside the bound segment are skipped (another segment's dispatch writes them).
// Grid: (ceil(G·D4 / 64), rows). Constants: D4, H, G.

struct U {
  rows: u32,
  perSample: u32,
  token: u32,
  rowStep: u32,
  segSampleStart: u32,
  segSamples: u32,
  segTokenStart: u32,
  segTokens: u32,
}

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;        // [rows, (H+2G)·D4]
@group(0) @binding(2) var<storage, read> rowSample: array<u32>;        // [rows]
@group(0) @binding(3) var<storage, read_write> kc: array<vec4<KT>>;    // [segSamples, segTokens, G·D4]
@group(0) @binding(4) var<storage, read_write> vc: array<vec4<KT>>;

const GD4 = G * D4;
const QKV4 = (H + 2u * G) * D4;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let r = gid.y;
  if (i >= GD4 || r >= u.rows) { return; }
  let sample = select(0u, rowSample[r], u.perSample != 0u);
  let token = u.token + r * u.rowStep;
  if (sample < u.segSampleStart || sample >= u.segSampleStart + u.segSamples) { return; }
  if (token < u.segTokenStart || token >= u.segTokenStart + u.segTokens) { return; }
  let dst = ((sample - u.segSampleStart) * u.segTokens + (token - u.segTokenStart)) * GD4 + i;
  let src = r * QKV4 + H * D4 + i;
  kc[dst] = vec4<KT>(qkv[src]);
  vc[dst] = vec4<KT>(qkv[src + GD4]);
}
