/**
 * The median of a non-empty list of numbers: the middle value after sorting, or the mean of the two
 * middle values when the count is even. The input is not changed.
 *
 * median([3, 1, 2]) === 2
 * median([4, 1, 3, 2]) === 2.5
 */
export function median(values: number[]): number {
// @solution
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(median([3, 1, 2]), 2);
assert.equal(median([4, 1, 3, 2]), 2.5);
assert.equal(median([5]), 5);
assert.equal(median([10, 2, 38, 23, 38, 23, 21]), 23);
const input = [3, 1, 2];
median(input);
assert.deepEqual(input, [3, 1, 2], 'the input must not change');
