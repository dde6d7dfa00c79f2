// Stop rules for one sample's decoded text, applied as the text grows token by token.
//
// End-of-text tokens and the token limit are the engine's business; here are the text rules:
//
// - Stop strings: the completion is cut just before the first occurrence of any stop string, which
//   may straddle token boundaries. Text that could still turn out to be the start of a stop string is
//   held back (not emitted) until the next tokens decide.
//
// - `line`: the completion ends before the first '\n' that follows at least one non-whitespace
//   character of the completion. Leading line breaks and indentation are kept: a completion asked for
//   at the end of `if (x) {` that starts with "\n    " goes on to give the whole next line, instead of
//   stopping empty. A "\r\n" ending is cut whole (the '\r' is not part of the result).
//
// - `block`: the base indentation is the indentation of the line the cursor is on (the last line of
//   the prefix). The first line of the completion (the rest of the cursor line) is never checked. On
//   every later line, once its first non-whitespace character arrives, if its indentation is below the
//   base, the completion is cut at the end of the last line that had content, so a dedenting line and
//   any blank lines before it are dropped, along with the line break before them. Blank lines followed by
//   a line at or above the base are kept. Example: prefix "function add(a, b) {\n  " (base 2) and text
//   "return a + b;\n}\n" give "return a + b;" — the `}` at indentation 0 closes the block the user is
//   in, so it is cut; a line back at exactly the base indentation continues the block. With the cursor
//   at the end of an opener line (prefix "function add(a, b) {", base 0) the body and its closing `}`
//   are kept, and the completion runs on until some line dedents below column 0, i.e. to the token
//   limit or end of text.
//   Indentation is a column: a space advances it by 1, a tab to the next multiple of TAB_WIDTH.
//
// - `none`: only stop strings apply.
//
// When several rules fire, the earliest cut wins (a stop string on a tie).

import type { StopMode } from '../protocol/engine.ts';

export type { StopMode };
export type StopReason = 'stop' | 'line' | 'block';

export interface StopOptions {
  mode: StopMode;
  stopStrings?: string[];
  /** Text before the cursor (the completion's prefix); block mode reads the cursor line's indentation from it. */
  prefix: string;
}

export interface StopResult {
  /** New text that is safe to show now: it can no longer be removed by a stop rule. */
  emit: string;
  /** Set when a rule fired; the sample is finished and its text ends where the rule cut it. */
  stop?: StopReason;
}

/** Columns a tab advances to (next multiple of). */
export const TAB_WIDTH = 4;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || (c > '\x7f' && /\s/.test(c));
}

/** Column of the first non-whitespace character of `s` (the whole of `s` if it is all whitespace). */
export function indentColumn(s: string, from = 0, to = s.length): number {
  let col = 0;
  for (let i = from; i < to; i++) {
    const c = s[i];
    if (c === '\t') col = (Math.floor(col / TAB_WIDTH) + 1) * TAB_WIDTH;
    else if (isSpace(c) && c !== '\n') col++;
    else break;
  }
  return col;
}

export class StopChecker {
  private readonly mode: StopMode;
  private readonly stops: string[];
  private readonly longestStop: number;
  private readonly baseIndent: number;

  /** All text pushed so far (up to the cut, once stopped). */
  private buf = '';
  /** How much of `buf` has been emitted. */
  private emitted = 0;
  /** How far the mode scanners have read `buf`. */
  private scanned = 0;
  private stopped: StopReason | undefined;

  // line mode: a non-whitespace character has been seen
  private sawContent = false;
  // block mode
  private onCursorLine = true;
  private lineStart = 0;
  private lineHasContent = false;
  /** Index of the '\n' that ends the last line with content (the cursor line counts as content). */
  private lastContentEnd = -1;

  constructor(opts: StopOptions) {
    if (opts.mode !== 'line' && opts.mode !== 'block' && opts.mode !== 'none') {
      throw new Error(`unknown stop mode "${String(opts.mode)}"; use one of line, block, none.`);
    }
    const stops = opts.stopStrings ?? [];
    if (stops.some((s) => typeof s !== 'string' || s.length === 0)) {
      throw new Error('stop strings must be non-empty strings; remove the empty entry.');
    }
    this.mode = opts.mode;
    this.stops = [...new Set(stops)];
    this.longestStop = this.stops.reduce((m, s) => Math.max(m, s.length), 0);
    const prefix = opts.prefix;
    this.baseIndent = indentColumn(prefix, prefix.lastIndexOf('\n') + 1);
  }

  /** The completion's text so far: everything pushed, cut where a rule fired. */
  get text(): string {
    return this.buf;
  }

  /** Which rule stopped the sample, if one did. */
  get reason(): StopReason | undefined {
    return this.stopped;
  }

  /** Adds a token's decoded text. After a stop, further pushes are ignored and report the same stop. */
  push(delta: string): StopResult {
    if (this.stopped) return { emit: '', stop: this.stopped };
    const before = this.buf.length;
    this.buf += delta;

    let cut = -1;
    let reason: StopReason | undefined;
    const s = this.findStopString(before);
    if (s >= 0) {
      cut = s;
      reason = 'stop';
    }
    const m = this.mode === 'line' ? this.scanLine() : this.mode === 'block' ? this.scanBlock() : -1;
    if (m >= 0 && (cut < 0 || m < cut)) {
      cut = m;
      reason = this.mode as StopReason;
    }

    if (reason) {
      this.buf = this.buf.slice(0, cut);
      this.stopped = reason;
      return { emit: this.take(cut), stop: reason };
    }
    return { emit: this.take(Math.min(this.stringHold(), this.modeHold())) };
  }

  /** At end of text or the token limit: returns the held-back text, which no rule can cut any more. */
  finish(): string {
    return this.take(this.buf.length);
  }

  private take(upTo: number): string {
    if (upTo <= this.emitted) return '';
    const out = this.buf.slice(this.emitted, upTo);
    this.emitted = upTo;
    return out;
  }

  /** Earliest start of a stop string that ends in the newly added text, or -1. */
  private findStopString(before: number): number {
    if (this.stops.length === 0) return -1;
    const from = Math.max(0, before - this.longestStop + 1);
    let best = -1;
    for (const s of this.stops) {
      const i = this.buf.indexOf(s, from);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  /** Start of the longest tail of the text that is a proper prefix of a stop string (buf.length if none). */
  private stringHold(): number {
    const n = this.buf.length;
    for (let len = Math.min(this.longestStop - 1, n); len > 0; len--) {
      const tail = this.buf.slice(n - len);
      if (this.stops.some((s) => s.startsWith(tail))) return n - len;
    }
    return n;
  }

  /** Where a line break ending at index `nl` cuts the text: before it, and before a '\r' preceding it. */
  private cutBefore(nl: number): number {
    return nl > 0 && this.buf[nl - 1] === '\r' ? nl - 1 : nl;
  }

  private scanLine(): number {
    const b = this.buf;
    for (let i = this.scanned; i < b.length; i++) {
      const c = b[i];
      if (c === '\n') {
        if (this.sawContent) return this.cutBefore(i);
      } else if (!isSpace(c)) {
        this.sawContent = true;
      }
    }
    this.scanned = b.length;
    return -1;
  }

  private scanBlock(): number {
    const b = this.buf;
    for (let i = this.scanned; i < b.length; i++) {
      const c = b[i];
      if (c === '\n') {
        if (this.onCursorLine || this.lineHasContent) this.lastContentEnd = i;
        this.onCursorLine = false;
        this.lineStart = i + 1;
        this.lineHasContent = false;
      } else if (!isSpace(c) && !this.lineHasContent) {
        this.lineHasContent = true;
        if (!this.onCursorLine && indentColumn(b, this.lineStart, i) < this.baseIndent) {
          return this.cutBefore(this.lastContentEnd);
        }
      }
    }
    this.scanned = b.length;
    return -1;
  }

  /** Start of the text the mode rule might still cut (buf.length if none). */
  private modeHold(): number {
    const n = this.buf.length;
    if (this.mode === 'none') return n;
    // A line whose indentation is not known yet, and the blank lines before it, may still be dropped.
    if (this.mode === 'block' && !this.onCursorLine && !this.lineHasContent) return this.cutBefore(this.lastContentEnd);
    // A trailing '\r' may be the start of a "\r\n" that a cut removes.
    return n > 0 && this.buf[n - 1] === '\r' ? n - 1 : n;
  }
}
