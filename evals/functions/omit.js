/**
 * A shallow copy of `obj` without the listed keys. The input object is not changed.
 *
 * omit({ a: 1, b: 2, c: 3 }, ['b']) → { a: 1, c: 3 }
 *
 * @param {Record<string, unknown>} obj
 * @param {string[]} keys
 * @returns {Record<string, unknown>}
 */
function omit(obj, keys) {
// @solution
  const out = { ...obj };
  for (const k of keys) delete out[k];
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(omit({ a: 1, b: 2, c: 3 }, ['b']), { a: 1, c: 3 });
assert.deepEqual(omit({ a: 1 }, ['missing']), { a: 1 });
assert.deepEqual(omit({ a: 1, b: 2 }, ['a', 'b']), {});
const input = { keep: 1, drop: 2 };
omit(input, ['drop']);
assert.deepEqual(input, { keep: 1, drop: 2 }, 'the input must not change');
