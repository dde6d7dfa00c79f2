// FIM positions (pure, on small strings and on the bundled held-out files) and the FIM section of
// `fanout eval` end to end through the real bin on a small random-weight model with FIM tokens.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHeldout, type HeldoutFile } from '../../engine/eval/heldout.ts';
import {
  exactMiddleMatch,
  expressionColumns,
  fimCandidates,
  MAX_BLOCK_LINES,
  normalizedMiddleMatch,
  pickFimPositions,
  splitQuota,
  type FimPosition,
} from '../../engine/eval/fim.ts';
import { rankSamples } from '../../protocol/rank.ts';
import { indentColumn } from '../../engine/stop.ts';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout, ROOT } from '../cli/helpers.ts';

/** `line` with `|` marking the expected columns → [line without marks, columns]. */
function marked(line: string): [string, number[]] {
  const cols: number[] = [];
  let out = '';
  for (const c of line) {
    if (c === '|') cols.push(out.length);
    else out += c;
  }
  return [out, cols];
}

describe('expressionColumns', () => {
  it('after operators, `(`, `,`, `.`, with more expression after them; not in strings, comments or inside an operator', () => {
    for (const m of [
      'const s =| a +| b;',
      'if (|a ===| b) f(|x,| y);',
      'x =| "a, (b = c." +| y; // c = d(e)',
      "s =| 'it\\'s ( not' +| t;",
      'obj.|run(|1.5,| ...rest);',
      'a?.|b =>| c',
      'f(|x); g();',
      'return;',
    ]) {
      const [line, cols] = marked(m);
      expect(expressionColumns(line), m).toEqual(cols);
    }
  });
});

/** Checks that a position is what its kind says (see engine/eval/fim.ts). */
function checkPosition(p: FimPosition, text: string): void {
  const at = `${p.kind} ${p.file}:${p.line}:${p.column}`;
  expect(p.prefix + p.expected + p.suffix, at).toBe(text);
  const lineStart = p.prefix.lastIndexOf('\n') + 1;
  const cursorLine = p.prefix.slice(lineStart);
  expect(p.prefix.split('\n').length, at).toBe(p.line);
  expect(cursorLine.length, at).toBe(p.column);
  expect(p.expected.trim(), at).not.toBe('');
  expect(p.suffix === '' || p.suffix.startsWith('\n'), at).toBe(true); // the middle ends at a line's end
  if (p.kind === 'line') {
    expect(p.line, at).toBeGreaterThan(1);
    expect(cursorLine.trim(), at).toBe(''); // at the end of the indentation
    expect(p.expected, at).not.toContain('\n');
    expect(/^\s/.test(p.expected), at).toBe(false);
  } else if (p.kind === 'expression') {
    expect(cursorLine.trim(), at).not.toBe(''); // mid-line
    expect('(,.=+-*/%<>&|^!?:~', at).toContain(cursorLine.at(-1));
    expect(p.expected, at).not.toContain('\n');
    expect(/[\p{L}\p{N}_$]/u.test(p.expected), at).toBe(true);
  } else {
    expect(cursorLine.trim(), at).toBe('');
    const opener = p.prefix.slice(0, lineStart - 1);
    expect(opener.slice(opener.lastIndexOf('\n') + 1).trimEnd().endsWith('{'), at).toBe(true); // the line above opens the block ...
    const base = indentColumn(cursorLine);
    const body = p.expected.split('\n');
    expect(body.length, at).toBeLessThanOrEqual(MAX_BLOCK_LINES);
    for (const l of body.slice(1)) if (l.trim() !== '') expect(indentColumn(l), at).toBeGreaterThanOrEqual(base);
    expect(body.at(-1)!.trim(), at).not.toBe(''); // no blank lines before the closing line
    const closing = p.suffix.split('\n').find((l) => l.trim() !== '')!;
    expect(closing.trimStart().startsWith('}'), at).toBe(true); // ... and the first line below it closes it
    expect(indentColumn(closing), at).toBeLessThan(base);
  }
}

const SMALL = [
  'function f(x) {', //           1: expression after `(`; opens f's block (first line: no line position)
  '  if (x) {', //                2: line; block (body of f); expression after `(`
  '    g(x);', //                 3: line; block (body of if); expression after `(`
  '  }', //                       4: line
  '', //                          5: blank
  '  return x;', //               6: line
  '}', //                         7: line
  '// call(a, b) {', //           8: line only (a comment)
  'const o = {', //               9: line; no expression (only `{` after `=`); no block (its body dedents to `x`)
  '  a: 1,', //                  10: line; expression after `:`
  'x', //                        11: line
].join('\n');

describe('fimCandidates', () => {
  it('finds each kind where it should, with the middle it should', () => {
    const files: HeldoutFile[] = [{ file: 'small.js', package: 'p', text: SMALL }];
    const all = pickFimPositions(files, 1000, 0);
    expect(all.map((p) => `${p.kind}:${p.line}:${p.column}`)).toEqual([
      'expression:1:11',
      'line:2:2',
      'block:2:2',
      'expression:2:6',
      'line:3:4',
      'block:3:4',
      'expression:3:6',
      'line:4:2',
      'line:6:2',
      'line:7:0',
      'line:8:0',
      'line:9:0',
      'line:10:2',
      'expression:10:4',
      'line:11:0',
    ]);
    const byKey = new Map(all.map((p) => [`${p.kind}:${p.line}`, p]));
    expect(byKey.get('block:2')!.expected).toBe('if (x) {\n    g(x);\n  }\n\n  return x;');
    expect(byKey.get('block:2')!.suffix).toBe('\n}\n// call(a, b) {\nconst o = {\n  a: 1,\nx');
    expect(byKey.get('block:3')!.expected).toBe('g(x);');
    expect(byKey.get('expression:2')!.expected).toBe('x) {');
    expect(byKey.get('line:6')).toMatchObject({ prefix: SMALL.slice(0, SMALL.indexOf('  return') + 2), expected: 'return x;' });
    for (const p of all) checkPosition(p, SMALL);
  });

  it('skips blocks longer than MAX_BLOCK_LINES lines, empty blocks, and blocks whose body starts blank', () => {
    const body = (k: number) => Array.from({ length: k }, (_, i) => `  s${i}();`).join('\n');
    const blocks = (text: string) => fimCandidates(text).filter((c) => c.kind === 'block').length;
    expect(blocks(`x;\nif (a) {\n${body(MAX_BLOCK_LINES)}\n}`)).toBe(1);
    expect(blocks(`x;\nif (a) {\n${body(MAX_BLOCK_LINES + 1)}\n}`)).toBe(0);
    expect(blocks('x;\nif (a) {\n}')).toBe(0);
    expect(blocks('x;\nif (a) {\n\n  b();\n}')).toBe(0);
    expect(blocks('x;\nif (a) {\n  b();\n\n}')).toBe(1); // blank lines before the brace are not part of the middle
  });
});

describe('pickFimPositions', () => {
  const text = Array.from({ length: 60 }, (_, i) => `function f${i}(a, b) {\n  const s = a + b;\n  return g(s, ${i});\n}`).join('\n');
  const files: HeldoutFile[] = [
    { file: 'a.js', package: 'a', text },
    { file: 'b.js', package: 'b', text: text.replace(/\+/g, '*') },
  ];

  it('is deterministic for a seed, sorted, split evenly over the kinds, and varies with the seed', () => {
    const a = pickFimPositions(files, 30, 7);
    expect(pickFimPositions(files, 30, 7)).toEqual(a);
    expect(a).toHaveLength(30);
    for (const kind of ['line', 'expression', 'block']) expect(a.filter((p) => p.kind === kind)).toHaveLength(10);
    const keys = a.map((p) => `${p.file}:${p.line}:${p.column}:${p.kind}`);
    expect(new Set(keys).size).toBe(30);
    const order = a.map((p) => [p.file === 'a.js' ? 0 : 1, p.prefix.length] as const);
    expect(order).toEqual([...order].sort((x, y) => x[0] - y[0] || x[1] - y[1]));
    expect(pickFimPositions(files, 30, 8)).not.toEqual(a);
    for (const p of a) checkPosition(p, files.find((f) => f.file === p.file)!.text);
  });

  it('splits the count evenly, the remainder to the first kinds, a short pool leaving its share to the others', () => {
    expect(splitQuota(4, [10, 10, 10])).toEqual([2, 1, 1]);
    expect(splitQuota(60, [100, 100, 100])).toEqual([20, 20, 20]);
    expect(splitQuota(6, [10, 10, 1])).toEqual([3, 2, 1]);
    expect(splitQuota(100, [2, 3, 1])).toEqual([2, 3, 1]);
    expect(splitQuota(0, [2, 3, 1])).toEqual([0, 0, 0]);
  });

  it('on the bundled held-out files: every position is what its kind says', async () => {
    const heldout = await loadHeldout(join(ROOT, 'evals', 'heldout'));
    const ps = pickFimPositions(heldout, 600, 0);
    expect(ps).toHaveLength(600);
    for (const p of ps) checkPosition(p, heldout.find((f) => f.file === p.file)!.text);
    expect(new Set(ps.map((p) => p.file)).size).toBe(heldout.length);
  });
});

describe('fanout eval --fim', () => {
  let dir: string;
  let model: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'fanout-eval-fim-'));
    model = join(dir, 'model');
    // The fixture tokenizer has <|fim_prefix|>, <|fim_suffix|>, <|fim_middle|>.
    await writeRandomModel(model, { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: true, seed: 11, maxPositions: 256 });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--json: FIM-layout prompts at the picked positions, scores consistent with the samples, and the table says the same', async () => {
    const args = ['eval', '--model', model, '--limit', '0', '--lines', '0', '--fim', '4', '--fim-n', '4', '--max-tokens', '16', '--line-tokens', '8', '--seed', '3'];
    const r = await fanout([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[fim 4\/4\] /m);
    expect(r.stderr).not.toMatch(/no FIM tokens/);
    const res = JSON.parse(r.stdout);
    expect(res.model.fim).toBe(true);
    expect(res.settings).toMatchObject({ fim: 4, fimN: 4, lines: 0, tasks: 0, heldoutDir: 'evals/heldout' });

    const expected = pickFimPositions(await loadHeldout(join(ROOT, 'evals', 'heldout')), 4, 3);
    const got = res.fim.positions as {
      kind: string;
      file: string;
      line: number;
      column: number;
      expected: string;
      fim: boolean;
      greedy: { text: string; tokens: number; finishReason: string };
      samples: { sample: number; text: string; tokens: number; sumLogprob: number; meanLogprob: number; finishReason: 'eos' | 'length' | 'line' | 'block' }[];
      greedyExact: boolean;
      greedyNormalized: boolean;
      topSample: number;
      topExact: boolean;
      topNormalized: boolean;
      blankSamples: number;
    }[];
    expect(got.map((p) => [p.kind, p.file, p.line, p.column, p.expected])).toEqual(expected.map((p) => [p.kind, p.file, p.line, p.column, p.expected]));
    expect(got.map((p) => p.kind).sort()).toEqual(['block', 'expression', 'line', 'line']);
    for (const [i, p] of got.entries()) {
      const pos = expected[i]!;
      expect(p.fim).toBe(true);
      expect(p.samples.map((x) => x.sample)).toEqual([0, 1, 2, 3]);
      const limit = p.kind === 'block' ? 16 : 8;
      for (const x of [p.greedy, ...p.samples]) {
        expect(x.tokens).toBeLessThanOrEqual(limit);
        // Stop mode 'line': nothing after the first line break that follows content.
        if (p.kind !== 'block') expect(x.text.replace(/^\s+/, '')).not.toContain('\n');
        // Stop mode 'block': no line below the cursor's indentation.
        else for (const l of x.text.split('\n').slice(1)) if (l.trim() !== '') expect(indentColumn(l)).toBeGreaterThanOrEqual(indentColumn(pos.prefix.slice(pos.prefix.lastIndexOf('\n') + 1)));
      }
      expect(p.greedyExact).toBe(exactMiddleMatch(p.greedy.text, p.expected));
      expect(p.greedyNormalized).toBe(normalizedMiddleMatch(p.greedy.text, p.expected));
      expect(p.topSample).toBe(rankSamples(p.samples)[0]?.index ?? -1);
      const top = p.samples[p.topSample];
      expect(p.topExact).toBe(!!top && exactMiddleMatch(top.text, p.expected));
      expect(p.blankSamples).toBe(p.samples.filter((x) => x.text.trim() === '').length);
    }
    const s = res.fim.summary;
    const share = (f: (p: (typeof got)[number]) => boolean) => got.filter(f).length / 4;
    expect(s).toMatchObject({ positions: 4, n: 4, fimPrompts: 4, greedyExact: share((p) => p.greedyExact), topNormalized: share((p) => p.topNormalized) });
    expect(s.byKind.line.positions + s.byKind.expression.positions + s.byKind.block.positions).toBe(4);
    expect(s.quality.samples).toBe(16);
    expect(s.quality.blankSamples).toBe(got.reduce((a, p) => a + p.blankSamples, 0) / 16);
    expect(s.quality.top.empty).toBe(share((p) => p.topSample < 0));
    expect(s.quality.greedy.empty).toBe(share((p) => p.greedy.text.trim() === ''));

    // The table, from a second run with the same seed: the same figures.
    const t = await fanout(args);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^FIM: 4 positions in \d+ held-out files; per position 1 greedy sample and 4 at temperature/m);
    expect(t.stdout).not.toMatch(/prefix-only/);
    const pair = (x: number) => `${x.toFixed(3)} +\\(${Math.round(x * 4)}/4\\)`;
    expect(t.stdout).toMatch(new RegExp(`^ {2}all +4 +${pair(s.greedyExact)} +${pair(s.greedyNormalized)} +${pair(s.topExact)} +${pair(s.topNormalized)}$`, 'm'));
    expect(t.stdout).toMatch(new RegExp(`top candidate: none \\(all 4 blank\\) +${pair(s.quality.top.empty)}`));
    expect(t.stdout).toMatch(new RegExp(`top candidate: starts mid-word +${pair(s.quality.top.midWord)}`));
    expect(t.stdout).toMatch(new RegExp(`greedy sample: blank +${pair(s.quality.greedy.empty)}`));
    expect(t.stdout).toMatch(/blank samples among all samples +\d\.\d{3} +\(\d+\/16\)/);
  });

  it('bad --fim and --fim-n are one error line and exit 2, before any GPU work', async () => {
    for (const args of [
      ['--fim-n', '0'],
      ['--fim', '-1'],
    ]) {
      const r = await fanout(['eval', '--model', model, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^fanout: error: /);
    }
  });
});
