/**
 * Arithmetic mean of the numbers; 0 for an empty array.
 *
 * average([1, 2, 3, 4]) === 2.5
 */
export function average(values: number[]): number {
// @solution
  if (values.length === 0) return 0;
  return values.reduce((a, b) => a + b, 0) / values.length;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(average([1, 2, 3, 4]), 2.5);
assert.equal(average([]), 0);
assert.equal(average([7]), 7);
assert.equal(average([-2, 2]), 0);
