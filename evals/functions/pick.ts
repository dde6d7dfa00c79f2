/**
 * A new object with only the listed keys of `obj` (keys that `obj` does not have are left out).
 *
 * pick({ a: 1, b: 2, c: 3 }, ['a', 'c']) → { a: 1, c: 3 }
 */
export function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Pick<T, K> {
// @solution
  const out = {} as Pick<T, K>;
  for (const k of keys) if (k in obj) out[k] = obj[k];
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(pick({ a: 1, b: 2, c: 3 }, ['a', 'c']), { a: 1, c: 3 });
assert.deepEqual(pick({ a: 1 }, []), {});
const src: { x: number; y?: number } = { x: 1 };
assert.deepEqual(pick(src, ['x', 'y']), { x: 1 });
const o = { k: 'v', z: 0 };
assert.notEqual(pick(o, ['k', 'z']), o, 'must return a new object');
