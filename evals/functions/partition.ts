/**
 * Splits `items` into those for which `test` returns true and those for which it returns false,
 * both in their original order.
 *
 * partition([1, 2, 3, 4], (n) => n % 2 === 0) → [[2, 4], [1, 3]]
 */
export function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
// @solution
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(partition([1, 2, 3, 4], (n) => n % 2 === 0), [[2, 4], [1, 3]]);
assert.deepEqual(partition([], () => true), [[], []]);
assert.deepEqual(partition(['a', 'bb', 'c'], (s) => s.length > 1), [['bb'], ['a', 'c']]);
