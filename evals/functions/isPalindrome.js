/**
 * Tells whether a string reads the same forwards and backwards, ignoring case and every character
 * that is not a letter or a digit.
 *
 * isPalindrome('A man, a plan, a canal: Panama') === true
 *
 * @param {string} text
 * @returns {boolean}
 */
function isPalindrome(text) {
// @solution
  const s = text.toLowerCase().replace(/[^a-z0-9]/g, '');
  return s === s.split('').reverse().join('');
}
// @checks
import assert from 'node:assert/strict';
assert.equal(isPalindrome('A man, a plan, a canal: Panama'), true);
assert.equal(isPalindrome('racecar'), true);
assert.equal(isPalindrome('hello'), false);
assert.equal(isPalindrome(''), true);
assert.equal(isPalindrome('No lemon, no melon'), true);
assert.equal(isPalindrome('ab'), false);
