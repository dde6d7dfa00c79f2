// Token healing: the prompt's last token is taken back and the first sampled token must start with its
// bytes, so a prompt that ends part-way through what the model would write as one token still gets
// the continuation the model would give to the whole.
//
// Why: a byte-level BPE tokenizer splits "for (let i = 0; i < items" into ... " <", " items", but the
// prompt "for (let i = 0; i < " ends in a lone " " token, which in training text almost never precedes
// an identifier (the space belongs to the next word's token). The model then predicts what follows a
// stray space (";", end of text) instead of "items". The same happens mid-identifier ("useSt" → "use",
// "St" rather than " useState") and after a line break before indentation. Healing re-opens the last
// token: the prompt loses it, and the first step samples only among tokens whose bytes begin with the
// removed token's bytes (" items", " n", " " itself ...), renormalised. The removed text is not shown
// again: the sample's text starts where the user's cursor is.
//
// Scope: prefix-only prompts. A fill-in-the-middle prompt ends with the FIM middle token, and FIM
// training splits text at arbitrary characters, so a prefix ending mid-token is what such models saw.
// One token is healed; a cut inside a multi-token word keeps its earlier tokens.

/** What healing needs of a tokenizer. */
export interface HealTokenizer {
  readonly vocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  /** The bytes a token decodes to (empty for ids with no token). */
  bytesOf(id: number): Uint8Array;
}

export interface Healing {
  /** The prompt ids without the healed token. */
  ids: number[];
  /** Text of the healed token: every sample's text starts with it, and it is cut from what is shown. */
  text: string;
  /**
   * allowed[id] = 1 when token `id` may be sampled first: its bytes start with the healed token's bytes.
   * Length = the model's vocabulary (rows beyond the tokenizer's vocabulary are not allowed).
   */
  allowed: Uint8Array;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Heals the last token of `ids` (a prefix-only prompt), or returns undefined when there is nothing to
 * heal: an empty prompt, a special last token, a last token whose bytes are not whole UTF-8 characters,
 * or one that no longer token extends. Cost: one pass over the vocabulary (~1 ms for 152k tokens).
 */
export function healPrompt(tok: HealTokenizer, ids: readonly number[], modelVocab: number): Healing | undefined {
  if (ids.length === 0) return undefined;
  const last = ids[ids.length - 1];
  if (tok.specialIds.has(last)) return undefined;
  const heal = tok.bytesOf(last);
  if (heal.length === 0) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(heal);
  } catch {
    return undefined; // part of a multi-byte character: its completion is already determined
  }
  const allowed = new Uint8Array(modelVocab);
  let longer = 0;
  const n = Math.min(modelVocab, tok.vocabSize);
  for (let id = 0; id < n; id++) {
    if (tok.specialIds.has(id)) continue;
    const b = tok.bytesOf(id);
    if (startsWith(b, heal)) {
      allowed[id] = 1;
      if (b.length > heal.length) longer++;
    }
  }
  if (longer === 0) return undefined;
  return { ids: ids.slice(0, -1), text, allowed };
}

/**
 * A copy of one logits row with every token that healing does not allow set to -Infinity, so the
 * sampler draws among the allowed tokens only and reports log-probabilities renormalised over them.
 */
export function maskRow(logits: Float32Array, offset: number, allowed: Uint8Array): Float32Array {
  const row = logits.slice(offset, offset + allowed.length);
  for (let i = 0; i < row.length; i++) if (!allowed[i]) row[i] = -Infinity;
  return row;
}
