/**
 * A new array without the falsy values (false, null, undefined, 0, NaN and '').
 *
 * compact([0, 1, false, 2, '', 3]) → [1, 2, 3]
 *
 * @param {unknown[]} values
 * @returns {unknown[]}
 */
function compact(values) {
// @solution
  return values.filter(Boolean);
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(compact([0, 1, false, 2, '', 3]), [1, 2, 3]);
assert.deepEqual(compact([]), []);
assert.deepEqual(compact([null, undefined, NaN]), []);
assert.deepEqual(compact(['a', ' ', [], {}]), ['a', ' ', [], {}]);
