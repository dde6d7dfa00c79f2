// Float64 reference attention: plain softmax(q·kᵀ·scale)·v per query head, heads of a KV group sharing it.
// q: [H·D] one query row; k, v: [n, G·D] the keys/values it attends to (already KT-rounded by the caller
// where the GPU stores f16). Returns [H·D].
export function attentionRef(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, n: number, H: number, G: number, D: number): Float64Array {
  const out = new Float64Array(H * D);
  const p = H / G;
  const scale = 1 / Math.sqrt(D);
  const s = new Float64Array(n);
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / p);
    let mx = -Infinity;
    for (let t = 0; t < n; t++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q[h * D + d] * k[(t * G + g) * D + d];
      s[t] = dot * scale;
      mx = Math.max(mx, s[t]);
    }
    let sum = 0;
    for (let t = 0; t < n; t++) sum += (s[t] = Math.exp(s[t] - mx));
    for (let t = 0; t < n; t++) {
      const w = s[t] / sum;
      for (let d = 0; d < D; d++) out[h * D + d] += w * v[(t * G + g) * D + d];
    }
  }
  return out;
}
