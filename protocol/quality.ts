// What makes a sample a poor suggestion, as pure predicates on its text: it is blank, it repeats
// itself, it starts in the middle of a word. Ranking (protocol/rank.ts) demotes on these; `fanout eval`
// reports how often a top candidate has them. Browser-safe (no imports), so the renderer uses the same code.

/** Nothing to insert: empty or whitespace only. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/**
 * Lexical units for repetition: identifiers/numbers, single punctuation characters, and line breaks
 * (so a repeated line counts as a repeated sequence). Other whitespace is dropped: "x + x" and
 * "x  +  x" repeat the same way.
 */
export function lexUnits(text: string): string[] {
  return text.match(/[\p{L}\p{N}_$]+|\n|[^\s\p{L}\p{N}_$]/gu) ?? [];
}

export interface RepeatRun {
  /** The repeated n-gram's units, joined by single spaces. */
  unit: string;
  /** Units per copy (n). */
  n: number;
  /** Consecutive copies. */
  copies: number;
  /** Units the run covers: n · copies. */
  span: number;
}

/** Longest n-gram considered, in units: a line of code is typically 5–15 units. */
export const MAX_NGRAM = 16;
/** A run is degenerate when its n-gram appears at least this many times in a row ... */
export const MIN_COPIES = 3;
/** ... and the run covers at least this many units (so "0, 0, 0" or "} } }" are not flagged). */
export const MIN_SPAN = 8;

/**
 * The longest consecutive repetition of one n-gram (1 ≤ n ≤ MAX_NGRAM) in `text`, or undefined when no
 * n-gram repeats. E.g. "x = x + y * x + x + x + x" → unit "+ x", 4 copies (or "x +", 4 copies).
 * Cost: O(units · MAX_NGRAM), fine for completions of a few hundred units.
 */
export function longestRepeat(text: string): RepeatRun | undefined {
  const u = lexUnits(text);
  let best: RepeatRun | undefined;
  for (let n = 1; n <= Math.min(MAX_NGRAM, Math.floor(u.length / 2)); n++) {
    // run = how many units in a row equal the unit n places earlier; a run of r such units after the
    // first copy means 1 + floor(r / n) copies.
    let run = 0;
    for (let i = n; i < u.length; i++) {
      run = u[i] === u[i - n] ? run + 1 : 0;
      const copies = 1 + Math.floor(run / n);
      if (copies >= 2 && (!best || copies * n > best.span)) {
        const start = i - run - n + 1;
        best = { unit: u.slice(start, start + n).join(' '), n, copies, span: copies * n };
      }
    }
  }
  return best;
}

/** The sample repeats itself: an n-gram run of at least MIN_COPIES copies covering at least MIN_SPAN units. */
export function isRepetitive(text: string): boolean {
  const r = longestRepeat(text);
  return !!r && r.copies >= MIN_COPIES && r.span >= MIN_SPAN;
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;
const TRAILING_WORD = /[\p{L}\p{N}_$]*$/u;
const LEADING_WORD = /^[\p{L}\p{N}_$]*/u;

/** JavaScript/TypeScript keywords and everyday globals: words a sample may start with that a file need not contain. */
const KNOWN_WORDS = new Set(
  (
    'abstract any as async await boolean break case catch class const constructor continue debugger declare default delete do ' +
    'else enum export extends false finally for from function get if implements import in infer instanceof interface is keyof ' +
    'let module namespace never new null number object of package private protected public readonly require return satisfies ' +
    'set static string super switch symbol this throw true try type typeof undefined unique unknown var void while with yield ' +
    'Array Boolean Date Error JSON Map Math Number Object Promise Reflect RegExp Set String Symbol console document module ' +
    'exports process window globalThis setTimeout clearTimeout setInterval parseInt parseFloat isNaN'
  ).split(' '),
);

/**
 * Heuristic: the sample starts inside a word that is not one. The word at the cursor is the prefix's
 * trailing word characters joined with the sample's leading ones (and the suffix's, when the sample is
 * one word that runs into it); the sample "starts mid-word" when it adds word characters and that word
 * is neither a keyword/common global nor any whole word of the surrounding file (prefix + suffix).
 * "retu" + "rn x" (return) and "  " + "count" (used in the file) pass; "  " + "wity:" or "  " +
 * "enter(x" fail. A new identifier the file never uses counts too: an upper bound, used for reports.
 */
export function startsMidWord(prefix: string, text: string, suffix = ''): boolean {
  if (!text || !WORD_CHAR.test(text[0]!)) return false;
  const before = TRAILING_WORD.exec(prefix)![0];
  const head = LEADING_WORD.exec(text)![0];
  const word = before + head + (head.length === text.length ? LEADING_WORD.exec(suffix)![0] : '');
  if (KNOWN_WORDS.has(word)) return false;
  const context = prefix.slice(0, prefix.length - before.length) + ' ' + suffix;
  const words: readonly string[] = context.match(/[\p{L}\p{N}_$]+/gu) ?? [];
  return !words.includes(word);
}
