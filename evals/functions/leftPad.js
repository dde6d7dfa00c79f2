/**
 * Pads `text` on the left with `fill` (default a space) until it is at least `width` characters
 * long. Text that is already long enough is returned unchanged.
 *
 * leftPad('7', 3, '0') === '007'
 *
 * @param {string} text
 * @param {number} width
 * @param {string} [fill]
 * @returns {string}
 */
function leftPad(text, width, fill = ' ') {
// @solution
  let out = text;
  while (out.length < width) out = fill + out;
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(leftPad('7', 3, '0'), '007');
assert.equal(leftPad('abc', 5), '  abc');
assert.equal(leftPad('abcdef', 3), 'abcdef');
assert.equal(leftPad('', 2, '*'), '**');
assert.equal(leftPad('42', 2, '0'), '42');
