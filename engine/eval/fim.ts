// Fill-in-the-middle positions in the held-out files (evals/heldout/), as the app meets them: the cursor
// somewhere inside a file, text on both sides, and the completion asked to fill the gap. Three kinds of
// cursor, each common while editing code:
//
//   line        at the end of a non-blank line's indentation (not on the file's first line): the user is
//               about to write the line. The middle is the rest of the line.
//   expression  mid-line right after an operator, `(`, `,`, `=` or `.` (outside strings and comments): the
//               user is in the middle of an expression. The middle is the rest of the line.
//   block       the first line of a block: after a line that ends with `{`, at the end of the next line's
//               indentation. The middle is the block's body up to, not including, the line break before
//               the closing-brace line (blank lines before it left out, as stop mode 'block' drops them);
//               at most MAX_BLOCK_LINES lines.
//
// Prefix = the file before the cursor, suffix = the file after the middle; prefix + middle + suffix is
// the file. The engine truncates both to the context itself (the prefix at its start, the suffix at its
// end). Positions are drawn per kind, seeded, so a run is reproducible and the kinds are equally
// represented (the block pool is far smaller than the others; a uniform draw over all would hardly
// ever pick a block).
//
// The scanning is per line with simple rules (no tokenizer of the language): comment lines are skipped,
// and on other lines string literals and a trailing `//` comment are tracked; a template literal or block
// comment spanning lines can still yield an odd position now and then.
import { sampleRng } from '../rng.ts';
import { indentColumn } from '../stop.ts';
import type { HeldoutFile } from './heldout.ts';

export const FIM_KINDS = ['line', 'expression', 'block'] as const;
export type FimKind = (typeof FIM_KINDS)[number];

export interface FimPosition {
  kind: FimKind;
  /** Path relative to the held-out folder. */
  file: string;
  /** 1-based line of the cursor. */
  line: number;
  /** 0-based column of the cursor in that line (UTF-16 code units). */
  column: number;
  /** The file before the cursor. */
  prefix: string;
  /** The file after the middle. */
  suffix: string;
  /** The true middle. */
  expected: string;
}

/** Longest block body (in lines, blank ones included) a block position takes; longer blocks are skipped. */
export const MAX_BLOCK_LINES = 8;
/**
 * Longest middle, in characters: a line middle must fit --line-tokens (64) and a block one --max-tokens
 * (160) at the ≈3 characters per token of a code BPE; longer ones would be cut by the limit, not missed
 * by the model.
 */
export const MAX_LINE_MIDDLE = 160;
export const MAX_BLOCK_MIDDLE = 400;

/** A position as offsets into its file's text: the cursor and the end of the middle. */
interface Span {
  kind: FimKind;
  line: number;
  column: number;
  cursor: number;
  end: number;
}

const WORD = /[\p{L}\p{N}_$]/u;
const OPERATOR_CHARS = '=+-*/%<>&|^!?:~';
/** After one of these (at the end of an operator, see expressionColumns) the cursor is inside an expression. */
const AFTER = new Set(['(', ',', '.', ...OPERATOR_CHARS]);

function isCommentLine(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('//') || t.startsWith('/*') || t.startsWith('*');
}

/**
 * Columns of `line` right after an operator, `(`, `,` or `.`, outside string literals and before a `//`
 * comment, with more of the expression after them: the next character does not continue the operator
 * (so never between the two characters of `==` or `=>`), and the rest of the line has a word character
 * (not just `);`). A `.` counts only as member access: after a letter, `_`, `$`, `)`, `]` or the `?` of
 * `?.` (not a digit, so not `1.5`), before a word start.
 */
export function expressionColumns(line: string): number[] {
  const out: number[] = [];
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      continue;
    }
    if (c === '/' && line[i + 1] === '/') break;
    if (!AFTER.has(c)) continue;
    const next = line[i + 1];
    // Not inside an operator: `==`, `=>`, `...`, and `?.` (optional chaining continues after its dot).
    if (next === undefined || OPERATOR_CHARS.includes(next) || (next === '.' && (c === '.' || c === '?'))) continue;
    if (c === '.') {
      const prev = line[i - 1] ?? '';
      if (!(/[\p{L}_$)\]?]/u.test(prev) && /[\p{L}_$#]/u.test(next))) continue;
    }
    if (!WORD.test(line.slice(i + 1))) continue;
    out.push(i + 1);
  }
  return out;
}

/** Every candidate position of every kind in one file's text. */
export function fimCandidates(text: string): Span[] {
  const lines = text.split('\n');
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.length + 1;
  }
  const out: Span[] = [];
  const blank = (i: number) => lines[i]!.trim() === '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (blank(i)) continue;
    const indent = l.length - l.trimStart().length;
    const lineEnd = starts[i]! + l.length;
    // Not on the first line: with nothing before the cursor there is no editing context.
    if (i > 0 && l.length - indent <= MAX_LINE_MIDDLE) out.push({ kind: 'line', line: i + 1, column: indent, cursor: starts[i]! + indent, end: lineEnd });
    if (isCommentLine(l)) continue;
    for (const col of expressionColumns(l)) {
      if (l.length - col <= MAX_LINE_MIDDLE) out.push({ kind: 'expression', line: i + 1, column: col, cursor: starts[i]! + col, end: lineEnd });
    }
    const block = blockBody(lines, i);
    if (block) {
      const first = starts[i + 1]! + (lines[i + 1]!.length - lines[i + 1]!.trimStart().length);
      const end = starts[block.last]! + lines[block.last]!.length;
      if (end - first <= MAX_BLOCK_MIDDLE) out.push({ kind: 'block', line: i + 2, column: first - starts[i + 1]!, cursor: first, end });
    }
  }
  return out;
}

/**
 * When line `i` opens a block (ends with `{`, not a comment) whose body starts on the next line, indented
 * deeper, and ends where the first non-blank line below the body's indentation is a `}` line, within
 * MAX_BLOCK_LINES lines: the index of the body's last non-blank line. Indentation is measured as stop
 * mode 'block' measures it (engine/stop.ts indentColumn), so that mode cuts where this body ends.
 */
function blockBody(lines: readonly string[], i: number): { last: number } | undefined {
  const opener = lines[i]!;
  if (!opener.trimEnd().endsWith('{') || isCommentLine(opener)) return undefined;
  const body = lines[i + 1];
  if (body === undefined || body.trim() === '') return undefined;
  const base = indentColumn(body);
  if (base <= indentColumn(opener)) return undefined;
  let last = i + 1;
  for (let j = i + 2; j < lines.length && j - (i + 1) <= MAX_BLOCK_LINES; j++) {
    const l = lines[j]!;
    if (l.trim() === '') continue;
    if (indentColumn(l) >= base) {
      last = j;
      continue;
    }
    return l.trimStart().startsWith('}') ? { last } : undefined;
  }
  return undefined;
}

/**
 * `count` positions, split evenly over the kinds (in FIM_KINDS order, the remainder to the first; a kind
 * with too few candidates leaves its share to the others), each kind drawn without replacement uniformly
 * over its candidates in all files (so bigger files get more), from streams seeded by `seed`; sorted by
 * file, then cursor, then kind. All of them when there are fewer.
 */
export function pickFimPositions(files: readonly HeldoutFile[], count: number, seed: number): FimPosition[] {
  const pools = new Map<FimKind, { f: number; s: Span }[]>(FIM_KINDS.map((k) => [k, []]));
  files.forEach((file, f) => {
    for (const s of fimCandidates(file.text)) pools.get(s.kind)!.push({ f, s });
  });
  const quota = splitQuota(
    count,
    FIM_KINDS.map((k) => pools.get(k)!.length),
  );
  const picked: { f: number; s: Span }[] = [];
  FIM_KINDS.forEach((kind, k) => {
    const pool = pools.get(kind)!;
    // Partial Fisher–Yates: the first `take` entries become a uniform sample.
    const rng = sampleRng(seed, 0x66696d00 + k /* "fim" + kind */);
    const take = quota[k]!;
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(rng.next() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    picked.push(...pool.slice(0, take));
  });
  return picked
    .sort((a, b) => a.f - b.f || a.s.cursor - b.s.cursor || FIM_KINDS.indexOf(a.s.kind) - FIM_KINDS.indexOf(b.s.kind))
    .map(({ f, s }) => {
      const text = files[f]!.text;
      return {
        kind: s.kind,
        file: files[f]!.file,
        line: s.line,
        column: s.column,
        prefix: text.slice(0, s.cursor),
        suffix: text.slice(s.end),
        expected: text.slice(s.cursor, s.end),
      };
    });
}

/** `count` split as evenly as the pool sizes allow (the remainder to the first pools). */
export function splitQuota(count: number, sizes: readonly number[]): number[] {
  const quota = sizes.map(() => 0);
  let left = Math.min(count, sizes.reduce((a, b) => a + b, 0));
  // Round-robin one at a time: simple, and count is small (tens to hundreds).
  while (left > 0) {
    for (let k = 0; k < sizes.length && left > 0; k++) {
      if (quota[k]! < sizes[k]!) {
        quota[k]!++;
        left--;
      }
    }
  }
  return quota;
}

/**
 * Exact match of a middle: equal after removing trailing whitespace from every line and trailing line
 * breaks from the whole (a block that ends with its last line's break inserts the same code).
 */
export function exactMiddleMatch(got: string, expected: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .trimEnd();
  return norm(got) === norm(expected);
}

/** Whitespace-normalised match: runs of whitespace (line breaks too) collapsed to one space, both ends trimmed. */
export function normalizedMiddleMatch(got: string, expected: string): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ');
  return norm(got) === norm(expected);
}
