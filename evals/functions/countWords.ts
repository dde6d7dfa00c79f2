/**
 * Number of words in `text`, where words are runs of characters separated by whitespace.
 *
 * countWords('  the quick\tbrown fox ') === 4
 */
export function countWords(text: string): number {
// @solution
  return text.split(/\s+/).filter((w) => w !== '').length;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(countWords('  the quick\tbrown fox '), 4);
assert.equal(countWords(''), 0);
assert.equal(countWords('   '), 0);
assert.equal(countWords('one'), 1);
assert.equal(countWords('line one\nline two'), 4);
