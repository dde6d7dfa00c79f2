// Tokenizer regexes come from tokenizer.json, a downloaded file: a pattern such as `(x+x+)+y` makes a
// backtracking engine (V8's, Oniguruma's) take exponential time on a short input, which would stall the
// host for every client. The engine needs no such pattern (GPT-2, Llama-3, Qwen2, DeepSeek-Coder and
// StarCoder split patterns have no quantified group around a quantifier), so one is refused at load.
//
// Checked on the Oniguruma source: a group repeated without bound (`*`, `+`, `{n,}`) whose body can
// itself repeat without bound is the classic nested-quantifier blow-up; an atomic group `(?>…)` or a
// possessive repetition (`…)++`) cannot backtrack into its body and is allowed.
// Not caught: repeated alternations whose branches overlap (`(a|aa)+`); tokenization also runs with the
// pattern as given, so the check is a guard against the known shape, not a proof of linear time.

interface Frame {
  /** The body can repeat without bound. */
  unbounded: boolean;
  atomic: boolean;
  /** Index of the group's `(` in the pattern. */
  start: number;
}

/** The first nested unbounded repetition in `pattern` (the group's text), or undefined when there is none. */
export function nestedUnboundedRepeat(pattern: string): string | undefined {
  const stack: Frame[] = [{ unbounded: false, atomic: false, start: 0 }];
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
      stack.push({ unbounded: false, atomic: pattern.startsWith('(?>', i), start: i });
      continue;
    }
    if (c === ')' && stack.length > 1) {
      const body = stack.pop()!;
      const q = unboundedAt(i + 1);
      const possessive = q > 0 && pattern[i + 1 + q] === '+';
      if (q && body.unbounded && !body.atomic && !possessive) return pattern.slice(body.start, i + 1 + q);
      const parent = stack[stack.length - 1]!;
      parent.unbounded ||= body.unbounded || q > 0;
      continue;
    }
    if (unboundedAt(i + 1) && c !== '|' && c !== '(') top.unbounded = true;
  }
  return undefined;
}
