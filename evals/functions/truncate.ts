/**
 * Shortens `text` to at most `max` characters: text that is too long is cut and ends with "…" (one
 * character), so the result is exactly `max` characters long. Shorter text is returned unchanged.
 *
 * truncate('Hello, world', 8) === 'Hello, …'
 */
export function truncate(text: string, max: number): string {
// @solution
  if (text.length <= max) return text;
  return text.slice(0, max - 1) + '…';
}
// @checks
import assert from 'node:assert/strict';
assert.equal(truncate('Hello, world', 8), 'Hello, …');
assert.equal(truncate('short', 10), 'short');
assert.equal(truncate('exact', 5), 'exact');
assert.equal(truncate('abcdef', 1), '…');
assert.equal(truncate('abcdef', 4).length, 4);
