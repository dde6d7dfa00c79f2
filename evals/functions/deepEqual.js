/**
 * Structural equality for JSON-like values: numbers, strings, booleans, null, arrays and plain
 * objects. Arrays are equal when they have the same length and equal elements in order; objects when
 * they have the same keys with equal values.
 *
 * deepEqual({ a: [1, 2] }, { a: [1, 2] }) === true
 *
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
function deepEqual(a, b) {
// @solution
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}
// @checks
import assert from 'node:assert/strict';
assert.equal(deepEqual({ a: [1, 2] }, { a: [1, 2] }), true);
assert.equal(deepEqual(1, 1), true);
assert.equal(deepEqual('x', 'y'), false);
assert.equal(deepEqual([1, 2], [2, 1]), false);
assert.equal(deepEqual({ a: 1 }, { a: 1, b: 2 }), false);
assert.equal(deepEqual({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
assert.equal(deepEqual(null, {}), false);
assert.equal(deepEqual([], {}), false);
assert.equal(deepEqual({ x: { y: [null, true] } }, { x: { y: [null, true] } }), true);
assert.equal(deepEqual({ x: { y: [null, true] } }, { x: { y: [null, false] } }), false);
