/**
 * Converts a camelCase or PascalCase identifier to kebab-case: a hyphen before each upper-case
 * letter that follows a lower-case letter or a digit, and everything in lower case.
 *
 * kebabCase('backgroundColor') === 'background-color'
 */
export function kebabCase(name: string): string {
// @solution
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
// @checks
import assert from 'node:assert/strict';
assert.equal(kebabCase('backgroundColor'), 'background-color');
assert.equal(kebabCase('MyComponent'), 'my-component');
assert.equal(kebabCase('already'), 'already');
assert.equal(kebabCase('fontSize2Xl'), 'font-size2-xl');
assert.equal(kebabCase(''), '');
