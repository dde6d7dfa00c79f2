import { describe, expect, it } from 'vitest';
import { isBlank, isRepetitive, lexUnits, longestRepeat, startsMidWord } from './quality.ts';

describe('isBlank', () => {
  it('is true for empty and whitespace-only text', () => {
    expect(['', ' ', '\n', '\t \n  '].map(isBlank)).toEqual([true, true, true, true]);
    expect(['x', ' ;', '\n}'].map(isBlank)).toEqual([false, false, false]);
  });
});

describe('longestRepeat / isRepetitive', () => {
  it('splits into words, punctuation and line breaks', () => {
    expect(lexUnits('x  = a.b(1)\n  $y')).toEqual(['x', '=', 'a', '.', 'b', '(', '1', ')', '\n', '$y']);
  });
  it('finds the repeated n-gram run of a looping sample', () => {
    const r = longestRepeat('x = x + y * x + x + x + x + x')!;
    expect(r.n).toBe(2);
    expect(r.copies).toBe(4);
    expect(['+ x', 'x +']).toContain(r.unit);
    expect(isRepetitive('x = x + y * x + x + x + x + x')).toBe(true);
    expect(isRepetitive('a.length - a.length - a.length - a.length')).toBe(true);
  });
  it('flags a line repeated three times, not twice', () => {
    expect(isRepetitive('foo(a);\nfoo(a);\nfoo(a);\n')).toBe(true);
    expect(isRepetitive('foo(a);\nfoo(a);\n')).toBe(false);
  });
  it('leaves ordinary code alone', () => {
    for (const t of ['return a + b;', 'for (let i = 0; i < n; i++) {', '[0, 0, 0]', '} } }', 'return fibonacci(n - 1) + fibonacci(n - 2);', "import { useState, useEffect } from 'react';"]) {
      expect(isRepetitive(t), t).toBe(false);
    }
    expect(longestRepeat('')).toBeUndefined();
    expect(longestRepeat('abc')).toBeUndefined();
  });
});

describe('startsMidWord', () => {
  const prefix = 'function clamp(x: number, lo: number, hi: number) {\n  if (x < lo) return lo;\n  ';
  const suffix = '\n  return x;\n}\n';
  it('flags fragments after indentation', () => {
    expect(startsMidWord(prefix, 'wity: 1', suffix)).toBe(true);
    expect(startsMidWord(prefix, 'enter(x)', suffix)).toBe(true);
    expect(startsMidWord(prefix, 'n(x) {', suffix)).toBe(true);
  });
  it('accepts keywords, the file\'s own words, punctuation and completions of a partial word', () => {
    expect(startsMidWord(prefix, 'if (x > hi) return hi;', suffix)).toBe(false);
    expect(startsMidWord(prefix, 'hi = Math.max(hi, lo);', suffix)).toBe(false);
    expect(startsMidWord(prefix, '// clamp', suffix)).toBe(false);
    expect(startsMidWord('  retu', 'rn x;', '')).toBe(false);
    expect(startsMidWord('  const items = []; ite', 'ms.push(1)', '')).toBe(false);
    expect(startsMidWord('  const items = []; ite', 'mz.push(1)', '')).toBe(true);
    expect(startsMidWord(prefix, '', suffix)).toBe(false);
  });
});
