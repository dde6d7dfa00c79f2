import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { addsSyntaxErrors, countSyntaxErrors, syntaxCheckExtension } from './syntax-check.ts';
import { rerank, type Candidate } from './rerank.ts';

describe('syntaxCheckExtension', () => {
  it('accepts TypeScript and JavaScript files only', () => {
    expect(syntaxCheckExtension('a/b/main.TS')).toBe('ts');
    expect(syntaxCheckExtension('view.tsx')).toBe('tsx');
    expect(syntaxCheckExtension('x.mjs')).toBe('mjs');
    expect(syntaxCheckExtension('main.py')).toBeUndefined();
    expect(syntaxCheckExtension('Makefile')).toBeUndefined();
  });
});

describe('countSyntaxErrors', () => {
  it('counts parse errors, not type errors', () => {
    expect(countSyntaxErrors(ts, 'ts', 'const a: number = "not a number";')).toBe(0);
    expect(countSyntaxErrors(ts, 'ts', 'const a = (1 + ;')).toBeGreaterThan(0);
  });

  it('parses JSX only in tsx/jsx files', () => {
    const jsx = 'const v = <div className="a">{x}</div>;';
    expect(countSyntaxErrors(ts, 'tsx', jsx)).toBe(0);
    expect(countSyntaxErrors(ts, 'ts', jsx)).toBeGreaterThan(0);
  });
});

describe('addsSyntaxErrors on real snippets', () => {
  const prefix = 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ';
  const suffix = '\n}\n';

  it('flags completions that break the file and passes those that do not', () => {
    const r = addsSyntaxErrors(ts, {
      ext: 'ts',
      prefix,
      suffix,
      texts: [
        'return fibonacci(n - 1) + fibonacci(n - 2);',
        'return fibonacci(n - 1) + fibonacci(n - 2));', // extra paren
        'return fibonacci(n - 1) +', // dangling operator before }
        '}', // closes the function early: the suffix's } becomes an error
        'for (let i = 0; i < n; i++) {',
      ],
    });
    expect([...r]).toEqual([
      ['return fibonacci(n - 1) + fibonacci(n - 2);', false],
      ['return fibonacci(n - 1) + fibonacci(n - 2));', true],
      ['return fibonacci(n - 1) +', true],
      ['}', true],
      ['for (let i = 0; i < n; i++) {', true],
    ]);
  });

  it('does not blame candidates for errors already in the file', () => {
    const broken = 'const x = (1 + ;\nfunction f() {\n  ';
    const r = addsSyntaxErrors(ts, { ext: 'js', prefix: broken, suffix: '\n}', texts: ['return 1;', 'return (;'] });
    expect(r.get('return 1;')).toBe(false);
    expect(r.get('return (;')).toBe(true);
  });

  it('drives parses-first ranking: the likelier but broken completion drops below one that parses', () => {
    const cands: Candidate[] = [
      { sample: 0, text: 'return fibonacci(n - 1) + fibonacci(n - 2));', tokens: 10, sumLogprob: -1, finishReason: 'line' },
      { sample: 1, text: 'return fibonacci(n - 1) + fibonacci(n - 2);', tokens: 10, sumLogprob: -3, finishReason: 'line' },
    ];
    const checked = addsSyntaxErrors(ts, { ext: 'ts', prefix, suffix, texts: cands.map((x) => x.text) });
    expect(rerank(cands, 'mean')[0]!.text).toBe(cands[0]!.text);
    const ranked = rerank(cands, 'parses', { addsSyntaxErrors: checked });
    expect(ranked.map((g) => g.text)).toEqual([cands[1]!.text, cands[0]!.text]);
    expect(ranked.map((g) => g.addsSyntaxErrors)).toEqual([false, true]);
  });
});
