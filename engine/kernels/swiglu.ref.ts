// Float64 reference for shaders/swiglu.wgsl: out[r, i] = silu(g)·u, g = gateUp[r, i], u = gateUp[r, I + i].
export function swigluRef(gateUp: ArrayLike<number>, rows: number, inter: number): Float64Array {
  const out = new Float64Array(rows * inter);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < inter; i++) {
      const g = gateUp[r * 2 * inter + i];
      out[r * inter + i] = (g / (1 + Math.exp(-g))) * gateUp[r * 2 * inter + inter + i];
    }
  }
  return out;
}
