/**
 * Flattens nested arrays to any depth into one array, keeping the order of the elements.
 *
 * flatten([1, [2, [3, [4]], 5]]) → [1, 2, 3, 4, 5]
 *
 * @param {any[]} list
 * @returns {any[]}
 */
function flatten(list) {
// @solution
  const out = [];
  for (const item of list) {
    if (Array.isArray(item)) out.push(...flatten(item));
    else out.push(item);
  }
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(flatten([1, [2, [3, [4]], 5]]), [1, 2, 3, 4, 5]);
assert.deepEqual(flatten([]), []);
assert.deepEqual(flatten([[], [[]]]), []);
assert.deepEqual(flatten(['a', ['b'], 'c']), ['a', 'b', 'c']);
assert.deepEqual(flatten([1, 2, 3]), [1, 2, 3]);
