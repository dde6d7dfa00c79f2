/**
 * Numbers from `start` up to, but not including, `end`, counting by `step` (default 1).
 * Returns an empty array when `start >= end`.
 *
 * range(0, 5) → [0, 1, 2, 3, 4]
 * range(1, 10, 3) → [1, 4, 7]
 */
export function range(start: number, end: number, step = 1): number[] {
// @solution
  const out: number[] = [];
  for (let x = start; x < end; x += step) out.push(x);
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(range(0, 5), [0, 1, 2, 3, 4]);
assert.deepEqual(range(1, 10, 3), [1, 4, 7]);
assert.deepEqual(range(3, 3), []);
assert.deepEqual(range(5, 2), []);
assert.deepEqual(range(-2, 2), [-2, -1, 0, 1]);
