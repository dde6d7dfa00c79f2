// Reference for shaders/fma-peak.wgsl in float64: invocation i's output lane j is the sum over chains
// k = 0..7 of x ← x·m + c applied `iters` times to x = (i mod 256) + 4k + j. With m, c and iters such
// that every value is exact in f32 (m = 1, c = 1; or m a power of two, c = 0), the kernel must match exactly.
export function fmaPeakRef(invocations: number, iters: number, m: number, c: number): Float64Array {
  const out = new Float64Array(invocations * 4);
  for (let i = 0; i < invocations; i++)
    for (let j = 0; j < 4; j++) {
      let sum = 0;
      for (let k = 0; k < 8; k++) {
        let x = (i % 256) + 4 * k + j;
        for (let t = 0; t < iters; t++) x = x * m + c;
        sum += x;
      }
      out[4 * i + j] = sum;
    }
  return out;
}
