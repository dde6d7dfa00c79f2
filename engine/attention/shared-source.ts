// The sources of the shared-context kernels: their common interface (shaders/attention-shared-io.wgsl)
// before attention-shared.wgsl (CPU drivers) or the GPU profile's attention-shared-tiled.wgsl with its
// reduction: reduceScores() adds the partial dot products of the TPQ lanes that share a query vector.
// WGSL has no preprocessor and a shader may only name subgroup built-ins when the device enabled them,
// so the two reductions are appended here rather than chosen by a constant.
import ioSrc from '../../shaders/attention-shared-io.wgsl';
import tiledSrc from '../../shaders/attention-shared-tiled.wgsl';
import sharedSrc from '../../shaders/attention-shared.wgsl';

// Subgroups: a butterfly of TPQ/2, …, 1 lane swaps; every lane of the run ends with the same sum (the
// additions pair the same operands in every lane). Assumes a run of TPQ aligned lanes lies in one
// subgroup (TPQ ≤ the smallest subgroup; subgroups are aligned runs of a 1-D workgroup's lanes on every
// driver we know of; the lavapipe test checks the result).
const SUBGROUP_REDUCE = `
fn reduceScores(lid: u32, kb: u32) {
  for (var b = 0u; b < kb; b++) {
    var x = sc[b];
    for (var o = TPQ / 2u; o > 0u; o >>= 1u) { x += subgroupShuffleXor(x, o); }
    sc[b] = x;
  }
}
`;

// Workgroup memory: each lane writes its KB partials, then sums its run's TPQ of them in lane order. No
// second barrier: the kernel's end-of-tile barrier comes before the next tile's writes.
const WORKGROUP_REDUCE = `
var<workgroup> red: array<f32, KB * LANES>;  // [KB, LANES] partial dot products
fn reduceScores(lid: u32, kb: u32) {
  if (TPQ == 1u) { return; }
  for (var b = 0u; b < kb; b++) { red[b * LANES + lid] = sc[b]; }
  workgroupBarrier();
  let first = lid - lid % TPQ;
  for (var b = 0u; b < kb; b++) {
    var x = 0.0;
    for (var i = 0u; i < TPQ; i++) { x += red[b * LANES + first + i]; }
    sc[b] = x;
  }
}
`;

/** attention-shared-tiled.wgsl after its interface, with its reduction (subgroup shuffles, or workgroup memory). */
export function sharedTiledSource(subgroups: boolean): string {
  return ioSrc + tiledSrc + (subgroups ? SUBGROUP_REDUCE : WORKGROUP_REDUCE);
}

/** attention-shared.wgsl (CPU drivers) after its interface. */
export function sharedUniformSource(): string {
  return ioSrc + sharedSrc;
}
