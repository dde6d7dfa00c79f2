/**
 * Splits `items` into consecutive groups of `size` items; the last group holds the rest.
 *
 * chunk([1, 2, 3, 4, 5], 2) → [[1, 2], [3, 4], [5]]
 */
export function chunk<T>(items: T[], size: number): T[][] {
// @solution
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
assert.deepEqual(chunk([1, 2, 3], 3), [[1, 2, 3]]);
assert.deepEqual(chunk([], 4), []);
assert.deepEqual(chunk(['a', 'b', 'c'], 1), [['a'], ['b'], ['c']]);
assert.deepEqual(chunk([1, 2], 5), [[1, 2]]);
