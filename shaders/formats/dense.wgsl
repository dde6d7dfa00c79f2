// The 2-byte dense formats (engine/formats/dense.ts): a u32 word holds two weights, the low half first,
// as IEEE f16 (BF16 false) or bfloat16, the top half of an f32 (BF16 true). Needs the const BF16.
fn unpack2(v: u32) -> vec2<f32> {
  if (BF16) {
    return vec2<f32>(bitcast<f32>(v << 16u), bitcast<f32>(v & 0xffff0000u));
  }
  return unpack2x16float(v);
}
