/**
 * Capitalises the first letter of every space-separated word and lower-cases the rest of it.
 *
 * titleCase('the QUICK brown fox') === 'The Quick Brown Fox'
 *
 * @param {string} text
 * @returns {string}
 */
function titleCase(text) {
// @solution
  return text
    .split(' ')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join(' ');
}
// @checks
import assert from 'node:assert/strict';
assert.equal(titleCase('the QUICK brown fox'), 'The Quick Brown Fox');
assert.equal(titleCase('a'), 'A');
assert.equal(titleCase(''), '');
assert.equal(titleCase('hello  world'), 'Hello  World');
