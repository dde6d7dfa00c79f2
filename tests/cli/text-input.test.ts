// Text inputs of the CLI (--prompt-file, --suffix-file, --completion-file, --tokenizer, stdin) must be
// UTF-8 text: binary or otherwise encoded bytes are refused with one line naming the input and the
// offset, before any GPU work, instead of being decoded into U+FFFD and completed silently.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeText, firstInvalidUtf8, textProblem } from '../../engine/host/cli-text.ts';
import { CliError } from '../../engine/host/cli-errors.ts';
import { rng } from '../gpu.ts';
import { ensureBuilt, fanout, ROOT } from './helpers.ts';

const bytes = (...b: number[]) => new Uint8Array(b);
const enc = (s: string) => new TextEncoder().encode(s);

describe('firstInvalidUtf8', () => {
  it('finds the start of the first ill-formed sequence', () => {
    expect(firstInvalidUtf8(enc('plain ascii, ünïcödé, 中文, 😀'))).toBe(-1);
    expect(firstInvalidUtf8(bytes())).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x61, 0xff))).toBe(1); // never valid
    expect(firstInvalidUtf8(bytes(0x61, 0x62, 0xe9, 0x74, 0xe9))).toBe(2); // Latin-1 "abété"
    expect(firstInvalidUtf8(bytes(0x80))).toBe(0); // stray continuation byte
    expect(firstInvalidUtf8(bytes(0xc0, 0xaf))).toBe(0); // overlong "/"
    expect(firstInvalidUtf8(bytes(0xe0, 0x80, 0xaf))).toBe(0); // overlong
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80))).toBe(0); // surrogate U+D800
    expect(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0); // above U+10FFFF
    expect(firstInvalidUtf8(bytes(0x61, ...enc('€').slice(0, 2)))).toBe(1); // cut short at the end
  });

  it('agrees with TextDecoder(fatal) on random bytes: valid iff -1, and valid up to the offset', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const r = rng(7);
    let invalid = 0;
    for (let t = 0; t < 3000; t++) {
      // Mostly valid text with a few random bytes spliced in, so both outcomes are common.
      const b = enc(['a', 'é', '中', '😀', '\n'].map((s) => s.repeat(1 + r.int(3))).join(''));
      for (let k = r.int(3); k > 0; k--) b[r.int(b.length)] = r.int(256);
      const at = firstInvalidUtf8(b);
      let ok = true;
      try {
        fatal.decode(b);
      } catch {
        ok = false;
      }
      expect(at === -1, `bytes ${[...b].map((x) => x.toString(16)).join(' ')}`).toBe(ok);
      if (at >= 0) {
        invalid++;
        expect(() => fatal.decode(b.subarray(0, at))).not.toThrow();
      }
    }
    expect(invalid).toBeGreaterThan(300);
  });
});

describe('textProblem / decodeText', () => {
  it('names binary, UTF-16 and non-UTF-8 input with the offset', () => {
    expect(textProblem(bytes(0x61, 0x00, 0x62))).toBe('looks binary (NUL byte at offset 1)');
    expect(textProblem(bytes(0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0xff))).toBe('is not UTF-8 text (invalid byte 0xff at offset 6)');
    expect(textProblem(bytes(0xff, 0xfe, 0x61, 0x00))).toMatch(/^is UTF-16 text, not UTF-8/);
    expect(textProblem(enc('fine\n'))).toBeUndefined();
  });

  it('returns the text, without a leading UTF-8 byte-order mark', () => {
    expect(decodeText(enc('\ufeffdef f():\n'), 'x')).toBe('def f():\n');
    expect(decodeText(enc('a\ufeffb'), 'x')).toBe('a\ufeffb'); // only a leading one is a BOM
    expect(decodeText(bytes(), 'x')).toBe('');
  });

  it('throws a CliError that names the input and says what to do', () => {
    expect(() => decodeText(bytes(0x61, 0xff), '--prompt-file a.bin')).toThrow(CliError);
    expect(() => decodeText(bytes(0x61, 0xff), '--prompt-file a.bin')).toThrow(
      '--prompt-file a.bin is not UTF-8 text (invalid byte 0xff at offset 1); pass a UTF-8 text file.',
    );
  });
});

describe('fanout refuses binary and non-UTF-8 text input', () => {
  let dir: string;
  let text: string;
  let latin1: string;
  let binary: string;
  let tokenizer: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'fanout-text-'));
    text = join(dir, 'prompt.ts');
    await writeFile(text, 'function add(a, b) {\n  return');
    latin1 = join(dir, 'latin1.ts');
    await writeFile(latin1, Buffer.from('// caf\xe9\nconst x =', 'latin1'));
    binary = join(dir, 'a.bin');
    await writeFile(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff]));
    tokenizer = join(ROOT, 'models', 'fanout-code-4m', 'tokenizer.json');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function expectOneLineError(r: { code: number; stdout: string; stderr: string }, line: string) {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`fanout: error: ${line}\n`);
  }

  it('--prompt-file, --suffix-file and --completion-file', async () => {
    expectOneLineError(await fanout(['complete', '--prompt-file', binary]), `--prompt-file ${binary} looks binary (NUL byte at offset 7); pass a UTF-8 text file.`);
    expectOneLineError(
      await fanout(['complete', '--prompt-file', latin1]),
      `--prompt-file ${latin1} is not UTF-8 text (invalid byte 0xe9 at offset 6); pass a UTF-8 text file.`,
    );
    expectOneLineError(
      await fanout(['complete', '--prompt-file', text, '--suffix-file', latin1]),
      `--suffix-file ${latin1} is not UTF-8 text (invalid byte 0xe9 at offset 6); pass a UTF-8 text file.`,
    );
    expectOneLineError(
      await fanout(['score', '--prompt-file', text, '--completion-file', binary]),
      `--completion-file ${binary} looks binary (NUL byte at offset 7); pass a UTF-8 text file.`,
    );
  });

  it('--tokenizer', async () => {
    expectOneLineError(await fanout(['tokenize', '--tokenizer', binary]), `--tokenizer ${binary} looks binary (NUL byte at offset 7); pass a UTF-8 text file.`);
  });

  it('stdin of tokenize and detokenize', async () => {
    expectOneLineError(
      await fanout(['tokenize', '--tokenizer', tokenizer], { input: await readFile(latin1) }),
      'stdin is not UTF-8 text (invalid byte 0xe9 at offset 6); pipe UTF-8 text.',
    );
    expectOneLineError(await fanout(['detokenize', '--tokenizer', tokenizer], { input: Buffer.from([0x5b, 0x31, 0x00, 0x5d]) }), 'stdin looks binary (NUL byte at offset 2); pipe UTF-8 text.');
  });

  it('a leading UTF-8 byte-order mark is not part of the text', async () => {
    const plain = await fanout(['tokenize', '--tokenizer', tokenizer], { input: 'const x = 1;\n' });
    const bom = await fanout(['tokenize', '--tokenizer', tokenizer], { input: '\ufeffconst x = 1;\n' });
    expect(plain.code, plain.stderr).toBe(0);
    expect(bom).toEqual(plain);
  });
});
