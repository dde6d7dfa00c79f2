/**
 * Greatest common divisor of two integers (always non-negative); gcd(0, 0) is 0.
 *
 * gcd(12, 18) === 6
 */
export function gcd(a: number, b: number): number {
// @solution
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(gcd(12, 18), 6);
assert.equal(gcd(17, 5), 1);
assert.equal(gcd(0, 9), 9);
assert.equal(gcd(0, 0), 0);
assert.equal(gcd(-12, 8), 4);
assert.equal(gcd(100, 75), 25);
