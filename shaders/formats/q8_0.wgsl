// Q8_0 (engine/formats/q8_0.ts): body = qs, 32 × i8 (8 words); d in the trailing f16 array.
const QK = 32u;
const QW = 8u;

struct QHead { d: f32 }

fn qhead(body: u32, dh: u32) -> QHead {
  return QHead(wf16(dh));
}

fn qgroup(body: u32, h: QHead, g: u32) -> array<vec4<f32>, 2> {
  let i = body + 2u * g;
  return array<vec4<f32>, 2>(h.d * sbytes4(w[i]), h.d * sbytes4(w[i + 1u]));
}
