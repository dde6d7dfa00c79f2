// The block head shared by Q4_K and Q5_K: word 0 = d | dmin (f16 pair), words 1..3 = the 12 scale bytes
// (engine/formats/kquant.ts).

struct QHead { d: f32, dmin: f32, s0: u32, s1: u32, s2: u32 }

fn qhead(body: u32, dh: u32) -> QHead {
  let dd = unpack2x16float(w[body]);
  return QHead(dd.x, dd.y, w[body + 1u], w[body + 2u], w[body + 3u]);
}

// (d·scale, dmin·min) of sub-block s: ggml's get_scale_min_k4 on scale bytes q0..q11 = s0, s1, s2.
// s is the same for every invocation at a time (it depends on the loop counter), so the branch is uniform.
fn kscale(h: QHead, s: u32) -> vec2<f32> {
  let k = s & 3u;
  var sc: u32;
  var m: u32;
  if (s < 4u) {
    sc = byte_of(h.s0, k) & 63u;
    m = byte_of(h.s1, k) & 63u;
  } else {
    sc = (byte_of(h.s2, k) & 15u) | ((byte_of(h.s0, k) >> 6u) << 4u);
    m = (byte_of(h.s2, k) >> 4u) | ((byte_of(h.s1, k) >> 6u) << 4u);
  }
  return vec2<f32>(h.d * f32(sc), h.dmin * f32(m));
}
