/**
 * The item for which `score(item)` is largest; the first such item on ties. Returns undefined for an
 * empty array.
 *
 * maxBy(['a', 'abc', 'ab'], (s) => s.length) === 'abc'
 *
 * @template T
 * @param {T[]} items
 * @param {(item: T) => number} score
 * @returns {T | undefined}
 */
function maxBy(items, score) {
// @solution
  let best;
  let bestScore = -Infinity;
  for (const item of items) {
    const s = score(item);
    if (best === undefined || s > bestScore) {
      best = item;
      bestScore = s;
    }
  }
  return best;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(maxBy(['a', 'abc', 'ab'], (s) => s.length), 'abc');
assert.equal(maxBy([], (x) => x), undefined);
assert.deepEqual(maxBy([{ n: 1 }, { n: 7 }, { n: 3 }], (o) => o.n), { n: 7 });
assert.equal(maxBy(['xx', 'yy', 'z'], (s) => s.length), 'xx');
assert.equal(maxBy([-5, -2, -9], (x) => x), -2);
