// Float64 reference for shaders/matmul.wgsl.

/**
 * y[r, o] = (yInit ? yInit[r, o] : 0) + Σ_i x[r, i]·w[o, i] + (bias ? bias[o] : 0)
 * x: [rows, inDim], w: [outDim, inDim] (pass the f16-rounded weights when the GPU stores f16),
 * bias: [outDim], yInit: [rows, outDim]. Returns [rows, outDim].
 */
export function matmulRef(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  rows: number,
  outDim: number,
  inDim: number,
  bias?: ArrayLike<number>,
  yInit?: ArrayLike<number>,
): Float64Array {
  const y = new Float64Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let s = 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[o * inDim + i];
      if (bias) s += bias[o];
      if (yInit) s += yInit[r * outDim + o];
      y[r * outDim + o] = s;
    }
  }
  return y;
}
