import { describe, expect, it } from 'vitest';
import { countBlank, demotionKey, finishTier, groupCandidates, meanLogprob, normalizeForGrouping, rankSamples, rerank, type Candidate } from './rank.ts';
import type { FinishReason } from './engine.ts';

const c = (sample: number, text: string, tokens: number, sumLogprob: number, finishReason: FinishReason | null = 'line'): Candidate => ({
  sample,
  text,
  tokens,
  sumLogprob,
  finishReason,
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

  it('leaves blank completions out in every mode (they are counted instead)', () => {
    const withBlank = [c(0, '  \n', 1, -0.01), c(1, '\n', 1, -0.01), c(2, '', 0, 0, 'eos'), c(3, 'y', 1, -5)];
    for (const mode of ['mean', 'sum', 'agreement', 'parses'] as const) {
      expect(rerank(withBlank, mode).map((g) => g.key)).toEqual(['y']);
    }
    expect(countBlank(withBlank)).toBe(3);
  });

  it('in every mode: ended cleanly, then cut at max tokens, then unfinished; repetition demotes within each', () => {
    const loop = 'x = x + y * x + x + x + x + x'; // "+ x" four times in a row
    const mixed = [
      c(0, loop, 14, -0.7, 'length'), // the best mean, but cut and looping
      c(1, 'return lo;', 3, -3, 'line'),
      c(2, 'return Math.max(lo, Math.min(x, hi', 12, -1.2, 'length'),
      c(3, loop + ';', 15, -0.5, 'line'), // ended, but loops
      c(4, 'return x', 2, -0.1, null), // still decoding
      c(5, 'if (x > hi) return hi;', 9, -4.5, 'eos'),
    ];
    for (const mode of ['mean', 'sum', 'agreement', 'parses'] as const) {
      const r = rerank(mixed, mode);
      expect(r.map((g) => g.samples[0]), mode).toEqual(mode === 'sum' ? [1, 5, 3, 2, 0, 4] : [5, 1, 3, 2, 0, 4]);
      expect(r.map((g) => g.demotion), mode).toEqual([null, null, 'repeats', 'length', 'length-repeats', 'unfinished']);
    }
    expect(rankSamples(mixed).map((s) => s.index)).toEqual([5, 1, 3, 2, 0, 4]);
  });

  it('a group is represented by its best-tier member', () => {
    const g = groupCandidates([c(0, 'return a;', 3, -0.1, 'length'), c(1, 'return  a;', 3, -2, 'line')]);
    expect(g).toHaveLength(1);
    expect(g[0]).toMatchObject({ samples: [1, 0], finishReason: 'line', demotion: null, meanLogprob: -2 / 3 });
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

describe('finishTier and demotionKey', () => {
  it('stop rules and end-of-text are tier 0, max tokens 1, cancelled or decoding 2', () => {
    expect((['eos', 'stop', 'line', 'block'] as const).map(finishTier)).toEqual([0, 0, 0, 0]);
    expect(finishTier('length')).toBe(1);
    expect(finishTier('cancelled')).toBe(2);
    expect(finishTier(null)).toBe(2);
  });
  it('adds one for a repetitive text', () => {
    expect(demotionKey({ text: 'return a + b;', finishReason: 'line' })).toBe(0);
    expect(demotionKey({ text: 'a.length - a.length - a.length - a.length', finishReason: 'length' })).toBe(3);
  });
});

describe('rankSamples (CLI, eval)', () => {
  const s = (text: string, tokens: number, sumLogprob: number, finishReason: FinishReason = 'line') => ({ text, tokens, sumLogprob, finishReason });
  it('orders by mean log-probability, not by sum; ties by sum, then input order', () => {
    const r = rankSamples([s('short', 1, -2), s('long', 10, -5), s('mid', 4, -4)]);
    expect(r.map((x) => x.text)).toEqual(['long', 'mid', 'short']);
    expect(r.map((x) => [x.rank, x.index, x.meanLogprob])).toEqual([[1, 1, -0.5], [2, 2, -1], [3, 0, -2]]);
    expect(rankSamples([s('a', 2, -2), s('b', 4, -4), s('c', 4, -4), s('d', 1, -1)]).map((x) => x.text)).toEqual(['d', 'a', 'b', 'c']);
  });
  it('leaves blank samples out, keeps extra fields, does not modify its input', () => {
    const input = [{ ...s('', 0, 0, 'eos'), id: 7 }, { ...s(' \n', 1, -0.01), id: 8 }, { ...s('x', 2, -0.2), id: 3 }];
    const copy = structuredClone(input);
    const r = rankSamples(input);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ id: 3, index: 2, rank: 1, meanLogprob: -0.1, demotion: null });
    expect(input).toEqual(copy);
    expect(rankSamples([])).toEqual([]);
  });
});
