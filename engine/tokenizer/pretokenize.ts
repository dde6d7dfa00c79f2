// Pre-tokenization: splitting text into the pieces ("pre-tokens") that BPE encodes independently, as
// Hugging Face tokenizers' `pre_tokenizer` does. Supported types are the ones byte-level BPE models use:
//   ByteLevel  — optional leading space, GPT-2's split regex (use_regex), then the byte-level mapping
//   Split      — split on a regex or literal with a delimiter behaviour (Llama 3, Qwen2, DeepSeek)
//   Digits     — split off digits, individually or in runs (StarCoder)
//   Sequence   — the above in order; each step splits every piece the previous step produced.
// As in HF, steps after a ByteLevel see byte-level characters (it maps the pieces in place).

import { byteLevelEncode } from './byte-level.ts';
import { elideCopies, SUPPORTED_HELP, TokenizerError } from './errors.ts';
import { arrayField, badField, boolField, describe, MAX_NESTING, MAX_SEQUENCE, objectAt, optionalString, quote, typeTag } from './json-fields.ts';
import { compileOnigRegex, escapeLiteral } from './onig-regex.ts';

/** Splits one text segment into pre-tokens (byte-level mapped when the pipeline has a ByteLevel step). */
export type PreTokenizer = (text: string) => string[];

/** The split regex of HF's ByteLevel pre-tokenizer (GPT-2's), in Oniguruma syntax as HF compiles it. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
const BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** One step of the pipeline: appends the pieces `piece` splits into to `out`. */
type Step = (piece: string, out: string[]) => void;

let gpt2Regex: RegExp | undefined;

/**
 * Splits `text` at the matches of `regex` (which must have the `g` flag) the way HF's
 * `NormalizedString::split(pattern, behavior)` does: matches and the gaps between them become pieces,
 * then `behavior` decides what happens to the matches. `invert` swaps the roles of matches and gaps.
 * Empty pieces are dropped.
 */
export function splitByRegex(text: string, regex: RegExp, behavior: SplitBehavior, invert = false): string[] {
  const out: string[] = [];
  splitInto(text, regex, behavior, invert, out);
  return out;
}

function splitInto(text: string, regex: RegExp, behavior: SplitBehavior, invert: boolean, out: string[]): void {
  if (text === '') return;
  regex.lastIndex = 0;
  if (behavior === 'Isolated' && !invert) {
    // Fast path (the common case): every match and every gap is a piece.
    let prev = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (end === start) {
        regex.lastIndex = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
        if (start >= text.length) break;
        continue;
      }
      if (start > prev) out.push(text.slice(prev, start));
      out.push(m[0]);
      prev = end;
    }
    if (prev < text.length) out.push(text.slice(prev));
    return;
  }

  // General path: list (start, end, isMatch) spans as HF's find_matches does, then apply the behaviour.
  const spans: Array<[number, number, boolean]> = [];
  let prev = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (start > prev) spans.push([prev, start, invert]);
    spans.push([start, end, !invert]);
    prev = end;
    if (end === start) {
      if (start >= text.length) break;
      regex.lastIndex = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
    }
  }
  if (prev < text.length) spans.push([prev, text.length, invert]);

  const merged: Array<[number, number]> = [];
  switch (behavior) {
    case 'Isolated':
      for (const [s, e] of spans) merged.push([s, e]);
      break;
    case 'Removed':
      for (const [s, e, isMatch] of spans) if (!isMatch) merged.push([s, e]);
      break;
    case 'MergedWithPrevious': {
      // A match joins the piece before it (unless that piece was itself a match).
      let previousMatch = false;
      for (const [s, e, isMatch] of spans) {
        if (isMatch && !previousMatch && merged.length) merged[merged.length - 1][1] = e;
        else merged.push([s, e]);
        previousMatch = isMatch;
      }
      break;
    }
    case 'MergedWithNext': {
      // Mirror image of MergedWithPrevious: a match joins the piece after it.
      let previousMatch = false;
      for (let k = spans.length - 1; k >= 0; k--) {
        const [s, e, isMatch] = spans[k];
        if (isMatch && !previousMatch && merged.length) merged[merged.length - 1][0] = s;
        else merged.push([s, e]);
        previousMatch = isMatch;
      }
      merged.reverse();
      break;
    }
    case 'Contiguous': {
      // Consecutive matches (and consecutive gaps) fuse into one piece.
      let previousMatch = false;
      for (const [s, e, isMatch] of spans) {
        if (isMatch === previousMatch && merged.length) merged[merged.length - 1][1] = e;
        else merged.push([s, e]);
        previousMatch = isMatch;
      }
      break;
    }
  }
  for (const [s, e] of merged) if (e > s) out.push(text.slice(s, e));
}

/** Builds the pre-tokenizer described by tokenizer.json's `pre_tokenizer` (null: the text is one piece). */
export function createPreTokenizer(config: unknown, path = 'pre_tokenizer'): PreTokenizer {
  if (config === null || config === undefined) return (text) => (text === '' ? [] : [text]);
  const steps: Step[] = [];
  collectSteps(config, path, steps);
  if (steps.length === 1) {
    const step = steps[0];
    return (text) => {
      const out: string[] = [];
      step(text, out);
      return out;
    };
  }
  return (text) => {
    let pieces = text === '' ? [] : [text];
    for (const step of steps) {
      const next: string[] = [];
      for (const piece of pieces) step(piece, next);
      pieces = next;
    }
    return pieces;
  };
}

/** A Split pattern as a RegExp; an error quotes at most a short part of the pattern (see elideCopies). */
function splitRegex(source: string, path: string): RegExp {
  try {
    return compileOnigRegex(source);
  } catch (e) {
    if (!(e instanceof TokenizerError)) throw e;
    const message = elideCopies(e.message, source);
    throw message === e.message ? e : new TokenizerError(`tokenizer.json: ${path}.pattern.Regex (${source.length} characters): ${message}`);
  }
}

function collectSteps(config: unknown, path: string, steps: Step[], depth = 0): void {
  const obj = objectAt(config, path);
  const type = typeTag(obj, path);
  switch (type) {
    case 'Sequence': {
      const list = arrayField(obj, 'pretokenizers', path);
      if (depth >= MAX_NESTING) throw badField(path, `nests Sequences more than ${MAX_NESTING} deep; no tokenizer needs that. Use the tokenizer.json that came with the model.`);
      if (list.length > MAX_SEQUENCE) throw badField(`${path}.pretokenizers`, `lists ${list.length} pre-tokenizers; at most ${MAX_SEQUENCE} are supported.`);
      list.forEach((sub, k) => collectSteps(sub, `${path}.pretokenizers[${k}]`, steps, depth + 1));
      return;
    }
    case 'ByteLevel': {
      const addPrefixSpace = boolField(obj, 'add_prefix_space', path, true);
      const useRegex = boolField(obj, 'use_regex', path, true);
      const regex = useRegex ? (gpt2Regex ??= compileOnigRegex(GPT2_PATTERN)) : undefined;
      const tmp: string[] = [];
      steps.push((piece, out) => {
        if (addPrefixSpace && !piece.startsWith(' ')) piece = ' ' + piece;
        if (!regex) {
          out.push(byteLevelEncode(piece));
          return;
        }
        tmp.length = 0;
        splitInto(piece, regex, 'Isolated', false, tmp);
        for (const p of tmp) out.push(byteLevelEncode(p));
      });
      return;
    }
    case 'Split': {
      const pattern = objectAt(obj.pattern, `${path}.pattern`);
      const literal = optionalString(pattern, 'String', `${path}.pattern`);
      const source = optionalString(pattern, 'Regex', `${path}.pattern`);
      let regex: RegExp;
      if (source !== undefined) regex = splitRegex(source, path);
      else if (literal !== undefined) regex = new RegExp(escapeLiteral(literal), 'gu');
      else throw badField(`${path}.pattern`, 'must be {"Regex": "…"} or {"String": "…"}.');
      const behavior = obj.behavior;
      if (!BEHAVIORS.includes(behavior as SplitBehavior)) {
        throw badField(`${path}.behavior`, `is ${describe(behavior)}; supported: ${BEHAVIORS.join(', ')}.`);
      }
      const invert = boolField(obj, 'invert', path, false);
      steps.push((piece, out) => splitInto(piece, regex, behavior as SplitBehavior, invert, out));
      return;
    }
    case 'Digits': {
      // HF splits on Rust's char::is_numeric, i.e. general category N.
      const individual = boolField(obj, 'individual_digits', path, false);
      const regex = /\p{N}/gu;
      const behavior: SplitBehavior = individual ? 'Isolated' : 'Contiguous';
      steps.push((piece, out) => splitInto(piece, regex, behavior, false, out));
      return;
    }
    default:
      throw badField(
        `${path}.type`,
        `is ${quote(type)}; supported pre-tokenizers: ByteLevel, Split, Digits, Sequence. ${SUPPORTED_HELP}`,
      );
  }
}
