/**
 * The values that occur in both arrays, without duplicates, in the order of their first occurrence
 * in `a`.
 *
 * intersection([1, 2, 2, 3], [2, 3, 4]) → [2, 3]
 */
export function intersection<T>(a: T[], b: T[]): T[] {
// @solution
  const inB = new Set(b);
  const seen = new Set<T>();
  const out: T[] = [];
  for (const x of a) {
    if (inB.has(x) && !seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(intersection([1, 2, 2, 3], [2, 3, 4]), [2, 3]);
assert.deepEqual(intersection([1, 2], [3, 4]), []);
assert.deepEqual(intersection([], [1]), []);
assert.deepEqual(intersection(['c', 'a', 'b'], ['a', 'b', 'c']), ['c', 'a', 'b']);
