/**
 * Tells whether an integer is a prime number. Numbers below 2 are not prime.
 *
 * @param {number} n
 * @returns {boolean}
 */
function isPrime(n) {
// @solution
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(isPrime(2), true);
assert.equal(isPrime(3), true);
assert.equal(isPrime(4), false);
assert.equal(isPrime(1), false);
assert.equal(isPrime(0), false);
assert.equal(isPrime(-7), false);
assert.equal(isPrime(97), true);
assert.equal(isPrime(91), false);
assert.equal(isPrime(7919), true);
