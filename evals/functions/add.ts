/**
 * Returns the sum of two numbers.
 *
 * add(2, 3) === 5
 */
export function add(a: number, b: number): number {
// @solution
  return a + b;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(add(2, 3), 5);
assert.equal(add(-4, 4), 0);
assert.equal(add(0.5, 0.25), 0.75);
assert.equal(add(-7, -8), -15);
