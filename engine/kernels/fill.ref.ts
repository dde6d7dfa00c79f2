// Float64 reference for shaders/fill.wgsl: element i of a fill (before rounding to the stored type).

const pcg = (v: number) => {
  const s = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
};

/** value(i) = scale·(2·u − 1), u = (pcg(i ^ pcg(seed)) >> 8) / 2^24, for i = 0 .. count-1. */
export function fillRandomRef(count: number, seed: number, scale: number): Float64Array {
  const out = new Float64Array(count);
  const s = pcg(seed >>> 0);
  for (let i = 0; i < count; i++) {
    const h = pcg((i ^ s) >>> 0);
    out[i] = scale * ((h >>> 8) * (2 / 16777216) - 1);
  }
  return out;
}
