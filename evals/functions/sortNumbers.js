/**
 * The numbers sorted in ascending numeric order, as a new array (the input is not changed).
 *
 * sortNumbers([10, 9, 1, 100]) → [1, 9, 10, 100]
 *
 * @param {number[]} numbers
 * @returns {number[]}
 */
function sortNumbers(numbers) {
// @solution
  return [...numbers].sort((a, b) => a - b);
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(sortNumbers([10, 9, 1, 100]), [1, 9, 10, 100]);
assert.deepEqual(sortNumbers([]), []);
assert.deepEqual(sortNumbers([-1, -10, 5]), [-10, -1, 5]);
const input = [3, 2, 1];
sortNumbers(input);
assert.deepEqual(input, [3, 2, 1], 'the input must not change');
