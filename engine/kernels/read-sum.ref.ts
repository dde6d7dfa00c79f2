// Reference for shaders/read-sum.wgsl: workgroup w's wrapping u32 sum of the vec4 words i whose reading
// invocation (i mod groups·WG) is in workgroup w.
export function readSumRef(words: Uint32Array, groups: number, wg: number): Uint32Array {
  const out = new Uint32Array(groups);
  const stride = groups * wg;
  for (let i = 0; i < words.length / 4; i++) {
    const w = Math.floor((i % stride) / wg);
    out[w] = (out[w] + words[4 * i] + words[4 * i + 1] + words[4 * i + 2] + words[4 * i + 3]) >>> 0;
  }
  return out;
}
