// End-to-end behaviour of Tokenizer on a tiny hand-made Qwen2-style tokenizer.json (ids checked by hand:
// ids 0-255 are bytes, 256+ are the merges and added tokens listed in the fixture).
import { describe, expect, it } from 'vitest';
import { LLAMA3_PATTERN, tinyTokenizerJson } from '../../tests/fixtures/tokenizer/tiny.ts';
import { Tokenizer } from './tokenizer.ts';

const bytes = (s: string) => [...new TextEncoder().encode(s)];
const tiny = Tokenizer.fromJSON(tinyTokenizerJson());

describe('Tokenizer on a tiny Qwen2-style tokenizer.json', () => {
  it('applies merges by rank', () => {
    expect(tiny.encode('hello world')).toEqual([259, 264]);
    expect(tiny.encode('hello')).toEqual([259]);
    expect(tiny.encode('help')).toEqual([256, 108, 112]);
    expect(tiny.encode('\n\n')).toEqual([266]);
  });

  it('reads merges given as pairs exactly like "a b" strings', () => {
    const pairs = Tokenizer.fromJSON(tinyTokenizerJson({ mergesAsPairs: true }));
    expect(pairs.encode('hello world\n\n12')).toEqual(tiny.encode('hello world\n\n12'));
  });

  it("follows the pre-tokenizer: Qwen2 splits digits singly, Llama 3's groups allow the 12 merge", () => {
    expect(tiny.encode('12')).toEqual([49, 50]);
    const llama = Tokenizer.fromJSON(tinyTokenizerJson({ pattern: LLAMA3_PATTERN }));
    expect(llama.encode('12')).toEqual([265]);
  });

  it('applies the NFC normalizer to text', () => {
    expect(tiny.encode('e\u0301')).toEqual([0xc3, 0xa9]);
    expect(tiny.decode([0xc3, 0xa9])).toBe('é');
  });

  it('matches added tokens as whole tokens, longest first', () => {
    expect(tiny.encode('<|fim_prefix|>hello<|fim_suffix|> world<|fim_middle|>')).toEqual([267, 259, 268, 264, 269]);
    expect(tiny.encode('<|x|>!')).toEqual([271]);
    expect(tiny.encode('<|x|>?')).toEqual([270, 63]);
  });

  it('treats special tokens as plain text with specials off; non-special added tokens still match', () => {
    // "<|fim_prefix|>hello" pre-tokenizes to "<|", "fim", "_prefix", "|>", "hello".
    expect(tiny.encode('<|fim_prefix|>hello', { specials: false })).toEqual([...bytes('<|fim_prefix|>'), 259]);
    expect(tiny.encode('a\n\n\nb', { specials: false })).toEqual([97, 272, 98]);
    expect(tiny.encode('a\n\n\nb')).toEqual([97, 272, 98]);
  });

  it('honours single_word, lstrip and rstrip', () => {
    expect(tiny.encode('foo bar')).toEqual([273, ...bytes(' bar')]);
    expect(tiny.encode('food')).toEqual(bytes('food'));
    expect(tiny.encode('xfoo')).toEqual(bytes('xfoo'));
    expect(tiny.encode('a  <mask>b')).toEqual([97, 274, 98]);
    expect(tiny.encode('<sep>  b')).toEqual([275, 98]);
  });

  it('ignore_merges maps a word that is in the vocab straight to its id', () => {
    const extraVocab = { abc: 276 };
    expect(Tokenizer.fromJSON(tinyTokenizerJson({ extraVocab })).encode('abc')).toEqual([97, 98, 99]);
    expect(Tokenizer.fromJSON(tinyTokenizerJson({ extraVocab, ignoreMerges: true })).encode('abc')).toEqual([276]);
  });

  it('decodes added tokens, including ones outside the byte alphabet', () => {
    const ids = tiny.encode('<|fim_prefix|>hello\n\n\nworld');
    expect(ids).toContain(272);
    expect(tiny.decode(ids)).toBe('<|fim_prefix|>hello\n\n\nworld');
  });

  it('round-trips arbitrary text, including a leading byte-order mark', () => {
    for (const text of ['\ufeffcode', 'ünïcödé 😀 日本', 'x\r\n\ty', '']) {
      expect(tiny.decode(tiny.encode(text))).toBe(text);
    }
  });

  it('looks up tokens and ids and reports vocab size and special ids', () => {
    expect(tiny.vocabSize).toBe(276);
    expect(tiny.tokenId('<|fim_prefix|>')).toBe(267);
    expect(tiny.tokenId('hello')).toBe(259);
    expect(tiny.tokenId('Ġworld')).toBe(264);
    expect(tiny.tokenId('nope')).toBeUndefined();
    expect(tiny.token(259)).toBe('hello');
    expect(tiny.token(272)).toBe('\n\n\n');
    expect(tiny.token(9999)).toBeUndefined();
    expect(tiny.token(-1)).toBeUndefined();
    expect([...tiny.specialIds].sort((a, b) => a - b)).toEqual([267, 268, 269, 270, 271, 274, 275]);
  });

  it('decodes ids that have no token to nothing', () => {
    expect(tiny.decode([259, 9999, 264])).toBe('hello world');
  });
});

describe('StreamDecoder', () => {
  it('holds back an incomplete UTF-8 character until its last byte arrives', () => {
    const d = tiny.decoder();
    expect(bytes('😀').map((b) => d.push(b))).toEqual(['', '', '', '😀']);
    expect([0xc3, 0xa9].map((b) => d.push(b))).toEqual(['', 'é']);
    expect(d.push(259)).toBe('hello');
    expect(d.flush()).toBe('');
  });

  it('emits U+FFFD for invalid bytes at once and for a truncated character on flush', () => {
    const d = tiny.decoder();
    expect(d.push(0xff)).toBe('\ufffd');
    expect(d.push(0xc3)).toBe('');
    expect(d.push(97)).toBe('\ufffda');
    expect(d.push(0xe2)).toBe('');
    expect(d.flush()).toBe('\ufffd');
  });

  it('streams exactly what decode() returns, for random byte-token sequences', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let k = 0; k < 200; k++) {
      // Mostly bytes of valid UTF-8 text, with random bytes mixed in.
      const ids = [...bytes('aé€😀'.repeat(3))].filter(() => next() % 3 !== 0);
      for (let j = next() % 4; j > 0; j--) ids.splice(next() % (ids.length + 1), 0, next() % 276);
      const d = tiny.decoder();
      const streamed = ids.map((id) => d.push(id)).join('') + d.flush();
      expect(streamed).toBe(tiny.decode(ids));
    }
  });
});

describe('tokenizer.json errors', () => {
  const base = () => tinyTokenizerJson();

  it('rejects non-BPE models, naming the field', () => {
    const json = base();
    json.model.type = 'WordPiece';
    expect(() => Tokenizer.fromJSON(json)).toThrow(/model\.type is "WordPiece"; only "BPE" is supported/);
    expect(() => Tokenizer.fromJSON([])).toThrow(/must be a JSON object/);
    expect(() => Tokenizer.fromJSON({ decoder: { type: 'ByteLevel' } })).toThrow(/model must be an object, but is missing/);
  });

  it('reports a missing vocab or merges', () => {
    const noVocab = base();
    delete noVocab.model.vocab;
    expect(() => Tokenizer.fromJSON(noVocab)).toThrow(/model\.vocab is missing/);
    const noMerges = base();
    delete noMerges.model.merges;
    expect(() => Tokenizer.fromJSON(noMerges)).toThrow(/model\.merges is missing/);
    const badMerge = base();
    badMerge.model.merges[3] = 'a b c';
    expect(() => Tokenizer.fromJSON(badMerge)).toThrow(/model\.merges\[3\] is "a b c"/);
    const unknownMerge = base();
    unknownMerge.model.merges.unshift('q z');
    expect(() => Tokenizer.fromJSON(unknownMerge)).toThrow(/model\.merges\[0\] "q z" uses "qz", which is not in model\.vocab/);
  });

  it('refuses a Split pattern that can take exponential time (nested unbounded repeats), at load', () => {
    const evil = base();
    (evil as { pre_tokenizer: unknown }).pre_tokenizer = { type: 'Split', pattern: { Regex: '(x+x+)+y' }, behavior: 'Isolated', invert: false };
    const t0 = performance.now();
    expect(() => Tokenizer.fromJSON(evil)).toThrow(/a group that itself repeats without bound/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('refuses two tokens with one id, and ids too large to index', () => {
    const dup = base();
    const [first, second] = Object.keys(dup.model.vocab);
    dup.model.vocab[second!] = dup.model.vocab[first!];
    expect(() => Tokenizer.fromJSON(dup)).toThrow(/model\.vocab gives id \d+ to two tokens .*every token needs its own id/);
    const huge = base();
    huge.model.vocab['zz'] = 1e9;
    expect(() => Tokenizer.fromJSON(huge)).toThrow(/is 1000000000; ids above 2097151 are not supported/);
  });

  it('reports unsupported pre-tokenizers, normalizers, decoders and BPE options', () => {
    const pre = base();
    pre.pre_tokenizer.pretokenizers[1] = { type: 'Metaspace', replacement: '▁' };
    expect(() => Tokenizer.fromJSON(pre)).toThrow(
      /pre_tokenizer\.pretokenizers\[1\]\.type is "Metaspace"; supported pre-tokenizers: ByteLevel, Split, Digits, Sequence/,
    );
    const norm = base();
    norm.normalizer = { type: 'Replace', pattern: { String: ' ' }, content: '▁' };
    expect(() => Tokenizer.fromJSON(norm)).toThrow(/normalizer\.type is "Replace"; supported normalizers/);
    const dec = base();
    dec.decoder = { type: 'Metaspace' };
    expect(() => Tokenizer.fromJSON(dec)).toThrow(/decoder\.type is "Metaspace"; only "ByteLevel"/);
    const fallback = base();
    fallback.model.byte_fallback = true;
    expect(() => Tokenizer.fromJSON(fallback)).toThrow(/model\.byte_fallback is true/);
    const prefix = base();
    prefix.model.continuing_subword_prefix = '##';
    expect(() => Tokenizer.fromJSON(prefix)).toThrow(/model\.continuing_subword_prefix is "##"/);
  });

  it('reports a character missing from the vocab when encoding, when there is no unk_token', () => {
    const json = base();
    delete json.model.vocab['Ā']; // the byte 0x00
    json.model.vocab['Ā'] = undefined;
    expect(() => Tokenizer.fromJSON(json)).toThrow(/model\.vocab\["Ā"\] must be a non-negative integer id/);
    delete json.model.vocab['Ā'];
    const tok = Tokenizer.fromJSON(json);
    expect(() => tok.encode('a\0b')).toThrow(/U\+0100 \("Ā"\) is not in the vocabulary and the model has no unk_token/);
    expect(tok.encode('ab')).toEqual([97, 98]);
  });

  // Found by the fuzz suite (tests/fuzz): a tokenizer.json is untrusted; its errors stay TokenizerErrors with short messages.
  it('refuses added token ids too large to index (not "Invalid array length")', () => {
    for (const id of [2 ** 21, 2 ** 32, 1e15]) {
      const json = base() as { added_tokens: unknown[] };
      json.added_tokens.push({ id, content: '<|big|>', special: true });
      expect(() => Tokenizer.fromJSON(json)).toThrow(new RegExp(`added_tokens\\[\\d+\\]\\.id is ${id}; ids above 2097151 are not supported`));
    }
  });

  it('refuses Sequences nested past 8 deep or longer than 256 steps (not "Maximum call stack size exceeded")', () => {
    const nest = (key: 'normalizers' | 'pretokenizers', leaf: unknown, depth: number): unknown => {
      let n = leaf;
      for (let i = 0; i < depth; i++) n = { type: 'Sequence', [key]: [n] };
      return n;
    };
    const deepNorm = base() as Record<string, unknown>;
    deepNorm.normalizer = nest('normalizers', { type: 'NFC' }, 20_000);
    expect(() => Tokenizer.fromJSON(deepNorm)).toThrow(/^tokenizer\.json: normalizer(\.normalizers\[0\]){8} nests Sequences more than 8 deep/);
    const deepPre = base() as Record<string, unknown>;
    deepPre.pre_tokenizer = nest('pretokenizers', { type: 'Digits' }, 20_000);
    expect(() => Tokenizer.fromJSON(deepPre)).toThrow(/^tokenizer\.json: pre_tokenizer(\.pretokenizers\[0\]){8} nests Sequences more than 8 deep/);
    const ok = base() as Record<string, unknown>;
    ok.pre_tokenizer = nest('pretokenizers', { type: 'ByteLevel', add_prefix_space: false }, 8);
    expect(Tokenizer.fromJSON(ok).encode('ab')).toEqual([97, 98]);
    const long = base() as Record<string, unknown>;
    long.pre_tokenizer = { type: 'Sequence', pretokenizers: new Array(20_000).fill({ type: 'Digits' }) };
    expect(() => Tokenizer.fromJSON(long)).toThrow(/pre_tokenizer\.pretokenizers lists 20000 pre-tokenizers; at most 256/);
  });

  it('quotes at most a short part of huge tokens, types, ids, merges and regexes', () => {
    const huge = 'Q'.repeat(100_000);
    const edits: [(j: Record<string, any>) => void, RegExp][] = [
      [(j) => (j.model.vocab[huge] = -1), /model\.vocab\["Q{40}"… \(100000 characters\)\] must be a non-negative integer id, but is -1/],
      [(j) => (j.model.vocab['zz'] = huge), /model\.vocab\["zz"\] must be a non-negative integer id, but is a string of 100000 characters/],
      [(j) => (j.model.type = huge), /model\.type is "Q{40}"… \(100000 characters\); only "BPE"/],
      [(j) => (j.decoder = { type: huge }), /decoder\.type is "Q{40}"…/],
      [(j) => (j.normalizer = { type: huge }), /normalizer\.type is "Q{40}"…/],
      [(j) => (j.model.merges[0] = `${huge} a`), /model\.merges\[0\] "Q{40}"… \(100002 characters\) uses "Q{40}"…/],
      [(j) => (j.model.merges[0] = { a: huge }), /model\.merges\[0\] is an object; expected/],
      [(j) => (j.model.dropout = huge), /model\.dropout is a string of 100000 characters; BPE dropout/],
      [(j) => (j.model.unk_token = huge), /model\.unk_token is "Q{40}"…/],
      [(j) => (j.model.ignore_merges = huge), /model\.ignore_merges must be true or false, but is a string of 100000 characters/],
      [(j) => (j.pre_tokenizer = { type: 'Split', pattern: { String: 'a' }, behavior: huge }), /behavior is a string of 100000 characters; supported: Removed/],
      // onig-regex.ts quotes the whole pattern (and parts of it); the Split step cuts every long copy of it.
      [(j) => (j.pre_tokenizer = { type: 'Split', pattern: { Regex: `\\p{${huge}}` }, behavior: 'Isolated' }), /pre_tokenizer\.pattern\.Regex \(100004 characters\): Unsupported regex construct Unicode property \\p\{Q{30,40}… at offset 0/],
      [(j) => (j.pre_tokenizer = { type: 'Split', pattern: { Regex: `(${huge}` }, behavior: 'Isolated' }), /pre_tokenizer\.pattern\.Regex \(100001 characters\): Unsupported regex construct unterminated group/],
    ];
    for (const [edit, want] of edits) {
      const json = base() as Record<string, any>;
      edit(json);
      let msg = '';
      try {
        Tokenizer.fromJSON(json);
      } catch (e) {
        expect((e as Error).name).toBe('TokenizerError');
        msg = (e as Error).message;
      }
      expect(msg).toMatch(want);
      expect(msg.length, msg.slice(0, 200)).toBeLessThan(500);
      expect(msg).not.toMatch(/Q{81}/);
    }
  });
});

