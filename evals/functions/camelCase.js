/**
 * Converts words separated by spaces, hyphens or underscores to camelCase: the first word in lower
 * case, every later word with an upper-case first letter and the rest lower case.
 *
 * camelCase('hello world') === 'helloWorld'
 * camelCase('Background-COLOR') === 'backgroundColor'
 *
 * @param {string} text
 * @returns {string}
 */
function camelCase(text) {
// @solution
  const words = text.split(/[\s_-]+/).filter(Boolean);
  return words
    .map((w, i) => {
      const lower = w.toLowerCase();
      return i === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
}
// @checks
import assert from 'node:assert/strict';
assert.equal(camelCase('hello world'), 'helloWorld');
assert.equal(camelCase('Background-COLOR'), 'backgroundColor');
assert.equal(camelCase('snake_case_name'), 'snakeCaseName');
assert.equal(camelCase('  spaced   out  '), 'spacedOut');
assert.equal(camelCase('single'), 'single');
assert.equal(camelCase(''), '');
