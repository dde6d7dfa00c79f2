/**
 * The FizzBuzz sequence from 1 to n: "Fizz" for multiples of 3, "Buzz" for multiples of 5,
 * "FizzBuzz" for multiples of both, otherwise the number as a string.
 *
 * fizzBuzz(5) → ['1', '2', 'Fizz', '4', 'Buzz']
 */
export function fizzBuzz(n: number): string[] {
// @solution
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    if (i % 15 === 0) out.push('FizzBuzz');
    else if (i % 3 === 0) out.push('Fizz');
    else if (i % 5 === 0) out.push('Buzz');
    else out.push(String(i));
  }
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(fizzBuzz(5), ['1', '2', 'Fizz', '4', 'Buzz']);
assert.deepEqual(fizzBuzz(0), []);
const f = fizzBuzz(15);
assert.equal(f.length, 15);
assert.equal(f[14], 'FizzBuzz');
assert.equal(f[8], 'Fizz');
assert.equal(f[9], 'Buzz');
assert.equal(f[10], '11');
