// Decoding the CLI's text inputs (prompt, suffix and completion files, tokenizer.json, stdin): the bytes
// must be UTF-8 text. A binary file (NUL bytes), UTF-16 or a legacy 8-bit encoding is refused with where
// it goes wrong, instead of being decoded into U+FFFD replacement characters and completed silently.
// A leading UTF-8 byte-order mark is dropped (editors on Windows write one; it is not part of the text).
import { CliError } from './cli-errors.ts';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What is wrong with `bytes` as UTF-8 text (e.g. "looks binary (NUL byte at offset 3)"), or undefined when nothing is. */
export function textProblem(bytes: Uint8Array): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'is UTF-16 text, not UTF-8 (it starts with a UTF-16 byte-order mark)';
  const nul = bytes.indexOf(0);
  if (nul >= 0) return `looks binary (NUL byte at offset ${nul})`;
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) return `is not UTF-8 text (invalid byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad})`;
  return undefined;
}

/**
 * `bytes` as a string; `source` names the input in the error (e.g. "--prompt-file a.ts", "stdin") and
 * `fix` says what to give instead. Throws a CliError for binary or non-UTF-8 input.
 */
export function decodeText(bytes: Uint8Array, source: string, fix = 'pass a UTF-8 text file'): string {
  const problem = textProblem(bytes);
  if (problem) throw new CliError(`${source} ${problem}; ${fix}.`);
  // TextDecoder drops a leading BOM (ignoreBOM is false by default); fatal: true so that nothing can
  // ever be replaced by U+FFFD here, whatever textProblem missed.
  return fatalUtf8.decode(bytes);
}

/**
 * Byte offset of the first byte that starts no valid UTF-8 sequence (a stray continuation byte, an
 * overlong form, a surrogate, a code point above U+10FFFF, or a sequence cut short), or -1 when all of
 * `bytes` is valid UTF-8. Follows the well-formed byte sequences table of the Unicode standard (§3.9, D92).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf) => i < bytes.length && bytes[i] >= lo && bytes[i] <= hi;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let len = 0;
    if (b < 0x80) len = 1;
    else if (b >= 0xc2 && b <= 0xdf) len = cont(i + 1) ? 2 : 0;
    else if (b === 0xe0) len = cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0; // no overlong forms
    else if (b === 0xed) len = cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0; // no surrogates
    else if (b >= 0xe1 && b <= 0xef) len = cont(i + 1) && cont(i + 2) ? 3 : 0;
    else if (b === 0xf0) len = cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else if (b >= 0xf1 && b <= 0xf3) len = cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    else if (b === 0xf4) len = cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0; // ≤ U+10FFFF
    if (len === 0) return i;
    i += len;
  }
  return -1;
}
