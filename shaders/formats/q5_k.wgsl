// Q5_K (engine/formats/q5_k.ts): the whole 176-byte block (44 words): head (kquant-head.wgsl, words
// 0..3), qh (words 4..11: bit s of qh byte l is the 5th bit of weight l of sub-block s), qs (words
// 12..43, laid out as in Q4_K).
const QK = 256u;
const QW = 44u;

fn qgroup(body: u32, h: QHead, g: u32) -> array<vec4<f32>, 2> {
  let s = g >> 2u;
  let l = 2u * (g & 3u);
  let i = body + 12u + 8u * (s >> 1u) + l;
  let hb = body + 4u + l;
  let hi = s & 1u;
  let sm = kscale(h, s);
  let q0 = nib4(w[i], hi) + 16.0 * bytes4((w[hb] >> s) & 0x01010101u);
  let q1 = nib4(w[i + 1u], hi) + 16.0 * bytes4((w[hb + 1u] >> s) & 0x01010101u);
  return array<vec4<f32>, 2>(sm.x * q0 - sm.y, sm.x * q1 - sm.y);
}
