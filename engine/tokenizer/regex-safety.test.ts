import { describe, expect, it } from 'vitest';
import { nestedUnboundedRepeat } from './regex-safety.ts';
import { compileOnigRegex } from './onig-regex.ts';

// The split patterns of the tokenizers the engine supports (tokenizer.json `Split` / ByteLevel).
const REAL = [
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", // GPT-2
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", // Llama-3
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", // Qwen2
  '[\\r\\n]', '\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓ]+', '\\s?[!-/:-~！-／：-～‘-‟　-。]+', '\\s+$', '[一-龥ࠀ-一가-퟿]+', '\\p{N}+', // DeepSeek-Coder
  '\\p{N}{1}', // StarCoder digits
];

describe('nestedUnboundedRepeat', () => {
  it('passes the patterns of real tokenizers', () => {
    for (const p of REAL) expect(nestedUnboundedRepeat(p), p).toBeUndefined();
  });

  it('finds a group repeated without bound around a repetition', () => {
    expect(nestedUnboundedRepeat('(x+x+)+y')).toBe('(x+x+)+');
    expect(nestedUnboundedRepeat('a(?:b|c*)*d')).toBe('(?:b|c*)*');
    expect(nestedUnboundedRepeat('((ab)+c)+')).toBe('((ab)+c)+');
    expect(nestedUnboundedRepeat('(\\s+)+$')).toBe('(\\s+)+');
    expect(nestedUnboundedRepeat('([a-z]+){2,}')).toBe('([a-z]+){2,}');
  });

  it('finds a repeated alternation whose branches can match the same text', () => {
    expect(nestedUnboundedRepeat('(a|aa)+b')).toBe('(a|aa)+');
    expect(nestedUnboundedRepeat('x(?:\\w|\\d)*y')).toBe('(?:\\w|\\d)*');
    expect(nestedUnboundedRepeat('(?i:(A|a){2,})')).toBe('(A|a){2,}');
    expect(nestedUnboundedRepeat('(ab|a.)+')).toBe('(ab|a.)+');
    expect(nestedUnboundedRepeat('(?<n>x|[xy])+')).toBe('(?<n>x|[xy])+');
  });

  it('allows bounded outer repeats, atomic groups, possessive repeats, disjoint literal alternations and quantifier characters in classes or escapes', () => {
    for (const p of ['(x+){1,3}', '(?>x+)+', '(x+)++', '[+*]+', '\\++', '(a|b)+', '(?:ab|cd|\\.e)*', '(a|aa){1,4}', '(?>a|aa)+', '\\x{41}+', '(ab)+c*', "(?i:'s|'t)|x+"]) {
      expect(nestedUnboundedRepeat(p), p).toBeUndefined();
    }
  });

  it('compileOnigRegex refuses such a pattern, saying why', () => {
    expect(() => compileOnigRegex('(x+x+)+y')).toThrow(/repeats "\(x\+x\+\)\+", a group that itself repeats without bound .* exponential time/);
    expect(() => compileOnigRegex('(a|aa)+b')).toThrow(/repeats "\(a\|aa\)\+", .*alternatives can match the same text/);
    for (const p of REAL) expect(() => compileOnigRegex(p), p).not.toThrow();
  });
});
