/**
 * Reverses the order of the words in a sentence. Words are separated by single spaces in the input
 * and in the output.
 *
 * reverseWords('the sky is blue') === 'blue is sky the'
 *
 * @param {string} sentence
 * @returns {string}
 */
function reverseWords(sentence) {
// @solution
  return sentence.split(' ').reverse().join(' ');
}
// @checks
import assert from 'node:assert/strict';
assert.equal(reverseWords('the sky is blue'), 'blue is sky the');
assert.equal(reverseWords('hello'), 'hello');
assert.equal(reverseWords(''), '');
assert.equal(reverseWords('a b'), 'b a');
