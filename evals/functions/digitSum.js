/**
 * Sum of the decimal digits of an integer; the sign is ignored.
 *
 * digitSum(1234) === 10
 *
 * @param {number} n
 * @returns {number}
 */
function digitSum(n) {
// @solution
  let total = 0;
  for (const d of String(Math.abs(n))) total += Number(d);
  return total;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(digitSum(1234), 10);
assert.equal(digitSum(0), 0);
assert.equal(digitSum(-99), 18);
assert.equal(digitSum(1000001), 2);
