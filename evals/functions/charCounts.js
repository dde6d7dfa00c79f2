/**
 * Counts how often each character occurs in a string.
 *
 * charCounts('hello') → { h: 1, e: 1, l: 2, o: 1 }
 *
 * @param {string} text
 * @returns {Record<string, number>}
 */
function charCounts(text) {
// @solution
  const counts = {};
  for (const ch of text) counts[ch] = (counts[ch] || 0) + 1;
  return counts;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(charCounts('hello'), { h: 1, e: 1, l: 2, o: 1 });
assert.deepEqual(charCounts(''), {});
assert.deepEqual(charCounts('aaa'), { a: 3 });
assert.deepEqual(charCounts('a b'), { a: 1, ' ': 1, b: 1 });
