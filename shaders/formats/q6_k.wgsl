// Q6_K (engine/formats/q6_k.ts): body = ql (words 0..31), qh (words 32..47), scales (16 × i8, words
// 48..51); d in the trailing f16 array. Group g: half n = g / 16, quarter k = (g / 4) % 4, weights
// l0 .. l0 + 7 of that quarter, l0 = 8·(g % 4); all 8 share scale byte 8n + l0/16 + 2k.
const QK = 256u;
const QW = 52u;

struct QHead { d: f32 }

fn qhead(body: u32, dh: u32) -> QHead {
  return QHead(wf16(dh));
}

fn qgroup(body: u32, h: QHead, g: u32) -> array<vec4<f32>, 2> {
  let n = g >> 4u;
  let k = (g >> 2u) & 3u;
  let l4 = g & 3u;
  let il = body + 16u * n + 8u * (k & 1u) + 2u * l4;
  let ih = body + 32u + 8u * n + 2u * l4;
  let si = 8u * n + (l4 >> 1u) + 2u * k;
  let sc = h.d * sbytes4(w[body + 48u + (si >> 2u)])[si & 3u];
  let hi = k >> 1u;
  let q0 = nib4(w[il], hi) + 16.0 * bytes4((w[ih] >> (2u * k)) & 0x03030303u) - 32.0;
  let q1 = nib4(w[il + 1u], hi) + 16.0 * bytes4((w[ih + 1u] >> (2u * k)) & 0x03030303u) - 32.0;
  return array<vec4<f32>, 2>(sc * q0, sc * q1);
}
