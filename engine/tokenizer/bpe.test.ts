// The BPE merge loop: hand-checked rank order, and the heap path (long words) against the scan path.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../tests/fixtures/tokenizer/random-text.ts';
import { BpeModel } from './bpe.ts';

function model(merges: [string, string][], opts: { ignoreMerges?: boolean } = {}) {
  const vocab = new Map<string, number>();
  const add = (t: string) => vocab.has(t) || vocab.set(t, vocab.size);
  for (const c of 'abcd') add(c);
  for (const [a, b] of merges) add(a + b);
  const bpe = new BpeModel({ vocab, merges, ...opts });
  const names = [...vocab.keys()];
  return {
    bpe,
    vocab,
    encode: (word: string) => {
      const out: number[] = [];
      bpe.encodeWord(word, out);
      return out.map((id) => names[id]);
    },
  };
}

describe('BpeModel', () => {
  it('merges the lowest-ranked pair first, leftmost on ties', () => {
    const { encode } = model([['b', 'c'], ['a', 'b'], ['a', 'a'], ['aa', 'aa']]);
    expect(encode('abc')).toEqual(['a', 'bc']); // (b c) outranks (a b)
    expect(encode('aaa')).toEqual(['aa', 'a']);
    expect(encode('aaaa')).toEqual(['aaaa']);
    expect(encode('aaaaa')).toEqual(['aaaa', 'a']);
    expect(encode('d')).toEqual(['d']);
  });

  it('ignore_merges returns a whole-word vocab entry even when merges would not build it', () => {
    // "abc" is in the vocab (via a+bc), but the merge order builds ab first and ab+c is no merge.
    const merges: [string, string][] = [['a', 'b'], ['b', 'c'], ['a', 'bc']];
    expect(model(merges).encode('abc')).toEqual(['ab', 'c']);
    expect(model(merges, { ignoreMerges: true }).encode('abc')).toEqual(['abc']);
    expect(model(merges, { ignoreMerges: true }).encode('abca')).toEqual(['ab', 'c', 'a']);
  });

  it('gives the same result on the heap path as on the scan path', () => {
    const rand = seededRandom(99);
    // A random merge table over a 4-letter alphabet, like a trained one: each merge joins existing tokens.
    const tokens = ['a', 'b', 'c', 'd'];
    const merges: [string, string][] = [];
    const seen = new Set<string>();
    while (merges.length < 150) {
      const a = tokens[Math.floor(rand() * tokens.length)];
      const b = tokens[Math.floor(rand() * tokens.length)];
      if (seen.has(a + ' ' + b) || (a + b).length > 12) continue;
      seen.add(a + ' ' + b);
      merges.push([a, b]);
      if (!tokens.includes(a + b)) tokens.push(a + b);
    }
    const { bpe, vocab } = model(merges);
    for (let k = 0; k < 300; k++) {
      const len = 1 + Math.floor(rand() * 300);
      let word = '';
      for (let i = 0; i < len; i++) word += 'abcd'[Math.floor(rand() * (k % 2 ? 4 : 2))];
      const ids = [...word].map((c) => vocab.get(c)!);
      expect(bpe.mergeWithHeap(ids.slice())).toEqual(bpe.mergeByScan(ids.slice()));
    }
  });
});
