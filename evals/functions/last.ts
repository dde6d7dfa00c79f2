/**
 * The last `count` elements of `items` (default 1), in order. Asking for more than there are gives
 * the whole array; a count of 0 gives [].
 *
 * last([1, 2, 3, 4], 2) → [3, 4]
 */
export function last<T>(items: T[], count = 1): T[] {
// @solution
  if (count <= 0) return [];
  return items.slice(Math.max(0, items.length - count));
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(last([1, 2, 3, 4], 2), [3, 4]);
assert.deepEqual(last([1, 2, 3]), [3]);
assert.deepEqual(last([1, 2], 5), [1, 2]);
assert.deepEqual(last([1, 2], 0), []);
assert.deepEqual(last([], 3), []);
