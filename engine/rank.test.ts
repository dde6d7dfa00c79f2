import { describe, expect, it } from 'vitest';
import { rankCandidates, type Candidate } from './rank.ts';

const c = (text: string, tokens: number, sumLogprob: number): Candidate => ({ text, tokens, sumLogprob, finishReason: 'line' });

describe('rankCandidates', () => {
  it('orders by mean log-probability, not by sum', () => {
    const r = rankCandidates([c('short', 1, -2), c('long', 10, -5), c('mid', 4, -4)]);
    expect(r.map((x) => x.text)).toEqual(['long', 'mid', 'short']);
    expect(r.map((x) => x.rank)).toEqual([1, 2, 3]);
    expect(r.map((x) => x.meanLogprob)).toEqual([-0.5, -1, -2]);
    expect(r.map((x) => x.index)).toEqual([1, 2, 0]);
  });

  it('breaks mean ties by higher sum, then by input order', () => {
    const r = rankCandidates([c('a', 2, -2), c('b', 4, -4), c('c', 4, -4), c('d', 1, -1)]);
    expect(r.map((x) => x.text)).toEqual(['d', 'a', 'b', 'c']); // all means are -1
  });

  it('treats a zero-token completion as one token and keeps extra fields', () => {
    const r = rankCandidates([{ ...c('', 0, 0), sample: 7 }, { ...c('x', 2, -0.2), sample: 3 }]);
    expect(r[1]).toMatchObject({ text: '', meanLogprob: 0, rank: 2, sample: 7, finishReason: 'line' });
    expect(r[0]).toMatchObject({ sample: 3, meanLogprob: -0.1, rank: 1 });
  });

  it('does not modify its input and handles an empty list', () => {
    const input = [c('a', 1, -3), c('b', 1, -1)];
    const copy = structuredClone(input);
    rankCandidates(input);
    expect(input).toEqual(copy);
    expect(rankCandidates([])).toEqual([]);
  });
});

describe("blank completions", () => {
  it("rank last whatever their score", () => {
    const r = rankCandidates([
      { text: '', tokens: 0, sumLogprob: 0, finishReason: 'eos' as const },
      { text: '  \n', tokens: 1, sumLogprob: -0.01, finishReason: 'line' as const },
      { text: 'return a + b;', tokens: 5, sumLogprob: -4, finishReason: 'line' as const },
    ]);
    expect(r.map((c) => c.text)).toEqual(['return a + b;', '', '  \n']);
  });
});
