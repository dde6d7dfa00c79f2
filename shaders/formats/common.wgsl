// Helpers for the weight-format snippets (shaders/formats/README.md). Needs `w: array<u32>`.

// f16 number h of w (two per word, low half first), as f32.
fn wf16(h: u32) -> f32 {
  return unpack2x16float(w[h >> 1u])[h & 1u];
}

// The 4 bytes of v (little-endian) as unsigned values.
fn bytes4(v: u32) -> vec4<f32> {
  return vec4<f32>(vec4<u32>(v, v >> 8u, v >> 16u, v >> 24u) & vec4<u32>(0xffu));
}

// The 4 bytes of v as signed (i8) values.
fn sbytes4(v: u32) -> vec4<f32> {
  let s = bitcast<i32>(v);
  return vec4<f32>(vec4<i32>(s << 24u, s << 16u, s << 8u, s) >> vec4<u32>(24u));
}

// The low (hi = 0) or high (hi = 1) nibbles of v's 4 bytes.
fn nib4(v: u32, hi: u32) -> vec4<f32> {
  return bytes4((v >> (4u * hi)) & 0x0f0f0f0fu);
}

// Byte k (0..3) of v.
fn byte_of(v: u32, k: u32) -> u32 {
  return (v >> (8u * k)) & 0xffu;
}
