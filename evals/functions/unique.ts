/**
 * The distinct values of `items`, each at the position of its first occurrence.
 *
 * unique([3, 1, 3, 2, 1]) → [3, 1, 2]
 */
export function unique<T>(items: T[]): T[] {
// @solution
  return [...new Set(items)];
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(unique([3, 1, 3, 2, 1]), [3, 1, 2]);
assert.deepEqual(unique([]), []);
assert.deepEqual(unique(['a', 'a', 'a']), ['a']);
assert.deepEqual(unique([1, '1', 1]), [1, '1']);
const input = [2, 2, 1];
unique(input);
assert.deepEqual(input, [2, 2, 1], 'the input must not change');
