/**
 * Swaps the keys and values of an object whose values are strings. When several keys have the same
 * value, the last one wins.
 *
 * invert({ a: 'x', b: 'y' }) → { x: 'a', y: 'b' }
 *
 * @param {Record<string, string>} obj
 * @returns {Record<string, string>}
 */
function invert(obj) {
// @solution
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[v] = k;
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(invert({ a: 'x', b: 'y' }), { x: 'a', y: 'b' });
assert.deepEqual(invert({}), {});
assert.deepEqual(invert({ a: 'same', b: 'same' }), { same: 'b' });
