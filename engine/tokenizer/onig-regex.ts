// Translates the Oniguruma regex syntax that Hugging Face tokenizers use for `Split` patterns (and for
// the ByteLevel pre-tokenizer's built-in pattern) into an equivalent JavaScript RegExp with the `u` flag.
//
// Hand-written for the subset of Oniguruma that tokenizer patterns use, because helpers on this project
// could not add dependencies. The maintained general-purpose alternative is the npm package
// oniguruma-to-es (pure JS, runs in Node and browsers); if patterns outside this subset turn up,
// swapping it in behind compileOnigRegex is a contained change.
//
// Differences handled (Oniguruma semantics on the left, what we emit on the right):
// - `\s` is Unicode White_Space (which includes U+0085 but not U+FEFF; JS's `\s` is the other way
//   round), `\d` is \p{Nd}, `\w` is Unicode word characters, `\h` is a hex digit, `\b` uses Unicode `\w`.
// - `(?i:…)`, `(?i)`, `(?-i:…)`: JS in Node 20 has no inline modifiers, so letters inside are expanded to
//   classes of their simple case-fold equivalents (`'s` → `'[sSſ]`).
// - Atomic groups `(?>X)` and possessive quantifiers `X*+`, `X++`, `X?+`: emulated with the standard
//   `(?=(?<g>X))\k<g>` trick (a lookahead is atomic in JS; the backreference consumes what it matched).
//   As in Oniguruma's default syntax, `X{n,m}+` is not possessive but `(?:X{n,m})+`.
// - `.` excludes only `\n`; `^`/`$` are always line anchors (Ruby semantics); `\A`, `\z`, `\Z`.
// - `\x{HHHH}`, `\p{^L}`, `\pL`, script names (`\p{Han}`), `{,n}`, literal `{`/`}`/`]`, identity escapes
//   that JS's `u` mode rejects (`\'`, `\-` outside a class).
// Unsupported constructs (backreferences, nested classes/POSIX brackets, class intersection `&&`,
// case-insensitive classes, other inline options) raise a TokenizerError naming the construct.

import { TokenizerError } from './errors.ts';
import { nestedUnboundedRepeat } from './regex-safety.ts';

/** Oniguruma's `\s` for Unicode strings: White_Space (Zs, Zl, Zp, \t-\r, U+0085), as class contents. */
export const WHITE_SPACE = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Oniguruma's `\w` for Unicode strings: letters, marks, decimal digits, connector punctuation. */
export const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
const HEX = '0-9A-Fa-f';
const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';

/** Characters whose simple case folding is not reached by toLowerCase/toUpperCase from ASCII etc. */
const FOLD_EXTRAS = 'ſKÅςϐϑϕϖϰϱϵẛιẞΩ';

/** `text` as a JS regex (u flag) matching exactly that text. */
export function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export function compileOnigRegex(pattern: string, flags = 'gu'): RegExp {
  const nested = nestedUnboundedRepeat(pattern);
  if (nested !== undefined) {
    throw new TokenizerError(
      `The regex ${JSON.stringify(pattern.slice(0, 200))} repeats ${JSON.stringify(nested.slice(0, 80))}, a group that itself repeats ` +
        'without bound or whose alternatives can match the same text; on some inputs such a pattern takes exponential time, so it is refused. No supported tokenizer needs one: ' +
        'use the tokenizer.json that came with the model.',
    );
  }
  const source = translateOnigRegex(pattern);
  try {
    return new RegExp(source, flags);
  } catch (e) {
    throw new TokenizerError(
      `The regex ${JSON.stringify(pattern)} could not be translated to JavaScript ` +
        `(translated form ${JSON.stringify(source)}): ${(e as Error).message}`,
    );
  }
}

interface Group {
  /** Index in the output where the group's `(` was written. */
  start: number;
  atomic: boolean;
  /** Case-insensitivity in force before the group opened, restored when it closes. */
  savedCi: boolean;
}

/** Returns JS regex source (for the `u` flag) matching what `pattern` matches under Oniguruma. */
export function translateOnigRegex(pattern: string): string {
  const fail = (what: string, at: number): never => {
    throw new TokenizerError(
      `Unsupported regex construct ${what} at offset ${at} in ${JSON.stringify(pattern)}. ` +
        'Supported: the Oniguruma subset used by GPT-2, Llama 3, Qwen2 and similar pre-tokenizer patterns ' +
        '(alternation, groups, lookaround, atomic groups, possessive quantifiers, \\p{…}, (?i:…) on literals).',
    );
  };

  let out = '';
  let i = 0;
  let ci = false;
  const groups: Group[] = [];
  let atomicCount = 0;
  // Output index where the last quantifiable atom starts, or -1 when there is none.
  let atomStart = -1;
  // What was written last: a quantifier ('simple' = * + ?, 'brace' = {n,m}), 'lazy' suffix, or nothing.
  let lastQuant: 'none' | 'simple' | 'brace' | 'lazy' = 'none';

  const atomic = (inner: string) => {
    const name = `__atomic${atomicCount++}`;
    return `(?=(?<${name}>${inner}))\\k<${name}>`;
  };
  const emitAtom = (text: string) => {
    atomStart = out.length;
    out += text;
    lastQuant = 'none';
  };
  const emitAssertion = (text: string) => {
    out += text;
    atomStart = -1;
    lastQuant = 'none';
  };

  while (i < pattern.length) {
    const at = i;
    const cp = pattern.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;

    switch (ch) {
      case '\\': {
        const esc = parseEscape(pattern, i, false, fail);
        i = esc.next;
        if (esc.assertion) emitAssertion(esc.text);
        else emitAtom(ci && esc.literal !== undefined ? caseClass(esc.literal) : esc.text);
        break;
      }
      case '[': {
        const cls = parseClass(pattern, i, ci, fail);
        i = cls.next;
        emitAtom(cls.text);
        break;
      }
      case '(': {
        if (pattern.startsWith('?#', i)) {
          const end = pattern.indexOf(')', i);
          if (end < 0) fail('unterminated comment (?#', at);
          i = end + 1;
          break;
        }
        const flags = /^\?(-?)([imx]*)(-[imx]*)?([:)])/.exec(pattern.slice(i));
        if (flags && (flags[1] || flags[2] || flags[3])) {
          const on = flags[1] ? '' : flags[2];
          const off = (flags[1] ? flags[2] : '') + (flags[3]?.slice(1) ?? '');
          if (/[mx]/.test(on + off)) fail(`inline option (?${flags[0].slice(1)}`, at);
          const nextCi: boolean = on.includes('i') ? true : off.includes('i') ? false : ci;
          i += flags[0].length;
          if (flags[4] === ')') {
            // `(?i)`: applies to the rest of the enclosing group.
            ci = nextCi;
          } else {
            groups.push({ start: out.length, atomic: false, savedCi: ci });
            out += '(?:';
            ci = nextCi;
            lastQuant = 'none';
            atomStart = -1;
          }
          break;
        }
        let open = '(';
        let isAtomic = false;
        if (pattern[i] === '?') {
          const m = /^\?(?::|=|!|<=|<!|>|<[A-Za-z_][A-Za-z0-9_]*>|P<[A-Za-z_][A-Za-z0-9_]*>)/.exec(
            pattern.slice(i),
          );
          if (!m) fail(`group syntax (${pattern.slice(i, i + 3)}`, at);
          const kind = m![0];
          i += kind.length;
          if (kind === '?>') {
            isAtomic = true;
            open = '(?:';
          } else if (kind.startsWith('?P<')) {
            open = '(?' + kind.slice(2);
          } else {
            open = '(' + kind;
          }
        }
        groups.push({ start: out.length, atomic: isAtomic, savedCi: ci });
        out += open;
        atomStart = -1;
        lastQuant = 'none';
        break;
      }
      case ')': {
        const g = groups.pop();
        if (!g) fail('unbalanced )', at);
        out += ')';
        if (g!.atomic) out = out.slice(0, g!.start) + atomic(out.slice(g!.start + 3, -1));
        atomStart = g!.start;
        lastQuant = 'none';
        ci = g!.savedCi;
        break;
      }
      case '*':
      case '+':
      case '?': {
        if (atomStart < 0) fail(`quantifier ${ch} with nothing to repeat`, at);
        if (lastQuant === 'simple' && ch === '+') {
          // Possessive: the atom and its quantifier become atomic.
          out = out.slice(0, atomStart) + atomic(out.slice(atomStart));
          lastQuant = 'lazy'; // nothing may follow
        } else if (lastQuant === 'brace' && ch === '+') {
          out = out.slice(0, atomStart) + '(?:' + out.slice(atomStart) + ')+';
          lastQuant = 'simple';
        } else if ((lastQuant === 'simple' || lastQuant === 'brace') && ch === '?') {
          out += '?';
          lastQuant = 'lazy';
        } else if (lastQuant !== 'none') {
          fail(`quantifier ${ch} after another quantifier`, at);
        } else {
          out += ch;
          lastQuant = 'simple';
        }
        break;
      }
      case '{': {
        const m = /^(\d*)(?:(,)(\d*))?\}/.exec(pattern.slice(i));
        if (m && (m[1] || m[3]) && atomStart >= 0 && lastQuant === 'none') {
          i += m[0].length;
          out += `{${m[1] || '0'}${m[2] ?? ''}${m[3] ?? ''}}`;
          lastQuant = 'brace';
        } else {
          emitAtom('\\{');
        }
        break;
      }
      case '}':
      case ']':
        emitAtom('\\' + ch);
        break;
      case '.':
        emitAtom('[^\\n]');
        break;
      case '^':
        emitAssertion('(?<![^\\n])');
        break;
      case '$':
        emitAssertion('(?![^\\n])');
        break;
      case '|':
        out += '|';
        atomStart = -1;
        lastQuant = 'none';
        break;
      default:
        emitAtom(ci ? caseClass(ch) : ch);
    }
  }
  if (groups.length) fail('unterminated group (', groups[groups.length - 1].start);
  return out;
}

interface Escape {
  text: string;
  next: number;
  /** True for zero-width escapes (\b, \A, …), which cannot be quantified. */
  assertion?: boolean;
  /** The literal character, for escapes that stand for exactly one character (case folding needs it). */
  literal?: string;
}

/** Parses the escape whose letter is at `pattern[i]` (just past the backslash). */
function parseEscape(pattern: string, i: number, inClass: boolean, fail: (w: string, at: number) => never): Escape {
  const at = i - 1;
  if (i >= pattern.length) fail('trailing backslash', at);
  const c = String.fromCodePoint(pattern.codePointAt(i)!);
  const next = i + c.length;
  const notInClass = (what: string) => {
    if (inClass) fail(`${what} inside a character class`, at);
  };
  switch (c) {
    case 's':
      return { text: inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`, next };
    case 'S':
      notInClass('\\S');
      return { text: `[^${WHITE_SPACE}]`, next };
    case 'd':
      return { text: '\\p{Nd}', next };
    case 'D':
      return { text: '\\P{Nd}', next };
    case 'w':
      return { text: inClass ? WORD : `[${WORD}]`, next };
    case 'W':
      notInClass('\\W');
      return { text: `[^${WORD}]`, next };
    case 'h':
      return { text: inClass ? HEX : `[${HEX}]`, next };
    case 'H':
      notInClass('\\H');
      return { text: `[^${HEX}]`, next };
    case 'b':
    case 'B': {
      notInClass(`\\${c}`);
      const w = `[${WORD}]`;
      const boundary = `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
      const inside = `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
      return { text: c === 'b' ? boundary : inside, next, assertion: true };
    }
    case 'A':
      notInClass('\\A');
      return { text: '(?<![\\s\\S])', next, assertion: true };
    case 'z':
      notInClass('\\z');
      return { text: '(?![\\s\\S])', next, assertion: true };
    case 'Z':
      notInClass('\\Z');
      return { text: '(?=\\n?(?![\\s\\S]))', next, assertion: true };
    case 'p':
    case 'P': {
      let name: string;
      let end: number;
      if (pattern[next] === '{') {
        end = pattern.indexOf('}', next);
        if (end < 0) fail('unterminated \\p{', at);
        name = pattern.slice(next + 1, end);
        end++;
      } else {
        name = pattern[next] ?? '';
        end = next + 1;
      }
      let negate = c === 'P';
      if (name.startsWith('^')) {
        negate = !negate;
        name = name.slice(1);
      }
      return { text: unicodeProperty(name, negate, at, fail), next: end };
    }
    case 'x': {
      if (pattern[next] === '{') {
        const m = /^\{([0-9A-Fa-f]{1,8})\}/.exec(pattern.slice(next));
        if (!m) fail('malformed \\x{…}', at);
        const cp = parseInt(m![1], 16);
        return { text: `\\u{${m![1]}}`, next: next + m![0].length, literal: String.fromCodePoint(cp) };
      }
      const m = /^[0-9A-Fa-f]{1,2}/.exec(pattern.slice(next));
      if (!m) fail('malformed \\x escape', at);
      const hex = m![0].padStart(2, '0');
      return { text: `\\x${hex}`, next: next + m![0].length, literal: String.fromCharCode(parseInt(hex, 16)) };
    }
    case 'u': {
      const m = /^[0-9A-Fa-f]{4}/.exec(pattern.slice(next));
      if (!m) fail('malformed \\u escape', at);
      return { text: `\\u${m![0]}`, next: next + 4, literal: String.fromCharCode(parseInt(m![0], 16)) };
    }
    case 't':
      return { text: '\\t', next, literal: '\t' };
    case 'n':
      return { text: '\\n', next, literal: '\n' };
    case 'r':
      return { text: '\\r', next, literal: '\r' };
    case 'f':
      return { text: '\\f', next, literal: '\f' };
    case 'v':
      return { text: '\\v', next, literal: '\v' };
    case 'a':
      return { text: '\\x07', next, literal: '\x07' };
    case 'e':
      return { text: '\\x1b', next, literal: '\x1b' };
    case '0':
      if (/[0-7]/.test(pattern[next] ?? '')) fail('octal escape', at);
      return { text: '\\0', next, literal: '\0' };
  }
  if (/[0-9]/.test(c) || c === 'k' || c === 'g') fail(`backreference or subroutine \\${c}`, at);
  if (/[\p{L}\p{N}]/u.test(c)) fail(`escape \\${c}`, at);
  // An escaped punctuation character stands for itself. JS's `u` mode only accepts escapes of syntax
  // characters (and `-` in a class), so other characters are written literally.
  const keep = SYNTAX_CHARS.includes(c) || (inClass && c === '-');
  return { text: keep ? '\\' + c : c, next, literal: c };
}

/** `\p{name}` / `\P{name}` for JS: general categories and binary properties as is, scripts via Script=. */
function unicodeProperty(name: string, negate: boolean, at: number, fail: (w: string, at: number) => never): string {
  const p = negate ? 'P' : 'p';
  for (const candidate of [name, `Script=${name}`]) {
    const text = `\\${p}{${candidate}}`;
    try {
      new RegExp(text, 'u');
      return text;
    } catch {
      // try the next spelling
    }
  }
  return fail(`Unicode property \\p{${name}}`, at);
}

/** Parses a character class whose `[` is just before `i`; returns the JS class text. */
function parseClass(
  pattern: string,
  i: number,
  ci: boolean,
  fail: (w: string, at: number) => never,
): { text: string; next: number } {
  const at = i - 1;
  let out = '[';
  if (pattern[i] === '^') {
    out += '^';
    i++;
  }
  // A `]` right after `[` or `[^` is a literal in Oniguruma.
  if (pattern[i] === ']') {
    out += '\\]';
    i++;
  }
  while (i < pattern.length) {
    const c = String.fromCodePoint(pattern.codePointAt(i)!);
    if (c === ']') return { text: out + ']', next: i + 1 };
    if (c === '[') fail('nested character class or POSIX bracket ([:…:])', i);
    if (c === '&' && pattern[i + 1] === '&') fail('class intersection &&', i);
    if (c === '\\') {
      const esc = parseEscape(pattern, i + 1, true, fail);
      if (ci && esc.literal !== undefined && caseClass(esc.literal) !== esc.literal) {
        fail('letter in a case-insensitive character class', i);
      }
      out += esc.text;
      i = esc.next;
      continue;
    }
    if (ci && caseClass(c) !== c) fail('letter in a case-insensitive character class', i);
    out += c;
    i += c.length;
  }
  return fail('unterminated character class [', at);
}

const caseCache = new Map<string, string>();

/**
 * `c` as a pattern atom matching every character equal to it under Unicode simple case folding (what
 * JS's `iu` flags and Oniguruma's `(?i)` both use): the character itself when it has no case.
 */
function caseClass(c: string): string {
  let cached = caseCache.get(c);
  if (cached !== undefined) return cached;
  const escaped = SYNTAX_CHARS.includes(c) ? '\\' + c : c;
  const test = new RegExp(`^${escaped}$`, 'iu');
  const candidates = new Set([c, c.toLowerCase(), c.toUpperCase(), ...FOLD_EXTRAS]);
  const same = [...candidates].filter((x) => [...x].length === 1 && test.test(x));
  cached = same.length <= 1 ? escaped : `[${same.join('')}]`;
  caseCache.set(c, cached);
  return cached;
}
