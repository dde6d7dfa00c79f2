/**
 * Returns `s` with its first character in upper case and the rest unchanged.
 *
 * capitalize('hello world') === 'Hello world'
 */
export function capitalize(s: string): string {
// @solution
  return s.charAt(0).toUpperCase() + s.slice(1);
}
// @checks
import assert from 'node:assert/strict';
assert.equal(capitalize('hello world'), 'Hello world');
assert.equal(capitalize('a'), 'A');
assert.equal(capitalize(''), '');
assert.equal(capitalize('already Up'), 'Already Up');
assert.equal(capitalize('1st'), '1st');
