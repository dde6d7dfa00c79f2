// Tokenizer regexes come from tokenizer.json, a downloaded file: a pattern such as `(x+x+)+y` makes a
// backtracking engine (V8's, Oniguruma's) take exponential time on a short input, which would stall the
// host for every client. The engine needs no such pattern (GPT-2, Llama-3, Qwen2, DeepSeek-Coder and
// StarCoder split patterns have no quantified group around a quantifier), so one is refused at load.
//
// Checked on the Oniguruma source: a group repeated without bound (`*`, `+`, `{n,}`) whose body can
// itself repeat without bound is the classic nested-quantifier blow-up; an atomic group `(?>…)` or a
// possessive repetition (`…)++`) cannot backtrack into its body and is allowed.
// The same blow-up comes from a repeated alternation whose branches can match the same text (`(a|aa)+`,
// `(\w|\d)*`): an alternation under an unbounded repeat is allowed only when its branches are plain
// literals with different first characters (`(ab|cd)+`), which never share a match.
// Not caught: polynomial backtracking between neighbouring repeats (`\s*\s*\s*x`). The check is a guard
// against the known exponential shapes, not a proof of linear time; the Node host also tokenizes in a
// worker with a time budget (engine/host/tokenize-worker.ts), so no pattern can stall it.

interface Frame {
  /** The body can repeat without bound. */
  unbounded: boolean;
  atomic: boolean;
  /** Index of the group's `(` in the pattern. */
  start: number;
  /** Indices of the group's own `|` (not those of inner groups or classes). */
  alts: number[];
}

/** `(`, `(?:`, `(?i:`, `(?>`, lookarounds and named groups: the length of the group's opening. */
function openingLength(pattern: string, i: number): number {
  const m = /^\(\?(?:[imx-]*:|>|=|!|<=|<!|P?<[A-Za-z_]\w*>)/.exec(pattern.slice(i, i + 40));
  return m ? m[0].length : 1;
}

/** A branch that matches exactly one fixed string: its first character, or undefined when it is not such a branch. */
function literalHead(branch: string): string | undefined {
  if (!/^(?:[^\\[\](){}|.*+?^$]|\\[^A-Za-z0-9])+$/.test(branch)) return undefined;
  return branch[0] === '\\' ? branch[1] : branch[0];
}

/** The branches of a repeated alternation may share a match (anything but distinct-first-character literals). */
function branchesOverlap(branches: string[]): boolean {
  const heads = new Set<string>();
  for (const b of branches) {
    const h = literalHead(b);
    if (h === undefined || heads.has(h.toLowerCase())) return true;
    heads.add(h.toLowerCase());
  }
  return false;
}

/**
 * The first group in `pattern` repeated without bound that can backtrack exponentially: one whose body
 * repeats without bound, or an alternation whose branches can share a match. Its text, or undefined.
 */
export function nestedUnboundedRepeat(pattern: string): string | undefined {
  const stack: Frame[] = [{ unbounded: false, atomic: false, start: 0, alts: [] }];
  /** Length of an unbounded quantifier at i (`*`, `+`, `{n,}`), 0 when there is none. */
  const unboundedAt = (i: number): number => {
    const c = pattern[i];
    if (c === '*' || c === '+') return 1;
    const m = c === '{' ? /^\{\d*,\}/.exec(pattern.slice(i)) : null;
    return m ? m[0].length : 0;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      // \x{…}, \p{…}, \P{…}: skip the braces too.
      if (/[xpP]/.test(pattern[i + 1] ?? '') && pattern[i + 2] === '{') i = Math.max(i + 1, pattern.indexOf('}', i));
      else i++;
      const q = unboundedAt(i + 1);
      if (q) top.unbounded = true;
      continue;
    }
    if (c === '[') {
      // A class is one atom: skip to its closing bracket (a leading `]` or `^]` is literal).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) if (pattern[j] === '\\') j++;
      i = j;
      if (unboundedAt(i + 1)) top.unbounded = true;
      continue;
    }
    if (c === '(') {
      stack.push({ unbounded: false, atomic: pattern.startsWith('(?>', i), start: i, alts: [] });
      continue;
    }
    if (c === '|') {
      top.alts.push(i);
      continue;
    }
    if (c === ')' && stack.length > 1) {
      const body = stack.pop()!;
      const q = unboundedAt(i + 1);
      const possessive = q > 0 && pattern[i + 1 + q] === '+';
      if (q && !body.atomic && !possessive) {
        if (body.unbounded) return pattern.slice(body.start, i + 1 + q);
        if (body.alts.length) {
          const cuts = [body.start + openingLength(pattern, body.start) - 1, ...body.alts, i];
          const branches = cuts.slice(1).map((end, k) => pattern.slice(cuts[k]! + 1, end));
          if (branchesOverlap(branches)) return pattern.slice(body.start, i + 1 + q);
        }
      }
      const parent = stack[stack.length - 1]!;
      parent.unbounded ||= body.unbounded || q > 0;
      continue;
    }
    if (unboundedAt(i + 1) && c !== '|' && c !== '(') top.unbounded = true;
  }
  return undefined;
}
