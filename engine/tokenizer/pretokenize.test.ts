// Pre-tokenizer splits on hand-checked examples. The Llama 3 and Qwen2 patterns (in the fixture) are
// copied verbatim from their tokenizer.json files (pre_tokenizer.pretokenizers[0].pattern.Regex).
import { describe, expect, it } from 'vitest';
import { LLAMA3_PATTERN, QWEN2_PATTERN } from '../../tests/fixtures/tokenizer/tiny.ts';
import { createPreTokenizer, GPT2_PATTERN, splitByRegex, type SplitBehavior } from './pretokenize.ts';

const split = (regex: string) =>
  createPreTokenizer({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false });

describe('GPT-2 pattern (ByteLevel use_regex)', () => {
  const gpt2 = split(GPT2_PATTERN);

  it('splits code, whitespace runs and contractions as GPT-2 does', () => {
    expect(gpt2("x = 2024;\r\n\treturn  y's")).toEqual([
      'x', ' =', ' 2024', ';', '\r\n', '\t', 'return', ' ', ' y', "'s",
    ]);
  });

  it('keeps contractions case-sensitive', () => {
    expect(gpt2("IT'S it's")).toEqual(['IT', "'", 'S', ' it', "'s"]);
  });

  it('treats U+0085 as whitespace and U+FEFF as not (Unicode White_Space, as Oniguruma)', () => {
    expect(gpt2('a\u0085\u0085b')).toEqual(['a', '\u0085', '\u0085', 'b']);
    expect(gpt2('\ufeffa b')).toEqual(['\ufeff', 'a', ' b']);
  });
});

describe('Llama 3 pattern', () => {
  const llama3 = split(LLAMA3_PATTERN);

  it('matches contractions case-insensitively and splits digits into groups of up to 3', () => {
    expect(llama3("I'M here, you'RE 12345 ok")).toEqual([
      'I', "'M", ' here', ',', ' you', "'RE", ' ', '123', '45', ' ok',
    ]);
    expect(llama3("DON'T don't")).toEqual(['DON', "'T", ' don', "'t"]);
    // Without case-insensitivity "'LLX" would be one piece ([^\r\n\p{L}\p{N}]?\p{L}+).
    expect(llama3("YOU'LLX you'llx")).toEqual(['YOU', "'LL", 'X', ' you', "'ll", 'x']);
  });

  it('keeps newline runs together and gives a letter run one leading non-letter', () => {
    expect(llama3('a\n\n  b')).toEqual(['a', '\n\n', ' ', ' b']);
    expect(llama3('x = 1;\r\n\treturn')).toEqual(['x', ' =', ' ', '1', ';\r\n', '\treturn']);
    expect(llama3('foo.bar_baz')).toEqual(['foo', '.bar', '_baz']);
  });

  it('splits long numbers into groups of three from the left', () => {
    expect(llama3('1234567890')).toEqual(['123', '456', '789', '0']);
  });
});

describe('Qwen2 pattern', () => {
  const qwen2 = split(QWEN2_PATTERN);

  it('splits every digit on its own', () => {
    expect(qwen2('x = 2024;')).toEqual(['x', ' =', ' ', '2', '0', '2', '4', ';']);
  });

  it('matches contractions case-insensitively and handles newlines like Llama 3', () => {
    expect(qwen2("We'LLsee")).toEqual(['We', "'LL", 'see']);
    expect(qwen2('}\n\n    return')).toEqual(['}\n\n', '   ', ' return']);
  });
});

describe('Split behaviours (HF documentation example "the-final--countdown")', () => {
  const text = 'the-final--countdown';
  const cases: Record<SplitBehavior, string[]> = {
    Removed: ['the', 'final', 'countdown'],
    Isolated: ['the', '-', 'final', '-', '-', 'countdown'],
    MergedWithPrevious: ['the-', 'final-', '-', 'countdown'],
    MergedWithNext: ['the', '-final', '-', '-countdown'],
    Contiguous: ['the', '-', 'final', '--', 'countdown'],
  };
  for (const [behavior, expected] of Object.entries(cases)) {
    it(behavior, () => {
      const pre = createPreTokenizer({ type: 'Split', pattern: { String: '-' }, behavior, invert: false });
      expect(pre(text)).toEqual(expected);
    });
  }

  it('invert makes the gaps the delimiters', () => {
    expect(splitByRegex('ab12cd', /\p{L}+/gu, 'Removed', true)).toEqual(['ab', 'cd']);
    expect(splitByRegex('ab12cd', /\p{L}+/gu, 'Removed', false)).toEqual(['12']);
  });
});

describe('Digits and ByteLevel pre-tokenizers', () => {
  it('Digits splits off each digit, or runs of digits', () => {
    expect(createPreTokenizer({ type: 'Digits', individual_digits: true })('ab123c')).toEqual(['ab', '1', '2', '3', 'c']);
    expect(createPreTokenizer({ type: 'Digits', individual_digits: false })('ab123c')).toEqual(['ab', '123', 'c']);
  });

  it('ByteLevel maps bytes to characters, with the prefix space and regex options', () => {
    const bl = (add_prefix_space: boolean, use_regex: boolean) =>
      createPreTokenizer({ type: 'ByteLevel', add_prefix_space, trim_offsets: true, use_regex });
    expect(bl(false, true)('hello world\n')).toEqual(['hello', 'Ġworld', 'Ċ']);
    expect(bl(true, true)('hello world')).toEqual(['Ġhello', 'Ġworld']);
    expect(bl(true, true)(' hello')).toEqual(['Ġhello']);
    expect(bl(false, false)('hello world')).toEqual(['helloĠworld']);
    expect(bl(false, false)('é')).toEqual(['Ã©']);
  });

  it('Sequence runs Split then ByteLevel over every piece', () => {
    const pre = createPreTokenizer({
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    });
    expect(pre("It's 12345\n")).toEqual(['It', "'s", 'Ġ', '123', '45', 'Ċ']);
  });

  it('null pre-tokenizer keeps the text whole', () => {
    expect(createPreTokenizer(null)('a b')).toEqual(['a b']);
    expect(createPreTokenizer(null)('')).toEqual([]);
  });
});

describe('pre-tokenizer config errors', () => {
  it('names the field and the supported types for an unknown type', () => {
    expect(() => createPreTokenizer({ type: 'Metaspace', replacement: '▁' })).toThrow(
      /pre_tokenizer\.type is "Metaspace"; supported pre-tokenizers: ByteLevel, Split, Digits, Sequence/,
    );
    expect(() =>
      createPreTokenizer({ type: 'Sequence', pretokenizers: [{ type: 'ByteLevel' }, { type: 'Whitespace' }] }),
    ).toThrow(/pre_tokenizer\.pretokenizers\[1\]\.type is "Whitespace"/);
  });

  it('rejects a bad Split behaviour or pattern', () => {
    expect(() => createPreTokenizer({ type: 'Split', pattern: { String: '-' }, behavior: 'Dropped' })).toThrow(
      /pre_tokenizer\.behavior is "Dropped"; supported: Removed, Isolated/,
    );
    expect(() => createPreTokenizer({ type: 'Split', pattern: {}, behavior: 'Isolated' })).toThrow(
      /pre_tokenizer\.pattern must be \{"Regex"/,
    );
  });
});
