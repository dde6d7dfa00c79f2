import { describe, expect, it } from 'vitest';
import { buildPrompt, fimTokens, SUFFIX_SHARE, type PromptTokenizer } from './prompt.ts';
import { commentMarker, FILE_SEP_TOKEN } from './prompt-context.ts';

/**
 * A test tokenizer for prompt layout: a word is one token, any other character is one token, and the
 * specials listed are matched as one token each when `specials` is on. Ids are assigned on first
 * sight; `text(ids)` turns ids back into text.
 */
class WordTokenizer implements PromptTokenizer {
  private ids = new Map<string, number>();
  private strs: string[] = [];
  encodeCalls: { chars: number; specials: boolean }[] = [];

  constructor(private specials: string[]) {
    for (const s of specials) this.id(s);
  }

  private id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strs.length;
      this.ids.set(s, i);
      this.strs.push(s);
    }
    return i;
  }

  encode(text: string, opts?: { specials?: boolean }): number[] {
    const specials = opts?.specials ?? true;
    this.encodeCalls.push({ chars: text.length, specials });
    const out: number[] = [];
    const alt = specials && this.specials.length ? this.specials.map((s) => s.replace(/\|/g, '\\|')).join('|') + '|' : '';
    for (const m of text.matchAll(new RegExp(`${alt}[a-z]+|[^]`, 'gu'))) {
      // with specials off, a special's spelling is ordinary text and must never become its id
      out.push(this.id(!specials && this.specials.includes(m[0]) ? `text:${m[0]}` : m[0]));
    }
    return out;
  }

  tokenId(token: string): number | undefined {
    return this.specials.includes(token) ? this.ids.get(token) : undefined;
  }

  text(ids: number[]): string {
    return ids.map((i) => this.strs[i].replace(/^text:/, '')).join('');
  }
}

const QWEN_FIM = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|endoftext|>'];
const STAR_FIM = ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'];

describe('fimTokens', () => {
  it('finds either spelling, and only a complete set', () => {
    expect(fimTokens(new WordTokenizer(QWEN_FIM))).toEqual({ prefix: 0, suffix: 1, middle: 2 });
    expect(fimTokens(new WordTokenizer(STAR_FIM))).toEqual({ prefix: 0, suffix: 1, middle: 2 });
    expect(fimTokens(new WordTokenizer(['<|fim_prefix|>', '<|fim_middle|>']))).toBeUndefined();
    expect(fimTokens(new WordTokenizer([]))).toBeUndefined();
  });
});

describe('buildPrompt', () => {
  it('lays out prefix–suffix–middle when FIM tokens exist and a suffix is given', () => {
    for (const specials of [QWEN_FIM, STAR_FIM]) {
      const tok = new WordTokenizer(specials);
      const r = buildPrompt(tok, { prefix: 'def f(x):\n    ', suffix: '\n\nprint(f(2))' }, 1000, 64);
      expect(r.fim).toBe(true);
      expect(r.truncated).toBe(false);
      expect(tok.text(r.ids)).toBe(`${specials[0]}def f(x):\n    ${specials[1]}\n\nprint(f(2))${specials[2]}`);
      expect(r.ids[0]).toBe(tok.tokenId(specials[0]));
      expect(r.ids.at(-1)).toBe(tok.tokenId(specials[2]));
      // the prefix's tokens end at the suffix token
      expect(r.ids[r.prefixEnd]).toBe(tok.tokenId(specials[1]));
      expect(tok.text(r.ids.slice(1, r.prefixEnd))).toBe('def f(x):\n    ');
    }
  });

  it('uses the prefix alone without a suffix, or without FIM tokens', () => {
    const fimTok = new WordTokenizer(QWEN_FIM);
    expect(buildPrompt(fimTok, { prefix: 'abc(' }, 100, 10)).toEqual({
      ids: fimTok.encode('abc('),
      truncated: false,
      fim: false,
      prefixStart: 0,
      prefixEnd: 2,
      contextChunks: 0,
      contextTokens: 0,
    });
    expect(buildPrompt(fimTok, { prefix: 'abc(', suffix: '' }, 100, 10).fim).toBe(false);
    const plain = new WordTokenizer(['<|endoftext|>']);
    const r = buildPrompt(plain, { prefix: 'abc(', suffix: ')' }, 100, 10);
    expect(r.fim).toBe(false);
    expect(plain.text(r.ids)).toBe('abc(');
  });

  it('encodes user text with specials off, so typed control tokens stay text', () => {
    const tok = new WordTokenizer(QWEN_FIM);
    const r = buildPrompt(tok, { prefix: 'x<|fim_middle|>', suffix: '<|endoftext|>y' }, 100, 10);
    const controls = new Set([0, 1, 2, 3]);
    // exactly the three layout tokens are controls; the typed ones became ordinary ids
    expect(r.ids.filter((i) => controls.has(i))).toEqual([0, 1, 2]);
    expect(tok.encodeCalls.every((c) => !c.specials)).toBe(true);
    expect(tok.text(r.ids)).toBe('<|fim_prefix|>x<|fim_middle|><|fim_suffix|><|endoftext|>y<|fim_middle|>');
  });

  it('cuts the start of the prefix to fit contextLimit − reserve and keeps the text nearest the cursor', () => {
    const tok = new WordTokenizer([]);
    const prefix = Array.from({ length: 50 }, (_, i) => `w${'abcdefghij'[i % 10]}`).join(' '); // 149 tokens
    const r = buildPrompt(tok, { prefix }, 64, 24);
    expect(r.ids).toHaveLength(40);
    expect(r.truncated).toBe(true);
    expect(prefix.endsWith(tok.text(r.ids))).toBe(true);
    // exactly at the limit: not truncated
    const exact = tok.encode(prefix).length;
    expect(buildPrompt(tok, { prefix }, exact + 24, 24)).toMatchObject({ truncated: false });
    expect(buildPrompt(tok, { prefix }, exact + 23, 24)).toMatchObject({ truncated: true });
  });

  it('does not encode the whole of a huge prefix, and still returns exactly its last tokens', () => {
    const tok = new WordTokenizer([]);
    const words = Array.from({ length: 200_000 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz'.slice(0, 1 + (i % 7)));
    const prefix = words.join(' ');
    const r = buildPrompt(tok, { prefix }, 2048, 48);
    expect(r.ids).toHaveLength(2000);
    expect(r.truncated).toBe(true);
    const full = tok.encode(prefix);
    expect(r.ids).toEqual(full.slice(full.length - 2000));
    expect(Math.max(...tok.encodeCalls.slice(0, -1).map((c) => c.chars))).toBeLessThan(prefix.length / 10);
  });

  it('drops a token split by the window cut instead of keeping a fragment', () => {
    // Windows of the last 64, 128, ... characters cut inside 26-letter words; a fragment such as
    // "uvwxyz" must never appear: the result is always exactly the end of the full encoding.
    const tok = new WordTokenizer([]);
    const prefix = 'abcdefghijklmnopqrstuvwxyz '.repeat(40);
    const full = tok.encode(prefix);
    for (let budget = 1; budget <= 40; budget++) {
      const r = buildPrompt(tok, { prefix }, budget, 0);
      expect(r.ids, `budget ${budget}`).toEqual(full.slice(full.length - budget));
      expect(r.truncated).toBe(true);
    }
  });

  it('keeps whole surrogate pairs when the window cuts inside one', () => {
    const tok = new WordTokenizer([]);
    const prefix = '😀'.repeat(300);
    const r = buildPrompt(tok, { prefix }, 100, 0);
    expect(r.ids).toHaveLength(100);
    expect(tok.text(r.ids)).toBe('😀'.repeat(100));
  });

  it('FIM: trims the suffix end only as far as needed, preferring the prefix', () => {
    const tok = new WordTokenizer(QWEN_FIM);
    const prefix = 'p '.repeat(100); // 200 tokens
    const suffix = ' s'.repeat(100); // 200 tokens
    // room for everything
    expect(buildPrompt(tok, { prefix, suffix }, 1000, 0)).toMatchObject({ truncated: false, fim: true });
    // avail 300: the prefix fits whole (200), the suffix gets the remaining 100 from its start
    let r = buildPrompt(tok, { prefix, suffix }, 303, 0);
    expect(r.ids).toHaveLength(303);
    expect(r.truncated).toBe(true);
    expect(tok.text(r.ids)).toBe(`<|fim_prefix|>${prefix}<|fim_suffix|>${' s'.repeat(50)}<|fim_middle|>`);
    // avail 100: the suffix keeps its minimum share (25), the prefix the rest (75) from its end
    r = buildPrompt(tok, { prefix, suffix }, 103, 0);
    const sufKeep = Math.floor(100 * SUFFIX_SHARE);
    expect(r.ids).toHaveLength(103);
    expect(r.prefixEnd).toBe(1 + 100 - sufKeep); // the truncated prefix's 75 tokens after the prefix token
    expect(tok.text(r.ids)).toBe(
      `<|fim_prefix|>${' p'.repeat(37)} <|fim_suffix|>${' s'.repeat(Math.floor(sufKeep / 2))} <|fim_middle|>`,
    );
    // a short suffix is never cut to give the prefix more room than it can use
    r = buildPrompt(tok, { prefix, suffix: ' s' }, 103, 0);
    expect(tok.text(r.ids)).toBe(`<|fim_prefix|>${prefix.slice(-98)}<|fim_suffix|> s<|fim_middle|>`);
  });

  it('throws a readable error when the reserve leaves no room', () => {
    const tok = new WordTokenizer([]);
    expect(() => buildPrompt(tok, { prefix: 'a' }, 64, 64)).toThrow(/leave no room for the prompt.*lower max tokens/);
  });

  it('falls back to the prefix alone when only the FIM tokens would fit', () => {
    const tok = new WordTokenizer(QWEN_FIM);
    const r = buildPrompt(tok, { prefix: 'a b c', suffix: 'd' }, 3, 0);
    expect(r).toMatchObject({ fim: false, truncated: true, prefixEnd: 3 });
    expect(tok.text(r.ids)).toBe(' b c'.slice(-3));
  });
});

describe('buildPrompt with chunks of other files', () => {
  const a = { name: 'src/math.ts', text: 'export const add = (a, b) => a + b;' };
  const b = { name: 'src/util.ts', text: 'export function clamp(x, lo, hi) {}\n' };

  it('leaves them out without a budget, and changes nothing else', () => {
    const tok = new WordTokenizer(QWEN_FIM);
    const input = { prefix: 'let x = ', suffix: ';\n' };
    const plain = buildPrompt(tok, input, 200, 16);
    expect(buildPrompt(tok, { ...input, context: [a, b], contextTokens: 0 }, 200, 16)).toEqual(plain);
    expect(plain).toMatchObject({ contextChunks: 0, contextTokens: 0, prefixStart: 1 });
  });

  it('plain layout: each chunk under a comment naming its file, the most relevant nearest the cursor', () => {
    const tok = new WordTokenizer(['<|endoftext|>']);
    const r = buildPrompt(tok, { prefix: 'add(', context: [a, b], contextTokens: 1000 }, 1000, 16);
    expect(tok.text(r.ids)).toBe(`// src/util.ts\n${b.text}\n// src/math.ts\n${a.text}\n\nadd(`);
    expect(r).toMatchObject({ fim: false, truncated: false, contextChunks: 2, contextTokens: r.prefixStart });
    expect(tok.text(r.ids.slice(r.prefixStart, r.prefixEnd))).toBe('add(');
  });

  it('plain layout with FIM: the chunks open the prefix, after the FIM prefix token', () => {
    const tok = new WordTokenizer(QWEN_FIM);
    const r = buildPrompt(tok, { prefix: 'add(', suffix: ')', context: [a], contextTokens: 1000 }, 1000, 16);
    expect(tok.text(r.ids)).toBe(`<|fim_prefix|>// src/math.ts\n${a.text}\n\nadd(<|fim_suffix|>)<|fim_middle|>`);
    expect(tok.text(r.ids.slice(r.prefixStart, r.prefixEnd))).toBe('add(');
    expect(r.ids[r.prefixEnd]).toBe(tok.tokenId('<|fim_suffix|>'));
  });

  it('repository layout with <|file_sep|>: chunks and the current file named before the FIM prefix token', () => {
    const tok = new WordTokenizer([...QWEN_FIM, FILE_SEP_TOKEN]);
    const r = buildPrompt(tok, { prefix: 'add(', suffix: ')', context: [a, b], contextTokens: 1000, fileName: 'src/main.ts' }, 1000, 16);
    expect(tok.text(r.ids)).toBe(
      `<|file_sep|>src/util.ts\n${b.text}<|file_sep|>src/math.ts\n${a.text}\n<|file_sep|>src/main.ts\n` +
        '<|fim_prefix|>add(<|fim_suffix|>)<|fim_middle|>',
    );
    expect(r.contextChunks).toBe(2);
    expect(tok.text(r.ids.slice(r.prefixStart, r.prefixEnd))).toBe('add(');
  });

  it('takes whole chunks within the budget: one too big is skipped, a smaller one after it still fits', () => {
    const tok = new WordTokenizer(['<|endoftext|>']);
    const big = { name: 'big.ts', text: 'word '.repeat(100) };
    const small = tok.encode(`// ${a.name}\n${a.text}\n\n`).length;
    const r = buildPrompt(tok, { prefix: 'x', context: [big, a], contextTokens: small }, 1000, 16);
    expect(r.contextChunks).toBe(1);
    expect(r.contextTokens).toBe(small);
    expect(buildPrompt(tok, { prefix: 'x', context: [big, a], contextTokens: small - 1 }, 1000, 16).contextChunks).toBe(0);
  });

  it('never takes more than half the room from a prefix that needs it; a short prefix leaves the chunks more', () => {
    const tok = new WordTokenizer(['<|endoftext|>']);
    const chunks = Array.from({ length: 8 }, (_, i) => ({ name: `f${i}.ts`, text: 'abc '.repeat(10) }));
    const long = 'word '.repeat(500);
    const r = buildPrompt(tok, { prefix: long, context: chunks, contextTokens: 10_000 }, 256, 16); // room 240
    expect(r.contextTokens).toBeGreaterThan(0);
    expect(r.contextTokens).toBeLessThanOrEqual(120);
    expect(r.ids).toHaveLength(240);
    expect(r.truncated).toBe(true);
    expect(long.endsWith(tok.text(r.ids.slice(r.prefixStart)))).toBe(true);
    const short = buildPrompt(tok, { prefix: 'x = ', context: chunks, contextTokens: 10_000 }, 256, 16);
    expect(short.contextTokens).toBeGreaterThan(120);
    expect(short.ids.length).toBeLessThanOrEqual(240);
    expect(short.truncated).toBe(false);
  });

  it('names comment markers by file type', () => {
    expect(commentMarker('a.ts')).toBe('//');
    expect(commentMarker('lib/x.py')).toBe('#');
    expect(commentMarker('Makefile')).toBe('#');
    expect(commentMarker('q.sql')).toBe('--');
  });
});
