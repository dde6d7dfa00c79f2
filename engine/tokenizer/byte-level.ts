// GPT-2's byte-level alphabet: every byte 0..255 is given a printable Unicode character, so BPE can work
// on strings while still covering arbitrary bytes. Printable Latin-1 bytes map to themselves; the rest
// (control bytes, space, 0x7F-0xA0, 0xAD) map to U+0100 upwards in byte order, e.g. space → 'Ġ' (U+0120),
// '\n' → 'Ċ' (U+010A). This is `bytes_to_unicode()` from openai/gpt-2 and HF tokenizers' ByteLevel.

function buildByteToChar(): string[] {
  const map: string[] = new Array(256);
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = String.fromCharCode(printable(b) ? b : 256 + next++);
  }
  return map;
}

/** BYTE_TO_CHAR[b] is the byte-level character standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Inverse of BYTE_TO_CHAR, indexed by UTF-16 code unit (all 256 characters are below U+0144). */
const CHAR_TO_BYTE = new Int16Array(0x144).fill(-1);
BYTE_TO_CHAR.forEach((c, b) => (CHAR_TO_BYTE[c.charCodeAt(0)] = b));

/** The 256 byte-level characters, in byte order: the base alphabet every byte-level BPE vocab contains. */
export function byteAlphabet(): string[] {
  return BYTE_TO_CHAR.slice();
}

/**
 * Maps text to its byte-level form: UTF-8 encode, then each byte → its character. Written out (rather
 * than TextEncoder + map) because it runs once per pre-token and this avoids two allocations per call.
 * A lone surrogate is encoded as U+FFFD, as TextEncoder does.
 */
export function byteLevelEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out += BYTE_TO_CHAR[cp];
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const lo = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (cp <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    if (cp < 0x800) {
      out += BYTE_TO_CHAR[0xc0 | (cp >> 6)] + BYTE_TO_CHAR[0x80 | (cp & 0x3f)];
    } else if (cp < 0x10000) {
      out +=
        BYTE_TO_CHAR[0xe0 | (cp >> 12)] +
        BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3f)] +
        BYTE_TO_CHAR[0x80 | (cp & 0x3f)];
    } else {
      out +=
        BYTE_TO_CHAR[0xf0 | (cp >> 18)] +
        BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3f)] +
        BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3f)] +
        BYTE_TO_CHAR[0x80 | (cp & 0x3f)];
    }
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * The bytes a token string stands for, as HF's ByteLevel decoder computes them: if every character is
 * a byte-level character, the bytes they stand for; otherwise (an added token whose text has a space,
 * newline or other character outside the alphabet, e.g. "\n\n") the token's own UTF-8 bytes.
 */
export function tokenBytes(token: string): Uint8Array {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    if (b < 0) return utf8.encode(token);
    bytes[i] = b;
  }
  return bytes;
}
