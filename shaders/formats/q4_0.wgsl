// Q4_0 (engine/formats/q4_0.ts): body = qs, 16 bytes (4 words); weights 0..15 are the low nibbles,
// 16..31 the high nibbles; w = d·(q − 8). d in the trailing f16 array.
const QK = 32u;
const QW = 4u;

struct QHead { d: f32 }

fn qhead(body: u32, dh: u32) -> QHead {
  return QHead(wf16(dh));
}

fn qgroup(body: u32, h: QHead, g: u32) -> array<vec4<f32>, 2> {
  let i = body + 2u * (g & 1u);
  let hi = g >> 1u;
  return array<vec4<f32>, 2>(h.d * (nib4(w[i], hi) - 8.0), h.d * (nib4(w[i + 1u], hi) - 8.0));
}
