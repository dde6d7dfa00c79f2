// A byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json.
//
// Written in-house (helpers on this project could not add dependencies). The maintained pure-JS
// alternative is @huggingface/tokenizers (HF's tokenizers from transformers.js, Node and browser); it has
// not been checked against the tests here. What this implementation guarantees is what its tests check:
// GPT-2 output identical to the gpt-3-encoder reference, Oniguruma semantics for Llama 3 / Qwen2 split
// patterns, and a streaming decoder that never splits a UTF-8 character.
//
// encode: added tokens → normalizer → pre-tokenizer → BPE, per segment between added tokens.
// The post_processor (BOS/EOS templates) is not applied: callers add BOS/FIM tokens by id (tokenId()).

import { AddedTokenSplitter, parseAddedTokens, type AddedToken } from './added-tokens.ts';
import { BpeModel } from './bpe.ts';
import { tokenBytes } from './byte-level.ts';
import { SUPPORTED_HELP } from './errors.ts';
import {
  arrayField,
  badField,
  boolField,
  describe,
  isObject,
  MAX_TOKEN_ID,
  objectAt,
  optionalString,
  quote,
  typeTag,
  type JsonObject,
} from './json-fields.ts';
import { createNormalizer, type Normalizer } from './normalize.ts';
import { createPreTokenizer, type PreTokenizer } from './pretokenize.ts';
import { Utf8StreamDecoder, type StreamDecoder } from './stream-decoder.ts';

export { MAX_TOKEN_ID } from './json-fields.ts';

export type { StreamDecoder } from './stream-decoder.ts';

export interface EncodeOptions {
  /**
   * true (default): special added tokens in the text (e.g. "<|endoftext|>") become their ids.
   * false: they are tokenized as ordinary text — use this for untrusted text such as file contents.
   * Non-special added tokens are always matched, as in HF tokenizers: they are ordinary vocabulary.
   */
  specials?: boolean;
}

interface Parts {
  vocab: Map<string, number>;
  bpe: BpeModel;
  added: AddedToken[];
  normalizer: Normalizer | undefined;
  preTokenize: PreTokenizer;
}

export class Tokenizer {
  readonly vocabSize: number;
  readonly specialIds: ReadonlySet<number>;

  private readonly vocab: Map<string, number>;
  private readonly bpe: BpeModel;
  private readonly normalizer: Normalizer | undefined;
  private readonly preTokenize: PreTokenizer;
  private readonly addedByContent = new Map<string, number>();
  private readonly idToToken: (string | undefined)[];
  private readonly withSpecials: AddedTokenSplitter;
  private readonly withoutSpecials: AddedTokenSplitter;
  /** Decoded bytes per id, filled on first use. */
  private readonly bytesCache: (Uint8Array | undefined)[];
  private static readonly EMPTY = new Uint8Array(0);

  private constructor(parts: Parts) {
    this.vocab = parts.vocab;
    this.bpe = parts.bpe;
    this.normalizer = parts.normalizer;
    this.preTokenize = parts.preTokenize;

    let maxId = -1;
    for (const id of parts.vocab.values()) maxId = Math.max(maxId, id);
    for (const t of parts.added) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;

    this.idToToken = new Array(this.vocabSize);
    for (const [token, id] of parts.vocab) this.idToToken[id] = token;
    // As in HF, an added token's content wins over a vocab entry with the same id.
    for (const t of parts.added) {
      this.idToToken[t.id] = t.content;
      this.addedByContent.set(t.content, t.id);
    }
    this.specialIds = new Set(parts.added.filter((t) => t.special).map((t) => t.id));
    this.withSpecials = new AddedTokenSplitter(parts.added);
    this.withoutSpecials = new AddedTokenSplitter(parts.added.filter((t) => !t.special));
    this.bytesCache = new Array(this.vocabSize);
  }

  /** Builds a tokenizer from a parsed tokenizer.json; throws a TokenizerError naming any unsupported field. */
  static fromJSON(json: unknown): Tokenizer {
    if (!isObject(json)) throw badField('(the top level)', 'must be a JSON object; is this a tokenizer.json?');
    const model = objectAt(json.model, 'model');
    const modelType = optionalString(model, 'type', 'model');
    if (modelType !== undefined && modelType !== 'BPE') {
      throw badField('model.type', `is ${quote(modelType)}; only "BPE" is supported. ${SUPPORTED_HELP}`);
    }
    checkDecoder(json.decoder);
    const vocab = parseVocab(model);
    const merges = parseMerges(model);
    checkUnsupportedModelOptions(model);

    const unkToken = optionalString(model, 'unk_token', 'model');
    const unkId = unkToken === undefined ? undefined : vocab.get(unkToken);
    if (unkToken !== undefined && unkId === undefined) {
      throw badField('model.unk_token', `is ${quote(unkToken)}, which is not in model.vocab.`);
    }
    const bpe = new BpeModel({
      vocab,
      merges,
      ignoreMerges: boolField(model, 'ignore_merges', 'model', false),
      unkId,
      fuseUnk: boolField(model, 'fuse_unk', 'model', false),
    });
    return new Tokenizer({
      vocab,
      bpe,
      added: parseAddedTokens(json.added_tokens),
      normalizer: createNormalizer(json.normalizer),
      preTokenize: createPreTokenizer(json.pre_tokenizer),
    });
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    const splitter = (opts?.specials ?? true) ? this.withSpecials : this.withoutSpecials;
    const out: number[] = [];
    for (const segment of splitter.split(text)) {
      if (typeof segment === 'number') {
        out.push(segment);
        continue;
      }
      const normalized = this.normalizer ? this.normalizer(segment) : segment;
      for (const piece of this.preTokenize(normalized)) this.bpe.encodeWord(piece, out);
    }
    return out;
  }

  /**
   * Text of a token sequence. Byte sequences that are not valid UTF-8 become U+FFFD. Ids with no token
   * (e.g. the padding rows models add to their embedding beyond the tokenizer's vocab) decode to
   * nothing, as in HF tokenizers.
   */
  decode(ids: readonly number[]): string {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (const id of ids) {
      const bytes = this.bytesOf(id);
      chunks.push(bytes);
      total += bytes.length;
    }
    const all = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      all.set(c, offset);
      offset += c.length;
    }
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(all);
  }

  decoder(): StreamDecoder {
    return new Utf8StreamDecoder((id) => this.bytesOf(id));
  }

  tokenId(token: string): number | undefined {
    return this.addedByContent.get(token) ?? this.vocab.get(token);
  }

  token(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.idToToken[id] : undefined;
  }

  /** The bytes token `id` decodes to (empty for ids with no token). Do not modify the returned array. */
  bytesOf(id: number): Uint8Array {
    const cached = this.bytesCache[id];
    if (cached) return cached;
    const token = this.token(id);
    if (token === undefined) return Tokenizer.EMPTY;
    const bytes = tokenBytes(token);
    this.bytesCache[id] = bytes;
    return bytes;
  }
}

function parseVocab(model: JsonObject): Map<string, number> {
  if (model.vocab === undefined || model.vocab === null) {
    throw badField('model.vocab', 'is missing; a BPE model needs vocab (token → id) and merges.');
  }
  const vocab = new Map<string, number>();
  const tokenOfId = new Map<number, string>();
  for (const [token, id] of Object.entries(objectAt(model.vocab, 'model.vocab'))) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw badField(`model.vocab[${quote(token)}]`, `must be a non-negative integer id, but is ${describe(id)}.`);
    }
    if (id >= MAX_TOKEN_ID) throw badField(`model.vocab[${quote(token)}]`, `is ${id}; ids above ${MAX_TOKEN_ID - 1} are not supported.`);
    const other = tokenOfId.get(id);
    if (other !== undefined) {
      throw badField('model.vocab', `gives id ${id} to two tokens (${quote(other)} and ${quote(token)}); every token needs its own id. Use the tokenizer.json that came with the model.`);
    }
    tokenOfId.set(id, token);
    vocab.set(token, id);
  }
  return vocab;
}

/** Merges come as "a b" strings (older files) or ["a", "b"] pairs (tokenizers ≥ 0.20). */
function parseMerges(model: JsonObject): Array<readonly [string, string]> {
  if (model.merges === undefined || model.merges === null) {
    throw badField('model.merges', 'is missing; a BPE model needs vocab (token → id) and merges.');
  }
  return arrayField(model, 'merges', 'model').map((m, k) => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length === 2) return [parts[0], parts[1]] as const;
    } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') {
      return [m[0], m[1]] as const;
    }
    const what = typeof m === 'string' ? quote(m) : Array.isArray(m) ? `an array of ${m.length} items` : describe(m);
    throw badField(`model.merges[${k}]`, `is ${what}; expected "left right" or ["left", "right"].`);
  });
}

/** BPE options that change the output and that byte-level models do not use. */
function checkUnsupportedModelOptions(model: JsonObject): void {
  for (const key of ['continuing_subword_prefix', 'end_of_word_suffix']) {
    const v = optionalString(model, key, 'model');
    if (v) throw badField(`model.${key}`, `is ${quote(v)}; only byte-level BPE without it is supported.`);
  }
  if (boolField(model, 'byte_fallback', 'model', false)) {
    throw badField('model.byte_fallback', 'is true (SentencePiece-style BPE); only byte-level BPE is supported.');
  }
  const dropout = model.dropout;
  if (dropout !== undefined && dropout !== null && dropout !== 0) {
    throw badField('model.dropout', `is ${describe(dropout)}; BPE dropout is for training, set it to null.`);
  }
}

function checkDecoder(decoder: unknown): void {
  if (decoder === undefined || decoder === null) {
    throw badField('decoder', `is missing; expected {"type": "ByteLevel"}. ${SUPPORTED_HELP}`);
  }
  const type = typeTag(objectAt(decoder, 'decoder'), 'decoder');
  if (type !== 'ByteLevel') {
    throw badField('decoder.type', `is ${quote(type)}; only "ByteLevel" is supported. ${SUPPORTED_HELP}`);
  }
}
