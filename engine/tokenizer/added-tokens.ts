// tokenizer.json's `added_tokens`: strings such as "<|endoftext|>" or "<|fim_prefix|>" that are matched
// in the input as whole tokens before normalization and pre-tokenization, as HF's AddedVocabulary does
// (leftmost match, longest first at a position; single_word / lstrip / rstrip honoured).
// Difference from HF: tokens marked `normalized: true` are matched in the raw text, not in normalized
// text. That only matters when the normalizer changes a token's own text (NFC never changes ASCII tokens).

import { badField, boolField, integerField, MAX_TOKEN_ID, objectAt, stringField } from './json-fields.ts';
import { escapeLiteral, WHITE_SPACE, WORD } from './onig-regex.ts';

export interface AddedToken {
  id: number;
  content: string;
  /** Special tokens (control tokens) can be treated as plain text with `encode(text, { specials: false })`. */
  special: boolean;
  /** Only match when not inside a word. */
  singleWord: boolean;
  /** Absorb whitespace on the left / right of the match into the token. */
  lstrip: boolean;
  rstrip: boolean;
}

export function parseAddedTokens(list: unknown, path = 'added_tokens'): AddedToken[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw badField(path, 'must be an array of {id, content, special, …} objects.');
  return list.map((item, k) => {
    const p = `${path}[${k}]`;
    const obj = objectAt(item, p);
    const id = integerField(obj, 'id', p);
    // The tokenizer keeps a table indexed by id: an id of 1e15 must be refused, not allocated.
    if (id >= MAX_TOKEN_ID) throw badField(`${p}.id`, `is ${id}; ids above ${MAX_TOKEN_ID - 1} are not supported.`);
    return {
      id,
      content: stringField(obj, 'content', p),
      special: boolField(obj, 'special', p, false),
      singleWord: boolField(obj, 'single_word', p, false),
      lstrip: boolField(obj, 'lstrip', p, false),
      rstrip: boolField(obj, 'rstrip', p, false),
    };
  });
}

/** A piece of input: plain text to be tokenized, or the id of an added token found in the input. */
export type Segment = string | number;

const isSpace = new RegExp(`^[${WHITE_SPACE}]$`, 'u');
const isWord = new RegExp(`^[${WORD}]$`, 'u');

function codePointBefore(text: string, i: number): string {
  if (i <= 0) return '';
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return text.slice(i - 2, i);
  }
  return text[i - 1];
}

function codePointAt(text: string, i: number): string {
  const cp = text.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/** Finds added tokens in text. One instance per token set (e.g. all added tokens, or non-special only). */
export class AddedTokenSplitter {
  private readonly regex: RegExp | undefined;
  private readonly byContent = new Map<string, AddedToken>();

  constructor(tokens: readonly AddedToken[]) {
    for (const t of tokens) if (t.content !== '' && !this.byContent.has(t.content)) this.byContent.set(t.content, t);
    if (this.byContent.size === 0) return;
    // A JS alternation takes the first alternative that matches at the leftmost position, so sorting the
    // literals longest first gives leftmost-longest matching (HF uses Aho-Corasick LeftmostLongest).
    const alternatives = [...this.byContent.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escapeLiteral);
    this.regex = new RegExp(alternatives.join('|'), 'gu');
  }

  /** Splits text into plain-text segments and added-token ids, in order. Empty segments are omitted. */
  split(text: string): Segment[] {
    const regex = this.regex;
    if (!regex) return text === '' ? [] : [text];
    const out: Segment[] = [];
    let prevEnd = 0;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const token = this.byContent.get(m[0])!;
      let start = m.index;
      let stop = start + m[0].length;
      if (token.singleWord) {
        // HF skips the match (the text stays plain) when a word character touches it on either side.
        if (isWord.test(codePointBefore(text, start)) || isWord.test(codePointAt(text, stop))) continue;
      }
      if (token.lstrip) {
        while (start > prevEnd && isSpace.test(text[start - 1])) start--;
      }
      if (token.rstrip) {
        while (stop < text.length && isSpace.test(text[stop])) stop++;
        regex.lastIndex = stop;
      }
      if (start > prevEnd) out.push(text.slice(prevEnd, start));
      out.push(token.id);
      prevEnd = stop;
    }
    if (prevEnd < text.length) out.push(text.slice(prevEnd));
    return out;
  }
}
