/**
 * Pairs up the elements of two arrays by position; the result is as long as the shorter array.
 *
 * zip([1, 2, 3], ['a', 'b']) → [[1, 'a'], [2, 'b']]
 */
export function zip<A, B>(as: A[], bs: B[]): [A, B][] {
// @solution
  const n = Math.min(as.length, bs.length);
  const out: [A, B][] = [];
  for (let i = 0; i < n; i++) out.push([as[i], bs[i]]);
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(zip([1, 2, 3], ['a', 'b']), [[1, 'a'], [2, 'b']]);
assert.deepEqual(zip([], [1]), []);
assert.deepEqual(zip([true], [false]), [[true, false]]);
assert.deepEqual(zip(['x', 'y'], [1, 2, 3, 4]), [['x', 1], ['y', 2]]);
