/**
 * Limits `x` to the range [lo, hi]: values below `lo` become `lo`, values above `hi` become `hi`.
 *
 * clamp(12, 0, 10) === 10
 */
export function clamp(x: number, lo: number, hi: number): number {
// @solution
  return Math.min(hi, Math.max(lo, x));
}
// @checks
import assert from 'node:assert/strict';
assert.equal(clamp(5, 0, 10), 5);
assert.equal(clamp(-3, 0, 10), 0);
assert.equal(clamp(12, 0, 10), 10);
assert.equal(clamp(0, 0, 10), 0);
assert.equal(clamp(10, 0, 10), 10);
assert.equal(clamp(-1.5, -2, -1), -1.5);
