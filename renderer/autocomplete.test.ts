import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  autoSamplesFor,
  autoStopFor,
  continuations,
  cycle,
  Debouncer,
  isCpuAdapter,
  nextLine,
  nextWord,
  SuggestionCache,
  suggestionsAt,
} from './autocomplete.ts';

describe('samples per automatic request', () => {
  it('8 on CPU adapters, 32 on GPUs, 8 while the adapter is unknown', () => {
    for (const cpu of ['llvmpipe (LLVM 19.1.7, 256 bits)', 'lavapipe', 'SwiftShader Device (Subzero)', 'Google SwiftShader', 'Microsoft Basic Render Driver', 'cpu']) {
      expect(isCpuAdapter(cpu), cpu).toBe(true);
      expect(autoSamplesFor(cpu), cpu).toBe(8);
    }
    for (const gpu of ['NVIDIA GeForce RTX 4090', 'Apple M2 Pro', 'AMD Radeon RX 7900 XTX (RADV NAVI31)', 'Intel(R) Arc(tm) A770 Graphics (DG2)', 'NVIDIA H200']) {
      expect(isCpuAdapter(gpu), gpu).toBe(false);
      expect(autoSamplesFor(gpu), gpu).toBe(32);
    }
    expect(autoSamplesFor(null)).toBe(8);
    expect(autoSamplesFor('')).toBe(8);
  });
});

describe('stop rule of an automatic request', () => {
  it('one line, unless the text before the cursor opens a block', () => {
    expect(autoStopFor('const x = ')).toBe('line');
    expect(autoStopFor('  retu')).toBe('line');
    expect(autoStopFor('function f() {')).toBe('block');
    expect(autoStopFor('function f() {\n  ')).toBe('block');
    expect(autoStopFor('foo(')).toBe('block');
    expect(autoStopFor('const xs = [')).toBe('block');
    expect(autoStopFor('def f():\n    ')).toBe('block');
    expect(autoStopFor('const g = () =>')).toBe('block');
    expect(autoStopFor('const g = () => ')).toBe('block');
    expect(autoStopFor('if (a) {\n  b();\n  ')).toBe('line');
    expect(autoStopFor('a = b >= c')).toBe('line');
  });
});

describe('suggestions that still fit the cursor', () => {
  const src = { prefix: 'x = ', suffix: '\n}', texts: ['foo(1);', 'foo(2);', 'bar;', '  ', ''] };

  it('at the source prompt: every showable text, in order', () => {
    expect(continuations(src, 'x = ', '\n}')).toEqual(['foo(1);', 'foo(2);', 'bar;']);
  });

  it('typing through keeps the texts that start with what was typed, shortened', () => {
    expect(continuations(src, 'x = fo', '\n}')).toEqual(['o(1);', 'o(2);']);
    expect(continuations(src, 'x = foo(2', '\n}')).toEqual([');']);
    expect(continuations(src, 'x = baz', '\n}')).toEqual([]);
  });

  it('nothing once the whole text is typed, or when the suffix or an earlier character changed', () => {
    expect(continuations(src, 'x = bar;', '\n}')).toEqual([]);
    expect(continuations(src, 'x = ', ')\n}')).toEqual([]);
    expect(continuations(src, 'y = ', '\n}')).toEqual([]);
    expect(continuations(src, 'x =', '\n}')).toEqual([]);
  });

  it('drops remainders that are blank or repeated', () => {
    const s = { prefix: '', suffix: '', texts: ['a  ', 'a\n', 'ab', 'ab'] };
    expect(continuations(s, 'a', '')).toEqual(['b']);
  });

  it('suggestionsAt takes the first source with something left', () => {
    const other = { prefix: 'x = f', suffix: '\n}', texts: ['ull;'] };
    expect(suggestionsAt([other, src], 'x = f', '\n}')).toEqual(['ull;']);
    expect(suggestionsAt([other, src], 'x = fo', '\n}')).toEqual(['o(1);', 'o(2);']);
    expect(suggestionsAt([], 'x', '')).toEqual([]);
  });
});

describe('SuggestionCache', () => {
  it('gives suggestions back when the cursor returns to a prefix, the closest prompt first', () => {
    const c = new SuggestionCache();
    c.put({ prefix: 'ret', suffix: '', texts: ['urn a;'] });
    c.put({ prefix: 'retu', suffix: '', texts: ['rn b;'] });
    expect(c.lookup('retu', '')).toEqual(['rn b;']);
    expect(c.lookup('retur', '')).toEqual(['n b;']);
    expect(c.lookup('ret', '')).toEqual(['urn a;']);
    expect(c.lookup('re', '')).toEqual([]);
    expect(c.lookup('retu', 'x')).toEqual([]);
  });

  it('falls back to an older prompt when the closest has nothing left', () => {
    const c = new SuggestionCache();
    c.put({ prefix: 'ret', suffix: '', texts: ['urn a;'] });
    c.put({ prefix: 'retu', suffix: '', texts: ['rn b;'] });
    expect(c.lookup('return a', '')).toEqual([';']);
  });

  it('keeps only showable entries and evicts the least recently used', () => {
    const c = new SuggestionCache(2);
    c.put({ prefix: 'blank', suffix: '', texts: ['', ' \n'] });
    expect(c.size).toBe(0);
    c.put({ prefix: 'a', suffix: '', texts: ['1'] });
    c.put({ prefix: 'b', suffix: '', texts: ['2'] });
    expect(c.lookup('a', '')).toEqual(['1']); // a is now the most recent
    c.put({ prefix: 'c', suffix: '', texts: ['3'] });
    expect(c.size).toBe(2);
    expect(c.lookup('b', '')).toEqual([]);
    expect(c.lookup('a', '')).toEqual(['1']);
    expect(c.lookup('c', '')).toEqual(['3']);
  });

  it('tells prompts apart by where the cursor was', () => {
    const c = new SuggestionCache();
    c.put({ prefix: 'ab', suffix: 'c', texts: ['X'] });
    expect(c.lookup('a', 'bc')).toEqual([]);
  });
});

describe('cycling and partial accepts', () => {
  it('cycle wraps both ways', () => {
    expect(cycle(0, 1, 3)).toBe(1);
    expect(cycle(2, 1, 3)).toBe(0);
    expect(cycle(0, -1, 3)).toBe(2);
    expect(cycle(5, 0, 3)).toBe(2);
    expect(cycle(4, 1, 0)).toBe(0);
  });

  it('nextWord takes leading spaces and one word, punctuation run or line break', () => {
    expect(nextWord('rn n;')).toBe('rn');
    expect(nextWord(' n;')).toBe(' n');
    expect(nextWord(';')).toBe(';');
    expect(nextWord('();\n}')).toBe('();');
    expect(nextWord('\n  return x;')).toBe('\n  ');
    expect(nextWord('   ')).toBe('   ');
    expect(nextWord('$el.x')).toBe('$el');
    // Word by word, the pieces add up to the whole text.
    let rest = 'return fib(n - 1) + fib(n - 2);\n}';
    const pieces: string[] = [];
    while (rest) {
      const w = nextWord(rest);
      expect(w.length).toBeGreaterThan(0);
      pieces.push(w);
      rest = rest.slice(w.length);
    }
    expect(pieces.join('')).toBe('return fib(n - 1) + fib(n - 2);\n}');
    expect(pieces.slice(0, 3)).toEqual(['return', ' fib', '(']);
  });

  it('nextLine takes the rest of the line, then one line per press', () => {
    expect(nextLine('a;\n  b;\n}')).toBe('a;');
    expect(nextLine('\n  b;\n}')).toBe('\n  b;');
    expect(nextLine('\n}')).toBe('\n}');
    expect(nextLine('a\r\nb')).toBe('a');
    expect(nextLine('\r\nb\r\nc')).toBe('\r\nb');
    expect(nextLine('one')).toBe('one');
  });
});

describe('Debouncer', () => {
  afterEach(() => vi.useRealTimers());

  it('runs the latest function once the delay passed without a new schedule', () => {
    vi.useFakeTimers();
    const d = new Debouncer();
    const calls: string[] = [];
    d.schedule(300, () => calls.push('a'));
    vi.advanceTimersByTime(200);
    d.schedule(300, () => calls.push('b'));
    vi.advanceTimersByTime(299);
    expect(calls).toEqual([]);
    expect(d.pending).toBe(true);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['b']);
    expect(d.pending).toBe(false);
  });

  it('cancel drops the scheduled function', () => {
    vi.useFakeTimers();
    const d = new Debouncer();
    let ran = false;
    d.schedule(100, () => (ran = true));
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(ran).toBe(false);
    expect(d.pending).toBe(false);
  });
});
