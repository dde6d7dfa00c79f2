// Embedding lookup against one RowChunk of a table in a quantized format (shaders/formats/README.md):
// out[r, 8i .. 8i + 7] = dequantized weights 8i .. 8i + 7 of table row tokens[r], for rows whose token lies
// in this chunk's rows [rowStart, rowStart + chunkRows). Each invocation dequantizes one group of 8.
// out: [rows, hidden] f32. Dispatch (ceil(hidden / 8 / WG), rows), rows ≤ 65535. Consts: WG, HIDDEN.
// The kernel source is this file after the format's snippet (engine/kernels/embed.ts).

struct Params {
  rowStart: u32,
  chunkRows: u32,
  dHalf: u32,   // f16 index of the chunk's first trailing d (split formats)
}
struct Dyn {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<uniform> n: Dyn;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = wid.y;
  let gi = wid.x * WG + li;   // group of 8 in the row
  if (r >= n.rows || gi >= HIDDEN / 8u) { return; }
  let t = tokens[r] - p.rowStart;   // wraps to a large value for tokens below this chunk
  if (t >= p.chunkRows) { return; }
  let blk = t * (HIDDEN / QK) + gi / (QK / 8u);
  let body = blk * QW;
  let v = qgroup(body, qhead(body, p.dHalf + blk), gi % (QK / 8u));
  let o = r * HIDDEN + 8u * gi;
  for (var k = 0u; k < 4u; k++) {
    out[o + k] = v[0][k];
    out[o + 4u + k] = v[1][k];
  }
}
