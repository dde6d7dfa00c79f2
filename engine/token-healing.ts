// Token healing: the prefix's last token is taken back and its text becomes a forced prefix of every
// sample, so a prompt that ends part-way through what the model would write as one token (or spell
// with other tokens) still gets the continuation the model would give to the whole.
//
// Why: a byte-level BPE tokenizer splits "for (let i = 0; i < items" into ... " <", " items", but the
// prompt "for (let i = 0; i < " ends in a lone " " token, which in training text almost never precedes
// an identifier (the space belongs to the next word's token). The model then predicts what follows a
// stray space (";", end of text) instead of "items". The same happens mid-identifier ("useSt" → "use",
// "St" rather than " useState") and after a line break before indentation.
//
// Forced prefix, not just a first token: GPT-2-style pre-tokenisation (`\s+(?!\S)`) gives a prompt that
// ends in "\n  " one token "\n  ", but training text spells "\n  if" as "\n " + " if" (the last space
// goes with the word). Allowing only first tokens that start with "\n  " would force 3+ spaces, i.e.
// doubled indentation. So the healed text R may be produced by several tokens: while part of R remains,
// a token is allowed when its bytes are a prefix of the rest of R (it consumes part of it) or start with
// the rest of R (it finishes it); once R is produced the sample is free. R is not shown again: each
// sample's text starts where the user's cursor is.
//
// Trailing whitespace is taken back whole: BPE gives the end of "lo;\n\n  " as "\n" + "\n  ", while
// training text spells "lo;\n\n  if" as "\n\n " + " if"; healing only "\n  " would leave a stray "\n"
// token after which the model indents too deep. Otherwise one token is healed (a cut inside a
// multi-token word keeps its earlier tokens).
//
// Only spellings the tokenizer itself produces are allowed to consume part of R: R is encoded after the
// token before it, followed in turn by a letter, a digit, punctuation, a space, a tab, a line break and
// nothing (PROBES), and a token may consume part of R only where one of these encodings has that token.
// Any token may finish R (what follows R is the model's choice). Without this, "\n" + "\n     " would
// be allowed for "\n  " although the tokenizer never splits it so: after the lone "\n" the model expects
// no more whitespace and indents at random. A tokenizer that cannot encode (or whose encodings do not
// line up with the prompt's tokens) gets every split except those between whitespace and a
// non-whitespace byte that R's token joined (" " + "ret" for " ret"), which byte-level pre-tokenizers
// (GPT-2, Llama 3, Qwen2) never make.
//
// Fill-in-the-middle prompts are healed the same way: the prefix's last token(s) (just before the FIM
// suffix token) are taken back and the middle must start with their text.

/** What healing needs of a tokenizer. */
export interface HealTokenizer {
  readonly vocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  /** The bytes a token decodes to (empty for ids with no token). */
  bytesOf(id: number): Uint8Array;
  /** The tokenizer's own encoding of a text; without it every split of the healed text is allowed (see above). */
  encode?(text: string, opts?: { specials?: boolean }): number[];
}

export interface Healing {
  /** The prompt ids without the healed tokens. */
  ids: number[];
  /** How many tokens were taken back (the last one, and any whitespace-only tokens before it). */
  taken: number;
  /** Text of the healed tokens: every sample's text starts with it, and it is cut from what is shown. */
  text: string;
  /** Which tokens a sample may draw while part of `text` remains. */
  forced: ForcedPrefix;
}

export interface HealOptions {
  /** Index just past the prefix's last token in `ids` (default `ids.length`; FIM: the suffix token's index). */
  end?: number;
  /** First index healing may take back (default 0): the prefix's first token, after context from other files. */
  start?: number;
  /** Ids never allowed while the healed text remains, besides the specials (e.g. end-of-text ids that are not special). */
  banned?: ReadonlySet<number>;
  /** spellingsOf(…) for this prompt, computed already (off-thread: engine/prompt-plan.ts); healing then tokenizes nothing. */
  spellings?: number[][];
}

/**
 * Most bytes of trailing whitespace taken back with the last token (set-up costs grow with R's length,
 * and a sample spends a step per token of R); a longer run keeps its earlier tokens.
 */
export const MAX_HEALED_WHITESPACE = 64;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What may follow the healed text when its spellings are probed (one of each pre-tokenizer class). */
export const PROBES = ['x', '1', '(', ' ', '\t', '\n', ''] as const;

/** ASCII whitespace: space, \t, \n, \v, \f, \r. */
const isSpaceByte = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
const allSpace = (b: Uint8Array) => b.every(isSpaceByte);

/** bytes[0 .. n) === r[k .. k + n), where n = min(bytes.length, r.length − k). */
function agrees(bytes: Uint8Array, r: Uint8Array, k: number): boolean {
  const n = Math.min(bytes.length, r.length - k);
  for (let i = 0; i < n; i++) if (bytes[i] !== r[k + i]) return false;
  return true;
}

/**
 * The token masks for a forced text prefix R (bytes). State of a sample: `consumed`, how many bytes of R
 * its tokens have produced (0 ≤ consumed < R.length while forced). At `consumed` = k a token b is allowed
 * when it finishes R (b starts with R[k..]) or consumes part of it (b is a proper prefix of R[k..]), and
 * R can still be finished from k + |b| (some tokenizers lack single-byte tokens). With `spellings`
 * (token sequences that spell R, then maybe more), only their tokens may consume part of R, and tokens
 * may finish R only at the offsets where a spelling has a token that reaches R's end; without, any
 * prefix token may, where it does not end between whitespace and a non-whitespace byte. Masks are built
 * on first use and cached per k: R is short and most samples share the same k.
 */
export class ForcedPrefix {
  /** UTF-8 bytes of R. */
  readonly bytes: Uint8Array;
  private readonly ids: number;
  private readonly excluded: (id: number) => boolean;
  /** viable[k]: R[k..] can be produced by allowed tokens. */
  private readonly viable: Uint8Array;
  /** finishes[k]: tokens that start with R[k..] may be drawn at k. */
  private readonly finishes: Uint8Array;
  /** Spelling mode: the tokens that may consume part of R at k; free mode (undefined): R's splittable offsets. */
  private readonly parts: Set<number>[] | undefined;
  /** splittable[j]: free mode: a token consuming part of R may end at byte j (not between whitespace and what it is joined to). */
  private readonly splittable: Uint8Array;
  private readonly masks = new Map<number, Uint8Array>();

  /**
   * `modelVocab`: rows of the model's logits (mask length); ids at or beyond the tokenizer's vocabulary,
   * specials and `banned` are never allowed. `spellings` that do not spell R are ignored. Cost: one pass
   * over the vocabulary now, one per mask.
   */
  constructor(
    private readonly tok: HealTokenizer,
    bytes: Uint8Array,
    readonly modelVocab: number,
    banned: ReadonlySet<number> = new Set(),
    spellings: readonly (readonly number[])[] = [],
  ) {
    if (bytes.length === 0) throw new RangeError('ForcedPrefix: the forced text is empty; there is nothing to force.');
    this.bytes = bytes;
    this.ids = Math.min(modelVocab, tok.vocabSize);
    this.excluded = (id) => !(id >= 0 && id < this.ids) || tok.specialIds.has(id) || banned.has(id);
    const r = bytes;
    this.splittable = new Uint8Array(r.length + 1).fill(1);
    for (let j = 1; j < r.length; j++) if (isSpaceByte(r[j - 1]) && !isSpaceByte(r[j])) this.splittable[j] = 0;

    // Spelling mode: walk each spelling over R; tokens ending inside R consume part of it, the first one
    // reaching its end marks where finishing tokens are allowed.
    let parts: Set<number>[] | undefined;
    const finishAt = new Uint8Array(r.length);
    for (const spelling of spellings) {
      const here: [number, number][] = [];
      let k = 0;
      let ok = false;
      for (const id of spelling) {
        const b = tok.bytesOf(id);
        if (this.excluded(id) || b.length === 0 || !agrees(b, r, k)) break;
        if (k + b.length >= r.length) {
          ok = true;
          break;
        }
        here.push([k, id]);
        k += b.length;
      }
      if (!ok) continue;
      parts ??= Array.from({ length: r.length }, () => new Set<number>());
      for (const [at, id] of here) parts[at].add(id);
      finishAt[k] = 1;
    }
    this.parts = parts;

    // finishes[k]: some token finishes R from k; partLens[k] (free mode): lengths of tokens that are proper prefixes of R[k..].
    this.finishes = new Uint8Array(r.length);
    const partLens: Set<number>[] = Array.from({ length: r.length }, () => new Set());
    for (let id = 0; id < this.ids; id++) {
      if (this.excluded(id)) continue;
      const b = tok.bytesOf(id);
      if (b.length === 0) continue;
      for (let k = 0; k < r.length; k++) {
        if (b[0] !== r[k] || !agrees(b, r, k)) continue;
        if (b.length >= r.length - k) this.finishes[k] = parts ? finishAt[k] : 1;
        else if (!parts && this.splittable[k + b.length]) partLens[k].add(b.length);
      }
    }
    if (parts) for (let k = 0; k < r.length; k++) for (const id of parts[k]) partLens[k].add(tok.bytesOf(id).length);
    this.viable = new Uint8Array(r.length);
    for (let k = r.length - 1; k >= 0; k--) {
      let ok = this.finishes[k] === 1;
      for (const len of partLens[k]) if (this.viable[k + len]) ok = true;
      this.viable[k] = ok ? 1 : 0;
    }
  }

  /** Bytes of R. */
  get length(): number {
    return this.bytes.length;
  }

  /** R can be produced from its start. */
  get reachable(): boolean {
    return this.viable[0] === 1;
  }

  /** allowed[id] = 1 when token `id` may be drawn once `consumed` bytes of R are produced (0 ≤ consumed < length). */
  allowed(consumed: number): Uint8Array {
    if (!Number.isInteger(consumed) || consumed < 0 || consumed >= this.bytes.length) {
      throw new RangeError(`ForcedPrefix.allowed: consumed must be an integer in [0, ${this.bytes.length}), got ${consumed}.`);
    }
    let mask = this.masks.get(consumed);
    if (mask) return mask;
    mask = new Uint8Array(this.modelVocab);
    const r = this.bytes;
    const rest = r.length - consumed;
    const parts = this.parts?.[consumed];
    for (let id = 0; id < this.ids; id++) {
      if (this.excluded(id)) continue;
      const b = this.tok.bytesOf(id);
      if (b.length === 0 || b[0] !== r[consumed] || !agrees(b, r, consumed)) continue;
      if (b.length >= rest) mask[id] = this.finishes[consumed];
      else if (parts ? parts.has(id) : this.splittable[consumed + b.length]) mask[id] = this.viable[consumed + b.length];
    }
    this.masks.set(consumed, mask);
    return mask;
  }

  /** `consumed` after drawing token `id` (an allowed one): at most the length of R. */
  advance(consumed: number, id: number): number {
    return Math.min(this.bytes.length, consumed + this.tok.bytesOf(id).length);
  }
}

/**
 * Heals the prefix's last token, `ids[end − 1]` (with the whitespace-only tokens before it when it is
 * whitespace too, up to MAX_HEALED_WHITESPACE bytes), or returns undefined when there is nothing to heal:
 * no prefix token, a special token, a token whose bytes are not whole UTF-8 characters (its completion
 * is already determined), or text with no other spelling (no longer token starts with it, and no shorter
 * tokens spell its start). Cost: one pass over the vocabulary for the set-up (each token compared at the
 * bytes of the healed text it could start at), and one per distinct mask drawn (~1 ms for 152k tokens).
 */
export function healPrompt(tok: HealTokenizer, ids: readonly number[], modelVocab: number, opts: HealOptions = {}): Healing | undefined {
  const target = healTarget(tok, ids, opts);
  if (!target) return undefined;
  const { start, end, bytes, text } = target;
  const spellings = opts.spellings ?? spellingsOf(tok, ids, start, text);
  const forced = new ForcedPrefix(tok, bytes, modelVocab, opts.banned, spellings);
  if (!forced.reachable) return undefined;
  // Another spelling exists when step 0 allows a token other than those with exactly R's bytes.
  const first = forced.allowed(0);
  let other = false;
  for (let id = 0; id < first.length && !other; id++) if (first[id] && tok.bytesOf(id).length !== bytes.length) other = true;
  if (!other) return undefined;
  return { ids: [...ids.slice(0, start), ...ids.slice(end)], taken: end - start, text, forced };
}

/** The tokens healing would take back, ids[start..end), and their bytes and text; no tokenizing (see healPrompt). */
export function healTarget(tok: HealTokenizer, ids: readonly number[], opts: Pick<HealOptions, 'start' | 'end'> = {}): { start: number; end: number; bytes: Uint8Array; text: string } | undefined {
  const end = opts.end ?? ids.length;
  if (!Number.isInteger(end) || end < 0 || end > ids.length) {
    throw new RangeError(`healPrompt: end must be an index in [0, ${ids.length}], got ${end}.`);
  }
  const lowest = opts.start ?? 0;
  if (end <= lowest) return undefined;
  const last = ids[end - 1];
  if (tok.specialIds.has(last)) return undefined;
  let bytes = tok.bytesOf(last);
  if (bytes.length === 0) return undefined;
  let start = end - 1;
  if (allSpace(bytes)) {
    for (; start > lowest; start--) {
      const id = ids[start - 1];
      const b = tok.bytesOf(id);
      if (tok.specialIds.has(id) || b.length === 0 || !allSpace(b) || b.length + bytes.length > MAX_HEALED_WHITESPACE) break;
      const joined = new Uint8Array(b.length + bytes.length);
      joined.set(b);
      joined.set(bytes, b.length);
      bytes = joined;
    }
  }
  try {
    return { start, end, bytes, text: strictUtf8.decode(bytes) };
  } catch {
    return undefined;
  }
}

/**
 * The tokenizer's spellings of `text` (the healed tokens, ids[start..]) followed by each of PROBES: the
 * token before `start` and the text are encoded together (so the pre-tokenizer sees what precedes the
 * text), and an encoding is kept only when it starts with that token (the boundary did not move).
 * Empty when the tokenizer cannot encode.
 */
export function spellingsOf(tok: HealTokenizer, ids: readonly number[], start: number, text: string): number[][] {
  if (!tok.encode) return [];
  const before = start > 0 && !tok.specialIds.has(ids[start - 1]) ? ids[start - 1] : undefined;
  let lead = '';
  if (before !== undefined) {
    try {
      lead = strictUtf8.decode(tok.bytesOf(before));
    } catch {
      lead = ''; // part of a character: encode the text on its own
    }
  }
  const out: number[][] = [];
  for (const probe of PROBES) {
    const enc = tok.encode(lead + text + probe, { specials: false });
    if (!lead) out.push(enc);
    else if (enc[0] === before) out.push(enc.slice(1));
  }
  return out;
}

/**
 * A copy of one logits row with every token that `allowed` does not allow set to -Infinity, so the
 * sampler draws among the allowed tokens only and reports log-probabilities renormalised over them.
 */
export function maskRow(logits: Float32Array, offset: number, allowed: Uint8Array): Float32Array {
  const row = logits.slice(offset, offset + allowed.length);
  for (let i = 0; i < row.length; i++) if (!allowed[i]) row[i] = -Infinity;
  return row;
}

/**
 * allowed[id] = 0 for the specials and `ends`, 1 for every other id below `modelVocab`: the mask while a
 * sample is shorter than its minimum length (ids beyond the tokenizer's vocabulary stay allowed, as
 * without the mask; they decode to nothing).
 */
export function endMask(specials: ReadonlySet<number>, ends: ReadonlySet<number>, modelVocab: number): Uint8Array {
  const mask = new Uint8Array(modelVocab).fill(1);
  for (const id of [...specials, ...ends]) if (id >= 0 && id < modelVocab) mask[id] = 0;
  return mask;
}
