// Token healing on the test fixture's byte-level BPE tokenizer (256 bytes + code merges + FIM specials).
import { describe, test, expect } from 'vitest';
import { Tokenizer } from './tokenizer/index.ts';
import { healPrompt, maskRow } from './token-healing.ts';
import { byteLevelTokenizer } from '../tests/fixtures/make-model.ts';

const fixture = byteLevelTokenizer();
const tok = Tokenizer.fromJSON(fixture.json);
const enc = (s: string) => tok.encode(s, { specials: false });
const bytes = (s: string) => new TextEncoder().encode(s);

function startsWithBytes(b: Uint8Array, p: Uint8Array): boolean {
  return b.length >= p.length && p.every((x, i) => b[i] === x);
}

describe('healPrompt', () => {
  test('a trailing space is taken back; exactly the tokens starting with it are allowed', () => {
    const ids = enc('let y = ');
    const h = healPrompt(tok, ids, tok.vocabSize)!;
    expect(h.text).toBe(' ');
    expect(h.ids).toEqual(ids.slice(0, -1));
    for (let id = 0; id < tok.vocabSize; id++) {
      const want = !tok.specialIds.has(id) && startsWithBytes(tok.bytesOf(id), bytes(' '));
      expect(h.allowed[id], `token ${id} ${JSON.stringify(tok.decode([id]))}`).toBe(want ? 1 : 0);
    }
    // ' t', ' a', '  ', ' return' are among them; 't' and the specials are not
    for (const s of [' ', ' t', ' a', '  ', ' return']) expect(h.allowed[tok.tokenId(s.replace(/ /g, 'Ġ'))!]).toBe(1);
    expect(h.allowed[tok.tokenId('t')!]).toBe(0);
    for (const id of tok.specialIds) expect(h.allowed[id]).toBe(0);
  });

  test('mid-word: " re" may become " return"', () => {
    const h = healPrompt(tok, enc('  re'), tok.vocabSize)!;
    expect(h.text).toBe(' re');
    expect(h.allowed[tok.tokenId('Ġreturn')!]).toBe(1);
    expect(h.allowed[tok.tokenId('Ġret')!]).toBe(1);
    expect(h.allowed[tok.tokenId('Ġr')!]).toBe(0); // shorter than the healed text
  });

  test('nothing to heal: no longer token, a special last token, an empty prompt, a split character', () => {
    expect(healPrompt(tok, enc('x = 1;'), tok.vocabSize)).toBeUndefined(); // ';' starts no merge
    expect(healPrompt(tok, [...enc('a'), fixture.specialIds['<|fim_middle|>']], tok.vocabSize)).toBeUndefined();
    expect(healPrompt(tok, [], tok.vocabSize)).toBeUndefined();
    const euro = enc('€'); // 3 byte tokens: the last is a continuation byte, not a whole character
    expect(euro).toHaveLength(3);
    expect(healPrompt(tok, euro, tok.vocabSize)).toBeUndefined();
  });

  test('model rows beyond the tokenizer vocabulary are never allowed', () => {
    const h = healPrompt(tok, enc('a '), tok.vocabSize + 7)!;
    expect(h.allowed).toHaveLength(tok.vocabSize + 7);
    expect([...h.allowed.slice(tok.vocabSize)].every((x) => x === 0)).toBe(true);
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
