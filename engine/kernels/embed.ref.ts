// Float64 reference for shaders/embed.wgsl: out[r, :] = table[tokens[r], :]; table: [vocab, hidden].
export function embedRef(table: ArrayLike<number>, tokens: ArrayLike<number>, rows: number, hidden: number): Float64Array {
  const out = new Float64Array(rows * hidden);
  for (let r = 0; r < rows; r++) for (let i = 0; i < hidden; i++) out[r * hidden + i] = table[tokens[r] * hidden + i];
  return out;
}
