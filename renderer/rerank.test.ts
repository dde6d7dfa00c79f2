import { describe, expect, it } from 'vitest';
import { groupCandidates, meanLogprob, normalizeForGrouping, rerank, type Candidate } from './rerank.ts';

const c = (sample: number, text: string, tokens: number, sumLogprob: number): Candidate => ({
  sample,
  text,
  tokens,
  sumLogprob,
  finishReason: 'line',
});

describe('normalizeForGrouping', () => {
  it('collapses whitespace runs and trims', () => {
    expect(normalizeForGrouping('  return a +\n\t b;  ')).toBe('return a + b;');
    expect(normalizeForGrouping('a  b')).toBe(normalizeForGrouping('a\tb'));
    expect(normalizeForGrouping('ab')).not.toBe(normalizeForGrouping('a b'));
  });
});

describe('groupCandidates', () => {
  it('groups whitespace-equal texts, represented by the best mean member, members best first', () => {
    const groups = groupCandidates([
      c(0, 'return a + b;', 4, -4), // mean -1
      c(1, 'return a - b;', 4, -2),
      c(2, 'return a +  b; ', 5, -2.5), // mean -0.5: the better member of group 0
      c(3, 'return a + b;', 4, -8),
    ]);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({ text: 'return a +  b; ', samples: [2, 0, 3], count: 3, tokens: 5, sumLogprob: -2.5, meanLogprob: -0.5 });
    expect(groups[1]).toMatchObject({ text: 'return a - b;', samples: [1], count: 1 });
  });

  it('gives zero-token samples a mean of -Infinity', () => {
    expect(meanLogprob({ tokens: 0, sumLogprob: 0 })).toBe(Number.NEGATIVE_INFINITY);
    expect(meanLogprob({ tokens: 4, sumLogprob: -2 })).toBe(-0.5);
  });
});

describe('rerank', () => {
  // Short-but-unlikely vs long-but-likely: mean and sum disagree on purpose.
  const cands = [
    c(0, 'x', 1, -1.5), // mean -1.5, sum -1.5
    c(1, 'return fibonacci(n - 1) + fibonacci(n - 2);', 12, -3.6), // mean -0.3, sum -3.6
    c(2, 'return n;', 3, -2.1), // mean -0.7, sum -2.1
    c(3, 'return n;', 3, -2.4),
    c(4, 'return  n;', 3, -3.0),
  ];

  it('mean: by mean log-probability per token', () => {
    const r = rerank(cands, 'mean');
    expect(r.map((g) => g.text)).toEqual(['return fibonacci(n - 1) + fibonacci(n - 2);', 'return n;', 'x']);
    expect(r.map((g) => g.rank)).toEqual([1, 2, 3]);
    expect(r[0]!.score).toBeCloseTo(-0.3);
  });

  it('sum: by total log-probability', () => {
    const r = rerank(cands, 'sum');
    expect(r.map((g) => g.text)).toEqual(['x', 'return n;', 'return fibonacci(n - 1) + fibonacci(n - 2);']);
    expect(r[0]!.score).toBe(-1.5);
  });

  it('agreement: by group size, the group of three first', () => {
    const r = rerank(cands, 'agreement');
    expect(r[0]).toMatchObject({ text: 'return n;', count: 3, score: 3 });
    // The two singletons tie on agreement and are ordered by mean log-probability.
    expect(r.slice(1).map((g) => g.text)).toEqual(['return fibonacci(n - 1) + fibonacci(n - 2);', 'x']);
  });

  it('breaks exact ties by the lowest sample index', () => {
    const tied = [c(5, 'b', 2, -1), c(2, 'a', 2, -1), c(9, 'c', 2, -1)];
    for (const mode of ['mean', 'sum', 'agreement', 'parses'] as const) {
      expect(rerank(tied, mode).map((g) => g.text)).toEqual(['a', 'b', 'c']);
    }
  });

  it('ranks blank completions last in every mode', () => {
    const withBlank = [c(0, '  \n', 1, -0.01), c(1, '\n', 1, -0.01), c(2, 'y', 1, -5)];
    for (const mode of ['mean', 'sum', 'agreement', 'parses'] as const) {
      const r = rerank(withBlank, mode);
      expect(r.map((g) => g.key)).toEqual(['y', '']);
    }
  });

  it('parses: non-breaking candidates first, then unknown, then those adding errors; mean within class', () => {
    const checked = new Map<string, boolean>([
      ['return fibonacci(n - 1) + fibonacci(n - 2);', true],
      ['x', false],
      // 'return n;' unknown
    ]);
    const r = rerank(cands, 'parses', { addsSyntaxErrors: checked });
    expect(r.map((g) => [g.text, g.addsSyntaxErrors])).toEqual([
      ['x', false],
      ['return n;', undefined],
      ['return fibonacci(n - 1) + fibonacci(n - 2);', true],
    ]);
    // Within a class the order is by mean log-probability.
    const allParse = new Map([...checked.keys(), 'return n;'].map((t) => [t, false] as const));
    expect(rerank(cands, 'parses', { addsSyntaxErrors: allParse }).map((g) => g.text)).toEqual(rerank(cands, 'mean').map((g) => g.text));
  });

  it('parses without results behaves like mean', () => {
    expect(rerank(cands, 'parses').map((g) => g.text)).toEqual(rerank(cands, 'mean').map((g) => g.text));
  });

  it('returns nothing for no candidates', () => {
    expect(rerank([], 'mean')).toEqual([]);
  });
});
