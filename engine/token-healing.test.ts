// Token healing on the test fixture's byte-level BPE tokenizer (256 bytes + code merges + FIM specials),
// and on small hand-written vocabularies where the fixture has no case (multi-byte characters, missing bytes).
import { describe, test, expect } from 'vitest';
import { Tokenizer } from './tokenizer/index.ts';
import { endMask, ForcedPrefix, healPrompt, maskRow, MAX_HEALED_WHITESPACE, type HealTokenizer } from './token-healing.ts';
import { byteLevelTokenizer } from '../tests/fixtures/make-model.ts';

const fixture = byteLevelTokenizer();
const tok = Tokenizer.fromJSON(fixture.json);
const enc = (s: string) => tok.encode(s, { specials: false });
const bytes = (s: string) => new TextEncoder().encode(s);
/** The fixture's id for a token spelled as text (' ' → 'Ġ', '\n' → 'Ċ'). */
const id = (s: string) => {
  const i = tok.tokenId(s.replace(/ /g, 'Ġ').replace(/\n/g, 'Ċ'));
  if (i === undefined) throw new Error(`no fixture token ${JSON.stringify(s)}`);
  return i;
};
const textOf = (i: number) => new TextDecoder().decode(tok.bytesOf(i));
/** The fixture tokenizer without `encode`: healing cannot ask it how it spells the healed text. */
const bytesOnly: HealTokenizer = { vocabSize: tok.vocabSize, specialIds: tok.specialIds, bytesOf: (i) => tok.bytesOf(i) };

/** The ids `allowed` allows, as text. */
function allowedTexts(allowed: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < allowed.length; i++) if (allowed[i]) out.push(textOf(i));
  return out.sort();
}

/** A HealTokenizer over the given token byte strings (ids in order) and special ids. */
function vocabOf(tokens: (string | Uint8Array)[], specials: number[] = []): HealTokenizer {
  const b = tokens.map((t) => (typeof t === 'string' ? bytes(t) : t));
  return { vocabSize: b.length, specialIds: new Set(specials), bytesOf: (i) => b[i] ?? new Uint8Array(0) };
}

describe('healPrompt', () => {
  test('`start` bounds what is taken back (text before the prefix: chunks of other files)', () => {
    const before = enc('x\n');
    const ids = [...before, ...enc('  ')];
    const free = healPrompt(tok, ids, tok.vocabSize)!;
    expect(free.text.length).toBeGreaterThan(2); // whitespace healing reaches back into the newline
    const bounded = healPrompt(tok, ids, tok.vocabSize, { start: before.length })!;
    expect(bounded.text).toBe('  ');
    expect(bounded.ids).toEqual(before);
    expect(healPrompt(tok, ids, tok.vocabSize, { start: ids.length })).toBeUndefined();
  });

  test('a trailing space is taken back; exactly the tokens starting with it are allowed', () => {
    const ids = enc('let y = ');
    const h = healPrompt(tok, ids, tok.vocabSize)!;
    expect(h.text).toBe(' ');
    expect(h.ids).toEqual(ids.slice(0, -1));
    const first = h.forced.allowed(0);
    for (let i = 0; i < tok.vocabSize; i++) {
      const b = tok.bytesOf(i);
      const want = !tok.specialIds.has(i) && b.length > 0 && b[0] === 0x20;
      expect(first[i], `token ${i} ${JSON.stringify(textOf(i))}`).toBe(want ? 1 : 0);
    }
    for (const s of [' ', ' t', ' a', '  ', ' return']) expect(first[id(s)]).toBe(1);
    expect(first[id('t')]).toBe(0);
    for (const i of tok.specialIds) expect(first[i]).toBe(0);
  });

  test('mid-word: " re" is finished by " re", " ret", " return"; the tokenizer never splits it, so nothing consumes part of it', () => {
    const h = healPrompt(tok, enc('  re'), tok.vocabSize)!;
    expect(h.text).toBe(' re');
    expect(allowedTexts(h.forced.allowed(0))).toEqual([' re', ' ret', ' return']);
    // a tokenizer that cannot encode: any split, but not " " + "re…" (whitespace joined to the word)
    const f = healPrompt(bytesOnly, enc('  re'), tok.vocabSize)!.forced;
    expect(allowedTexts(f.allowed(0))).toEqual([' r', ' re', ' ret', ' return']);
    expect(allowedTexts(f.allowed(f.advance(0, id(' r'))))).toEqual(['e', 'en', 'er']);
  });

  test('indentation: "\n    " may be spelled as the tokenizer spells it before a word, "\n" + "  " + " " + " return"', () => {
    const ids = enc('{\n    ');
    expect(textOf(ids.at(-1)!)).toBe('\n    ');
    expect(enc('{\n    x').slice(1).map(textOf)).toEqual(['\n', '  ', ' ', ' x']);
    const h = healPrompt(tok, ids, tok.vocabSize)!;
    expect(h.text).toBe('\n    ');
    expect(h.taken).toBe(1);
    const f = h.forced;
    expect(allowedTexts(f.allowed(0))).toEqual(['\n', '\n    ', '\n        ']);
    let k = f.advance(0, id('\n'));
    expect(k).toBe(1);
    expect(allowedTexts(f.allowed(k))).toEqual(['  ']); // not " " + "   …": the tokenizer never spells it so
    k = f.advance(k, id('  '));
    expect(allowedTexts(f.allowed(k))).toEqual([' ']);
    k = f.advance(k, id(' '));
    expect(k).toBe(4);
    const last = f.allowed(k);
    expect(last[id(' return')]).toBe(1);
    expect(last[id('r')]).toBe(0);
    expect(f.advance(k, id(' return'))).toBe(5); // produced: the sample is free
    expect(f.allowed(k)).toBe(last); // cached per consumed count
    expect(() => f.allowed(5)).toThrow(/consumed must be an integer in \[0, 5\)/);
    // without the tokenizer's spellings every split of whitespace is allowed
    const free = healPrompt(bytesOnly, ids, tok.vocabSize)!.forced;
    expect(allowedTexts(free.allowed(1))).toEqual([' ', '  ', '    ', '        ']);
  });

  test('a blank line: the whole trailing whitespace "\n\n  " is taken back, not only its last token', () => {
    const ids = enc('a;\n\n  ');
    expect(ids.slice(-3).map(textOf)).toEqual(['\n', '\n', '  ']);
    const h = healPrompt(tok, ids, tok.vocabSize)!;
    expect(h).toMatchObject({ text: '\n\n  ', taken: 3, ids: ids.slice(0, -3) });
    expect(allowedTexts(h.forced.allowed(0))).toEqual(['\n']);
    expect(allowedTexts(h.forced.allowed(2))).toEqual([' ', '  ', '    ', '        ']);
    // a run longer than MAX_HEALED_WHITESPACE keeps its earlier tokens
    const long = enc('a;' + '\n'.repeat(MAX_HEALED_WHITESPACE + 10));
    const hl = healPrompt(tok, long, tok.vocabSize)!;
    expect(hl.text).toBe('\n'.repeat(MAX_HEALED_WHITESPACE));
    expect(hl.ids).toEqual(long.slice(0, -MAX_HEALED_WHITESPACE));
    // a word before the whitespace is not taken back
    expect(healPrompt(tok, enc('  re '), tok.vocabSize)!.text).toBe(' ');
  });

  test('after an operator: " =" may be finished by " =" or " ==", not spelled " " + "="', () => {
    for (const t of [tok, bytesOnly]) {
      const h = healPrompt(t, enc('let y ='), tok.vocabSize)!;
      expect(h.text).toBe(' =');
      expect(allowedTexts(h.forced.allowed(0))).toEqual([' =', ' ==']);
    }
  });

  test('FIM: heals the token before `end` and keeps the tokens after it', () => {
    const F = fixture.specialIds;
    const pre = enc('let y = ');
    const ids = [F['<|fim_prefix|>'], ...pre, F['<|fim_suffix|>'], ...enc('1;\n'), F['<|fim_middle|>']];
    const end = 1 + pre.length;
    const h = healPrompt(tok, ids, tok.vocabSize, { end })!;
    expect(h.text).toBe(' ');
    expect(h.ids).toEqual([...ids.slice(0, end - 1), ...ids.slice(end)]);
    // an empty prefix: the token before `end` is the FIM prefix token
    expect(healPrompt(tok, [F['<|fim_prefix|>'], F['<|fim_suffix|>'], F['<|fim_middle|>']], tok.vocabSize, { end: 1 })).toBeUndefined();
    expect(() => healPrompt(tok, ids, tok.vocabSize, { end: ids.length + 1 })).toThrow(/end must be an index in \[0, \d+\]/);
    expect(() => healPrompt(tok, ids, tok.vocabSize, { end: 1.5 })).toThrow(/end must be an index/);
  });

  test('nothing to heal: no other spelling, a special last token, an empty prompt, a split character', () => {
    expect(healPrompt(tok, enc('x = 1;'), tok.vocabSize)).toBeUndefined(); // ';' starts no merge
    expect(healPrompt(tok, [...enc('a'), fixture.specialIds['<|fim_middle|>']], tok.vocabSize)).toBeUndefined();
    expect(healPrompt(tok, [], tok.vocabSize)).toBeUndefined();
    const euro = enc('€'); // 3 byte tokens: the last is a continuation byte, not a whole character
    expect(euro).toHaveLength(3);
    expect(healPrompt(tok, euro, tok.vocabSize)).toBeUndefined();
  });

  test('specials, banned ids and model rows beyond the tokenizer vocabulary are never allowed', () => {
    const banned = new Set([id(' t'), id(' ')]);
    const h = healPrompt(tok, enc('a '), tok.vocabSize + 7, { banned })!;
    const first = h.forced.allowed(0);
    expect(first).toHaveLength(tok.vocabSize + 7);
    expect([...first.slice(tok.vocabSize)].every((x) => x === 0)).toBe(true);
    for (const i of [...tok.specialIds, ...banned]) expect(first[i]).toBe(0);
    expect(first[id(' a')]).toBe(1);
  });
});

describe('ForcedPrefix', () => {
  test('a multi-byte character may be produced by its byte tokens; the count is in bytes', () => {
    // ids: 0 "é" (2 bytes), 1 "éa", 2 first byte of "é", 3 second byte, 4 "a", 5 a special spelled "é"
    const e = bytes('é');
    const v = vocabOf(['é', 'éa', e.slice(0, 1), e.slice(1), 'a', 'é'], [5]);
    const h = healPrompt(v, [4, 0], v.vocabSize)!;
    expect(h.text).toBe('é');
    expect(h.forced.length).toBe(2);
    expect([...h.forced.allowed(0)]).toEqual([1, 1, 1, 0, 0, 0]);
    expect([...h.forced.allowed(h.forced.advance(0, 2))]).toEqual([0, 0, 0, 1, 0, 0]);
  });

  test('a token is not allowed when the rest of the text it leaves cannot be produced', () => {
    // R = "abc": "ab" would leave "c", which no token starts with; "a" leaves "bc", which "bcd" finishes
    const v = vocabOf(['abc', 'ab', 'a', 'bcd', 'x']);
    const f = new ForcedPrefix(v, bytes('abc'), v.vocabSize);
    expect([...f.allowed(0)]).toEqual([1, 0, 1, 0, 0]);
    expect([...f.allowed(1)]).toEqual([0, 0, 0, 1, 0]);
    expect(f.reachable).toBe(true);
    expect(new ForcedPrefix(vocabOf(['ab', 'x']), bytes('abc'), 2).reachable).toBe(false);
    expect(() => new ForcedPrefix(v, new Uint8Array(0), v.vocabSize)).toThrow(/forced text is empty/);
  });

  test('spellings: only their tokens consume part of the text, and finishing tokens only where one reaches its end', () => {
    // ids: 0 "a", 1 "b", 2 "ab", 3 "abc", 4 "bc", 5 "c", 6 "cd", 7 "x"; R = "abc"
    const v = vocabOf(['a', 'b', 'ab', 'abc', 'bc', 'c', 'cd', 'x']);
    const r = bytes('abc');
    expect([...new ForcedPrefix(v, r, 8).allowed(0)]).toEqual([1, 0, 1, 1, 0, 0, 0, 0]); // free: every prefix
    // spelled "a" + "bc" and "ab" + "cd"; "x" + … does not spell R and is ignored
    const f = new ForcedPrefix(v, r, 8, new Set(), [[0, 4], [2, 6], [7, 0]]);
    expect([...f.allowed(0)]).toEqual([1, 0, 1, 0, 0, 0, 0, 0]); // "abc" finishes nowhere in a spelling at 0
    expect([...f.allowed(1)]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]); // "b" + "c" is no spelling
    expect([...f.allowed(2)]).toEqual([0, 0, 0, 0, 0, 1, 1, 0]);
  });
});

test('maskRow keeps allowed logits and sets the rest to -Infinity, leaving the input alone', () => {
  const logits = Float32Array.from({ length: 12 }, () => Math.random() * 4 - 2);
  const allowed = Uint8Array.from([0, 1, 1, 0, 0, 1]);
  const row = maskRow(logits, 6, allowed);
  expect(row).toHaveLength(6);
  for (let i = 0; i < 6; i++) expect(row[i]).toBe(allowed[i] ? logits[6 + i] : -Infinity);
  expect(logits.every(Number.isFinite)).toBe(true);
});

test('endMask allows every id but the specials and end-of-text ids', () => {
  const m = endMask(new Set([5, 6]), new Set([2, 6, 99]), 8);
  expect([...m]).toEqual([1, 1, 0, 1, 1, 0, 0, 1]);
});
