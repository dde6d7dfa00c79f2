// Oniguruma → JS regex translation: each construct against its Oniguruma meaning.
import { describe, expect, it } from 'vitest';
import { compileOnigRegex, translateOnigRegex } from './onig-regex.ts';

const all = (pattern: string, text: string) => [...text.matchAll(compileOnigRegex(pattern))].map((m) => m[0]);
const whole = (pattern: string, text: string) => compileOnigRegex(`\\A(?:${pattern})\\z`, 'u').test(text);

describe('translateOnigRegex', () => {
  it('expands (?i:…) to case-fold classes, matching what JS /iu matches for every BMP character', () => {
    const contractions = "'s|'t|'re|'ve|'m|'ll|'d";
    expect(all(`(?i:${contractions})`, "'S 'Re 'LL 'd 'x")).toEqual(["'S", "'Re", "'LL", "'d"]);
    const translated = compileOnigRegex('^(?i:s)$', 'u');
    for (const letter of 'strevmld') {
      const ours = compileOnigRegex(`^(?i:${letter})$`, 'u');
      const native = new RegExp(`^${letter}$`, 'iu');
      for (let cp = 0; cp < 0x10000; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const c = String.fromCharCode(cp);
        if (ours.test(c) !== native.test(c)) throw new Error(`${letter} vs U+${cp.toString(16)}`);
      }
    }
    expect(translated.test('ſ')).toBe(true); // U+017F LATIN SMALL LETTER LONG S folds to s
  });

  it('scopes (?i) to the rest of its group and (?-i:…) turns it off', () => {
    expect(whole('a(?i)b', 'aB')).toBe(true);
    expect(whole('a(?i)b', 'AB')).toBe(false);
    expect(whole('(?:(?i)a)b', 'AB')).toBe(false);
    expect(whole('(?i:a(?-i:b))', 'Ab')).toBe(true);
    expect(whole('(?i:a(?-i:b))', 'AB')).toBe(false);
  });

  it('makes atomic groups and possessive quantifiers give up no characters', () => {
    expect(whole('(?:a+)a', 'aaa')).toBe(true);
    expect(whole('(?>a+)a', 'aaa')).toBe(false);
    expect(whole('a++a', 'aaa')).toBe(false);
    expect(whole('a*+b', 'aab')).toBe(true);
    expect(all("[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*", '.ab ..\n')).toEqual(['.ab', ' ..\n']);
    // X{n}+ is (?:X{n})+ in Oniguruma's default syntax, not possessive.
    expect(all('a{2}+', 'aaaaa')).toEqual(['aaaa']);
  });

  it('uses Oniguruma meanings of \\s, \\d, \\w, \\h, ., ^ and $', () => {
    expect(whole('\\s', '\u0085')).toBe(true);
    expect(whole('\\s', '\ufeff')).toBe(false);
    expect(whole('[^\\s]', '\ufeff')).toBe(true);
    expect(whole('\\d+', '١٢٣')).toBe(true);
    expect(whole('\\w+', 'naïve_名前')).toBe(true);
    expect(whole('\\h+', 'c0FFee')).toBe(true);
    expect(whole('.', '\r')).toBe(true);
    expect(whole('.', '\n')).toBe(false);
    expect(all('^a|b$', 'ab\nab')).toEqual(['a', 'b', 'a', 'b']);
  });

  it('translates Oniguruma-only escapes and literals', () => {
    expect(whole('\\x{1F600}', '😀')).toBe(true);
    expect(whole('\\p{^L}', '1')).toBe(true);
    expect(whole('\\PL', '1')).toBe(true);
    expect(whole('\\p{Han}+', '中文')).toBe(true);
    expect(whole("\\'a\\-", "'a-")).toBe(true);
    expect(whole('a{,2}', 'aa')).toBe(true);
    expect(whole('{a}', '{a}')).toBe(true);
    expect(whole('\\bab\\b', 'ab')).toBe(true);
    expect(all('\\bé', 'café é')).toEqual(['é']);
  });

  it('rejects constructs it cannot translate, naming them', () => {
    expect(() => translateOnigRegex('(a)\\1')).toThrow(/backreference.*\\1/);
    expect(() => translateOnigRegex('[[:alpha:]]')).toThrow(/nested character class or POSIX bracket/);
    expect(() => translateOnigRegex('(?x) a')).toThrow(/inline option/);
    expect(() => translateOnigRegex('(?i:[a-z])')).toThrow(/case-insensitive character class/);
    expect(() => translateOnigRegex('[a-z&&[^q]]')).toThrow(/nested character class|intersection/);
    expect(() => translateOnigRegex('(ab')).toThrow(/unterminated group/);
    expect(() => compileOnigRegex('\\p{NoSuchProperty}')).toThrow(/Unicode property/);
  });
});
