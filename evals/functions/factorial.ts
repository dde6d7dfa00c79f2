/**
 * n! = 1 · 2 · … · n for a non-negative integer n; factorial(0) is 1.
 *
 * factorial(5) === 120
 */
export function factorial(n: number): number {
// @solution
  let out = 1;
  for (let i = 2; i <= n; i++) out *= i;
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(factorial(0), 1);
assert.equal(factorial(1), 1);
assert.equal(factorial(5), 120);
assert.equal(factorial(10), 3628800);
