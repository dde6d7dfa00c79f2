// FIM matching, per-position scores and the summary, and the candidate-quality flags, on hand-made samples.
import { describe, expect, it } from 'vitest';
import { candidateFlags, candidateQuality } from '../../engine/eval/candidate-quality.ts';
import { exactMiddleMatch, normalizedMiddleMatch } from '../../engine/eval/fim.ts';
import { scoreFim, summarizeFim, type ScoredPosition } from '../../engine/eval/fim-score.ts';
import type { Sample } from '../../protocol/rank.ts';

/** A sample with mean log-probability `mean` over `tokens` tokens. */
const s = (text: string, mean = -1, finishReason: Sample['finishReason'] = 'line', tokens = 4): Sample => ({ text, tokens, sumLogprob: mean * tokens, finishReason });

describe('middle matching', () => {
  it('exact: trailing whitespace of each line and trailing line breaks are forgiven, nothing else', () => {
    expect(exactMiddleMatch('return x;  ', 'return x;')).toBe(true);
    expect(exactMiddleMatch('a();  \n  b();\n', 'a();\n  b();')).toBe(true);
    expect(exactMiddleMatch('a();\r\n  b();', 'a();\n  b();')).toBe(true);
    expect(exactMiddleMatch('foo(a)', ' foo(a)')).toBe(false); // the space after `=` is part of the middle
    expect(exactMiddleMatch('a();\nb();', 'a();\n  b();')).toBe(false);
    expect(exactMiddleMatch('\nreturn x;', 'return x;')).toBe(false);
    expect(exactMiddleMatch('', 'x')).toBe(false);
  });

  it('normalised: all whitespace runs count as one space, ends trimmed', () => {
    expect(normalizedMiddleMatch('foo(a,  b)', ' foo(a, b)')).toBe(true);
    expect(normalizedMiddleMatch('a();\n\tb();\n', 'a();\n  b();')).toBe(true);
    expect(normalizedMiddleMatch('a();b();', 'a(); b();')).toBe(false);
  });
});

describe('candidateFlags / candidateQuality', () => {
  it('flags blank or missing candidates as empty and nothing else', () => {
    expect(candidateFlags('x = ', null)).toEqual({ empty: true, midWord: false, repeats: false });
    expect(candidateFlags('x = ', ' \n\t')).toEqual({ empty: true, midWord: false, repeats: false });
    expect(candidateFlags('x = ', 'x + y;', '\nuse(y);')).toEqual({ empty: false, midWord: false, repeats: false });
  });

  it('mid-word and repetition come from protocol/quality.ts with the prefix and suffix', () => {
    const prefix = 'const total = 1;\nconst t';
    expect(candidateFlags(prefix, 'otal2 = total;').midWord).toBe(true); // "total2" is no word of the file
    expect(candidateFlags(prefix, 'otal2', ' = total;').midWord).toBe(true);
    expect(candidateFlags(prefix, 'wo', '2 = total;\nconst two2 = 2;').midWord).toBe(false); // "two2" is in the suffix
    expect(candidateFlags('  ', 'a(); a(); a(); a();').repeats).toBe(true);
    expect(candidateFlags('  ', 'a(); b();').repeats).toBe(false);
  });

  it('averages over positions, 0 for none', () => {
    const q = candidateQuality([
      { empty: true, midWord: false, repeats: false },
      { empty: false, midWord: true, repeats: true },
      { empty: false, midWord: true, repeats: false },
      { empty: false, midWord: false, repeats: false },
    ]);
    expect(q).toEqual({ positions: 4, empty: 0.25, midWord: 0.5, repeats: 0.25 });
    expect(candidateQuality([])).toEqual({ positions: 0, empty: 0, midWord: 0, repeats: 0 });
  });
});

describe('scoreFim', () => {
  const pos = { prefix: 'function f(x) {\n  ', suffix: '\n}\n', expected: 'return x;' };

  it('greedy and top candidate matched separately; the top is the app ranking (cut-off samples demoted, blanks left out)', () => {
    const samples = [
      s('return  x;', -2), // normalised match only
      s('return x;', -0.1, 'length'), // best mean, but cut at max tokens: ranks below the ones that ended
      s('  ', -0.01), // blank: no candidate
      s('return x;', -1.5, 'eos'), // exact, best of those that ended
    ];
    const r = scoreFim(pos, s('retur x;'), samples);
    expect(r).toMatchObject({ greedyExact: false, greedyNormalized: false, topSample: 3, topExact: true, topNormalized: true, blankSamples: 1, n: 4 });
    expect(r.greedyFlags).toEqual({ empty: false, midWord: true, repeats: false }); // "retur" is no word of the file
    expect(r.topFlags).toEqual({ empty: false, midWord: false, repeats: false });

    const norm = scoreFim(pos, s(' return x;'), [samples[0]!, samples[2]!]);
    expect(norm).toMatchObject({ greedyExact: false, greedyNormalized: true, topSample: 0, topExact: false, topNormalized: true, blankSamples: 1, n: 2 });
  });

  it('no top candidate when every sample is blank; a blank greedy sample is empty', () => {
    const r = scoreFim(pos, s(''), [s(''), s('\n  ')]);
    expect(r).toMatchObject({ greedyExact: false, topSample: -1, topExact: false, topNormalized: false, blankSamples: 2, n: 2 });
    expect(r.topFlags.empty).toBe(true);
    expect(r.greedyFlags.empty).toBe(true);
  });

  it('flags a top candidate that starts mid-word or repeats itself', () => {
    const mid = scoreFim({ prefix: 'let count = 0;\nco', suffix: '\n', expected: 'unt++;' }, s('unt++;'), [s('untr = 1;')]);
    expect(mid.topFlags.midWord).toBe(true);
    expect(mid.greedyFlags.midWord).toBe(false);
    const rep = scoreFim(pos, s('return x;'), [s('x(); x(); x(); x();')]);
    expect(rep.topFlags.repeats).toBe(true);
  });
});

describe('summarizeFim', () => {
  const scored = (kind: ScoredPosition['kind'], file: string, exact: boolean, blank: number, fim = true): ScoredPosition => ({
    kind,
    file,
    fim,
    greedyExact: exact,
    greedyNormalized: true,
    topSample: blank === 4 ? -1 : 0,
    topExact: false,
    topNormalized: exact,
    greedyFlags: { empty: false, midWord: true, repeats: false },
    topFlags: { empty: blank === 4, midWord: false, repeats: blank === 0 },
    blankSamples: blank,
    n: 4,
  });

  it('rates overall and per kind, prompts in FIM layout, quality shares', () => {
    const sum = summarizeFim([scored('line', 'a.js', true, 0), scored('line', 'a.js', false, 4), scored('block', 'b.js', true, 1, false)]);
    expect(sum).toMatchObject({ positions: 3, files: 2, n: 4, fimPrompts: 2, greedyNormalized: 1, topExact: 0 });
    expect(sum.greedyExact).toBeCloseTo(2 / 3, 12);
    expect(sum.byKind.line).toEqual({ positions: 2, greedyExact: 0.5, greedyNormalized: 1, topExact: 0, topNormalized: 0.5 });
    expect(sum.byKind.expression).toEqual({ positions: 0, greedyExact: 0, greedyNormalized: 0, topExact: 0, topNormalized: 0 });
    expect(sum.byKind.block).toMatchObject({ positions: 1, greedyExact: 1 });
    expect(sum.quality.samples).toBe(12);
    expect(sum.quality.blankSamples).toBeCloseTo(5 / 12, 12);
    expect(sum.quality.top).toMatchObject({ positions: 3, midWord: 0 });
    expect(sum.quality.top.empty).toBeCloseTo(1 / 3, 12);
    expect(sum.quality.top.repeats).toBeCloseTo(1 / 3, 12);
    expect(sum.quality.greedy).toMatchObject({ empty: 0, midWord: 1, repeats: 0 });
  });

  it('is all zeros with no positions, and rejects mixed n', () => {
    expect(summarizeFim([])).toMatchObject({ positions: 0, n: 0, greedyExact: 0, quality: { blankSamples: 0, samples: 0 } });
    expect(() => summarizeFim([scored('line', 'a.js', true, 0), { ...scored('line', 'a.js', true, 0), n: 3 }])).toThrow(/same number/);
  });
});
