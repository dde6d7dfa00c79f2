/**
 * Adds up all the numbers in an array. The sum of an empty array is 0.
 *
 * @param {number[]} numbers
 * @returns {number}
 */
function sum(numbers) {
// @solution
  let total = 0;
  for (const n of numbers) total += n;
  return total;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(sum([1, 2, 3, 4]), 10);
assert.equal(sum([]), 0);
assert.equal(sum([-5, 5, 10]), 10);
assert.equal(sum([42]), 42);
