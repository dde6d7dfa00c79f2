/**
 * Parses a URL query string such as "?a=1&b=hello%20world" into an object of decoded strings.
 * A leading "?" is optional; a key without "=" gets the value ""; "+" stands for a space; when a key
 * repeats, the last value wins.
 *
 * parseQuery('?a=1&b=hello%20world') → { a: '1', b: 'hello world' }
 */
export function parseQuery(query: string): Record<string, string> {
// @solution
  const out: Record<string, string> = {};
  const q = query.startsWith('?') ? query.slice(1) : query;
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    out[decode(key)] = decode(value);
  }
  return out;
}
// @checks
import assert from 'node:assert/strict';
assert.deepEqual(parseQuery('?a=1&b=hello%20world'), { a: '1', b: 'hello world' });
assert.deepEqual(parseQuery('x=2'), { x: '2' });
assert.deepEqual(parseQuery(''), {});
assert.deepEqual(parseQuery('?'), {});
assert.deepEqual(parseQuery('flag&k=v'), { flag: '', k: 'v' });
assert.deepEqual(parseQuery('q=a+b&q=c'), { q: 'c' });
assert.deepEqual(parseQuery('name=J%C3%BCrgen+M'), { name: 'Jürgen M' });
