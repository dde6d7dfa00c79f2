/**
 * Index of `target` in `sorted` (ascending), or -1 when it is not there. Must take O(log n) steps.
 *
 * binarySearch([1, 3, 5, 7], 5) === 2
 */
export function binarySearch(sorted: number[], target: number): number {
// @solution
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === target) return mid;
    if (sorted[mid] < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(binarySearch([1, 3, 5, 7], 5), 2);
assert.equal(binarySearch([1, 3, 5, 7], 1), 0);
assert.equal(binarySearch([1, 3, 5, 7], 7), 3);
assert.equal(binarySearch([1, 3, 5, 7], 4), -1);
assert.equal(binarySearch([], 1), -1);
const big = Array.from({ length: 100001 }, (_, i) => i * 2);
assert.equal(binarySearch(big, 123456), 61728);
assert.equal(binarySearch(big, 123457), -1);
