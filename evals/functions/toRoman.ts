/**
 * Writes an integer from 1 to 3999 in Roman numerals, using the subtractive forms
 * (IV, IX, XL, XC, CD, CM).
 *
 * toRoman(1994) === 'MCMXCIV'
 */
export function toRoman(n: number): string {
// @solution
  const table: [number, string][] = [
    [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
    [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
  ];
  let out = '';
  for (const [value, numeral] of table) {
    while (n >= value) {
      out += numeral;
      n -= value;
    }
  }
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.equal(toRoman(1), 'I');
assert.equal(toRoman(4), 'IV');
assert.equal(toRoman(9), 'IX');
assert.equal(toRoman(14), 'XIV');
assert.equal(toRoman(40), 'XL');
assert.equal(toRoman(1994), 'MCMXCIV');
assert.equal(toRoman(2024), 'MMXXIV');
assert.equal(toRoman(3999), 'MMMCMXCIX');
