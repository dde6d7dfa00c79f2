// Q4_K (engine/formats/q4_k.ts): the whole 144-byte block (36 words): head (kquant-head.wgsl, words
// 0..3), qs (words 4..35). Group g lies in sub-block s = g / 4; sub-blocks 2c and 2c + 1 are the low and
// high nibbles of qs bytes 32c .. 32c + 31.
const QK = 256u;
const QW = 36u;

fn qgroup(body: u32, h: QHead, g: u32) -> array<vec4<f32>, 2> {
  let s = g >> 2u;
  let i = body + 4u + 8u * (s >> 1u) + 2u * (g & 3u);
  let hi = s & 1u;
  let sm = kscale(h, s);
  return array<vec4<f32>, 2>(sm.x * nib4(w[i], hi) - sm.y, sm.x * nib4(w[i + 1u], hi) - sm.y);
}
