/**
 * Groups items by the key that `keyOf` returns for each. Within a group, items keep their order.
 *
 * groupBy(['one', 'two', 'three'], (s) => String(s.length)) → { '3': ['one', 'two'], '5': ['three'] }
 */
export function groupBy<T>(items: T[], keyOf: (item: T) => string): Record<string, T[]> {
// @solution
  const groups: Record<string, T[]> = {};
  for (const item of items) {
    const key = keyOf(item);
    (groups[key] ??= []).push(item);
  }
  return groups;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(groupBy(['one', 'two', 'three'], (s) => String(s.length)), { '3': ['one', 'two'], '5': ['three'] });
assert.deepEqual(groupBy([], (x: number) => String(x)), {});
assert.deepEqual(
  groupBy([1, 2, 3, 4, 5], (n) => (n % 2 ? 'odd' : 'even')),
  { odd: [1, 3, 5], even: [2, 4] },
);
