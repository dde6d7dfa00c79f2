// Embedding lookup against one RowChunk of the table: out[r, :] = table[tokens[r], :] as f32, for rows
// whose token lies in this chunk's rows [rowStart, rowStart + chunkRows). table: [chunkRows, hidden] in WT,
// read as 32-bit words (f16 / bf16 pairs or f32 bits) so any hidden size works. out: [rows, hidden] f32.
// Dispatch (ceil(hidden / WG), rows), rows ≤ 65535. Consts: WG, W16 (2-byte weights: bfloat16 when BF16,
// else f16; unpack2 from shaders/formats/dense.wgsl, prepended), HIDDEN.

struct Params {
  rowStart: u32,
  chunkRows: u32,
}
struct Dyn {
  rows: u32,
}

@group(0) @binding(0) var<storage, read> table: array<u32>;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<uniform> n: Dyn;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = wid.y;
  let col = wid.x * WG + li;
  if (r >= n.rows || col >= HIDDEN) { return; }
  let t = tokens[r] - p.rowStart;   // wraps to a large value for tokens below this chunk
  if (t >= p.chunkRows) { return; }
  let e = t * HIDDEN + col;
  var v: f32;
  if (W16) {
    v = unpack2(table[e / 2u])[e % 2u];
  } else {
    v = bitcast<f32>(table[e]);
  }
  out[r * HIDDEN + col] = v;
}
