import { describe, expect, it } from 'vitest';
import { indentColumn, StopChecker, type StopOptions, type StopReason } from './stop.ts';

interface Run {
  /** concatenation of every emit plus finish() (if not stopped) */
  shown: string;
  text: string;
  stop?: StopReason;
  emits: string[];
}

/** Pushes the deltas in order, as the engine would, and collects what was shown. */
function run(opts: StopOptions, deltas: string[]): Run {
  const c = new StopChecker(opts);
  const emits: string[] = [];
  let stop: StopReason | undefined;
  for (const d of deltas) {
    const r = c.push(d);
    emits.push(r.emit);
    if (r.stop) {
      stop = r.stop;
      break;
    }
  }
  if (!stop) emits.push(c.finish());
  return { shown: emits.join(''), text: c.text, stop, emits };
}

/** Every way of splitting `s` into single characters, plus the whole string: a rule must not depend on token boundaries. */
function splits(s: string): string[][] {
  return [[s], [...s], s.length > 2 ? [s.slice(0, 2), s.slice(2)] : [s]];
}

describe('indentColumn', () => {
  it('counts spaces as 1 and tabs to the next multiple of 4', () => {
    expect(indentColumn('    x')).toBe(4);
    expect(indentColumn('\tx')).toBe(4);
    expect(indentColumn('  \tx')).toBe(4);
    expect(indentColumn('\t  x')).toBe(6);
    expect(indentColumn('x')).toBe(0);
    expect(indentColumn('ab\n  cd', 3)).toBe(2);
  });
});

describe('StopChecker: stop strings', () => {
  it('cuts before the stop string, wherever the token boundaries fall', () => {
    for (const deltas of splits('foo(a)\n# end\nmore')) {
      const r = run({ mode: 'none', stopStrings: ['# end'], prefix: '' }, deltas);
      expect(r.stop).toBe('stop');
      expect(r.text).toBe('foo(a)\n');
      expect(r.shown).toBe('foo(a)\n');
    }
  });

  it('holds back a possible stop-string start and releases it once it is ruled out', () => {
    const c = new StopChecker({ mode: 'none', stopStrings: ['</s>'], prefix: '' });
    expect(c.push('a <')).toEqual({ emit: 'a ' });
    expect(c.push('/')).toEqual({ emit: '' });
    expect(c.push('x')).toEqual({ emit: '</x' });
    expect(c.push('</')).toEqual({ emit: '' });
    expect(c.finish()).toBe('</');
    expect(c.text).toBe('a </x</');
  });

  it('picks the earliest of several stop strings, and ignores pushes after a stop', () => {
    const c = new StopChecker({ mode: 'none', stopStrings: ['END', 'xy'], prefix: '' });
    expect(c.push('1 x')).toEqual({ emit: '1 ' });
    expect(c.push('yEND')).toEqual({ emit: '', stop: 'stop' });
    expect(c.text).toBe('1 ');
    expect(c.push('more')).toEqual({ emit: '', stop: 'stop' });
    expect(c.text).toBe('1 ');
  });

  it('stops at a stop string at the very start with empty text', () => {
    expect(run({ mode: 'line', stopStrings: ['"""'], prefix: 'x = ' }, ['""', '"rest'])).toMatchObject({ text: '', stop: 'stop' });
  });

  it('rejects empty stop strings and unknown modes with a message saying what to do', () => {
    expect(() => new StopChecker({ mode: 'none', stopStrings: [''], prefix: '' })).toThrow(/non-empty/);
    expect(() => new StopChecker({ mode: 'word' as never, prefix: '' })).toThrow(/use one of line, block, none/);
  });
});

describe('StopChecker: line mode', () => {
  it('ends before the first newline after content', () => {
    for (const deltas of splits('a + b;\n  return c;\n')) {
      expect(run({ mode: 'line', prefix: 'x = ' }, deltas)).toMatchObject({ text: 'a + b;', shown: 'a + b;', stop: 'line' });
    }
  });

  it('keeps leading line breaks and indentation, then gives the next line', () => {
    for (const deltas of splits('\n\n    return 1;\n}')) {
      expect(run({ mode: 'line', prefix: 'if (x) {' }, deltas)).toMatchObject({ text: '\n\n    return 1;', stop: 'line' });
    }
  });

  it('cuts a \\r\\n ending whole, even when \\r and \\n arrive in different tokens', () => {
    const r = run({ mode: 'line', prefix: '' }, ['foo()', '\r', '\n', 'bar']);
    expect(r).toMatchObject({ text: 'foo()', shown: 'foo()', stop: 'line' });
    expect(r.emits).toEqual(['foo()', '', '']); // the \r was held, never shown
  });

  it('keeps a lone \\r that is not followed by \\n', () => {
    expect(run({ mode: 'line', prefix: '' }, ['a\r', 'b'])).toMatchObject({ shown: 'a\rb', stop: undefined });
  });

  it('runs to the end when no newline follows content', () => {
    expect(run({ mode: 'line', prefix: '' }, ['\n', '  ', 'x'])).toMatchObject({ shown: '\n  x', stop: undefined });
  });

  it('cuts at a stop string that comes before the line end', () => {
    expect(run({ mode: 'line', stopStrings: [';'], prefix: '' }, ['a;', 'b\n'])).toMatchObject({ text: 'a', stop: 'stop' });
  });
});

describe('StopChecker: block mode', () => {
  const fnPrefix = 'function add(a, b) {\n  ';

  it('cuts the closing brace that dedents below the cursor line (the completion ends at the body)', () => {
    for (const deltas of splits('return a + b;\n}\n\nfunction sub(a, b) {')) {
      expect(run({ mode: 'block', prefix: fnPrefix }, deltas)).toMatchObject({ text: 'return a + b;', shown: 'return a + b;', stop: 'block' });
    }
  });

  it('keeps lines at or above the base indentation, including blank lines inside the block', () => {
    const body = 'const s = a + b;\n\n  if (s) {\n    log(s);\n  }\n  return s;';
    for (const deltas of splits(body + '\n}\n')) {
      expect(run({ mode: 'block', prefix: fnPrefix }, deltas)).toMatchObject({ text: body, stop: 'block' });
    }
  });

  it('drops blank lines before a dedent, holding them back until the dedent decides', () => {
    const c = new StopChecker({ mode: 'block', prefix: fnPrefix });
    expect(c.push('x();')).toEqual({ emit: 'x();' });
    expect(c.push('\n')).toEqual({ emit: '' });
    expect(c.push('\n  ')).toEqual({ emit: '' });
    expect(c.push('\n}')).toEqual({ emit: '', stop: 'block' });
    expect(c.text).toBe('x();');
  });

  it('releases held blank lines when the next line stays in the block', () => {
    const c = new StopChecker({ mode: 'block', prefix: fnPrefix });
    c.push('x();');
    expect(c.push('\n\n')).toEqual({ emit: '' });
    expect(c.push('  y();')).toEqual({ emit: '\n\n  y();' });
  });

  it('does not check the rest of the cursor line', () => {
    // base 4 from "    ", the first line's own text is never a dedent
    expect(run({ mode: 'block', prefix: 'class A:\n    def f(self):\n    ' }, ['x = 1\n    y = 2\nz'])).toMatchObject({
      text: 'x = 1\n    y = 2',
      stop: 'block',
    });
  });

  it('measures the base from the cursor line even when the cursor is mid-line', () => {
    const r = run({ mode: 'block', prefix: '  const x = ' }, ['foo(\n    a,\n  );\n  return x;\n}']);
    expect(r).toMatchObject({ text: 'foo(\n    a,\n  );\n  return x;', stop: 'block' });
  });

  it('keeps a closing brace at the base indentation when the cursor is at the end of the opener line', () => {
    const r = run({ mode: 'block', prefix: 'function f() {' }, ['\n  return 1;\n}\n']);
    expect(r).toMatchObject({ shown: '\n  return 1;\n}\n', stop: undefined });
  });

  it('cuts right away when the completion breaks the cursor line and dedents', () => {
    expect(run({ mode: 'block', prefix: '    x = f(' }, ['\n', 'y']).text).toBe('');
  });

  it('compares tab and space indentation by column', () => {
    const prefix = 'def f():\n\t';
    // "    " is column 4 like "\t": same block; "  " is column 2: dedent
    expect(run({ mode: 'block', prefix }, ['a = 1\n    b = 2\n  c\n'])).toMatchObject({ text: 'a = 1\n    b = 2', stop: 'block' });
    expect(run({ mode: 'block', prefix: 'def f():\n    ' }, ['a\n\tb\nc'])).toMatchObject({ text: 'a\n\tb', stop: 'block' });
  });

  it('handles \\r\\n line endings: cut before the \\r\\n, blank \\r\\n lines dropped', () => {
    for (const deltas of splits('return 1;\r\n\r\n}\r\n')) {
      expect(run({ mode: 'block', prefix: 'int f() {\r\n  ' }, deltas)).toMatchObject({ text: 'return 1;', shown: 'return 1;', stop: 'block' });
    }
  });

  it('flushes held blank lines at end of text', () => {
    const c = new StopChecker({ mode: 'block', prefix: fnPrefix });
    expect(c.push('x();\n\n')).toEqual({ emit: 'x();' });
    expect(c.finish()).toBe('\n\n');
  });

  it('lets an earlier stop string win over a later dedent', () => {
    expect(run({ mode: 'block', stopStrings: ['//'], prefix: fnPrefix }, ['a(); // c\n}'])).toMatchObject({ text: 'a(); ', stop: 'stop' });
  });
});

describe('StopChecker: none', () => {
  it('passes everything through and flushes nothing extra', () => {
    const c = new StopChecker({ mode: 'none', prefix: '  ' });
    expect(c.push('a\n')).toEqual({ emit: 'a\n' });
    expect(c.push('}\r')).toEqual({ emit: '}\r' });
    expect(c.finish()).toBe('');
  });
});
