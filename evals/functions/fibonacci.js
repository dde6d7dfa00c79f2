/**
 * The n-th Fibonacci number, with fibonacci(0) = 0 and fibonacci(1) = 1. Must be fast for n up to 70.
 *
 * @param {number} n a non-negative integer
 * @returns {number}
 */
function fibonacci(n) {
// @solution
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(fibonacci(0), 0);
assert.equal(fibonacci(1), 1);
assert.equal(fibonacci(2), 1);
assert.equal(fibonacci(10), 55);
assert.equal(fibonacci(20), 6765);
assert.equal(fibonacci(70), 190392490709135);
