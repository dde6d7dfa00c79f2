// A GGUF file's tokenizer (tokenizer.ggml.*) as a Hugging Face tokenizer.json object, so the one
// Tokenizer (engine/tokenizer) reads both, with its checks and bounds:
//   tokenizer.ggml.model   "gpt2" (byte-level BPE) only; "llama" (SentencePiece) and others are refused
//   tokenizer.ggml.tokens  token strings by id (byte-level spelling, as in tokenizer.json's vocab)
//   tokenizer.ggml.merges  "left right" strings, in rank order
//   tokenizer.ggml.token_type  1 normal · 2 unknown · 3 control · 4 user-defined · 5 unused · 6 byte
//   tokenizer.ggml.pre     the pre-tokenizer, by name (PRE_TOKENIZERS below)
// Control and user-defined tokens become added_tokens (matched whole in the text; control ones special).
//
// The pre-tokenizers are llama.cpp's (llama-vocab.cpp, llm_tokenizer_bpe): for each name a list of
// regexes applied in turn, every regex splitting the pieces the previous ones left, with the text no
// regex matches kept as pieces of its own. That is HF's Split with behavior "Isolated", one per regex,
// then the byte-level mapping (ByteLevel with use_regex false). llama.cpp writes HF's case-insensitive
// group (?i:'s|…) out as (?:'[sS]|…), which is the same for these ASCII suffixes.
import { clip, clipMiddle, ModelError } from './errors.ts';
import { describeMeta, type GgufHeader } from './gguf.ts';
import { BYTE_TO_CHAR } from '../tokenizer/byte-level.ts';

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const CJK = '[一-龥ࠀ-一가-퟿]+';

/** tokenizer.ggml.pre → the regexes llama.cpp splits with, in order. */
export const PRE_TOKENIZERS: Readonly<Record<string, readonly string[]>> = {
  default: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'],
  'gpt-2': [GPT2],
  mpt: [GPT2],
  olmo: [GPT2],
  'llama-bpe': [LLAMA3],
  'smaug-bpe': [LLAMA3],
  dbrx: [LLAMA3],
  qwen2: [QWEN2],
  stablelm2: [QWEN2],
  'deepseek-coder': ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', CJK, '\\p{N}'],
  starcoder: ['\\p{N}', GPT2],
  refact: ['\\p{N}', GPT2],
  smollm: ['\\p{N}', GPT2],
  codeshell: ['\\p{N}', GPT2],
};

const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const bad = (where: string, msg: string) => new ModelError('bad-tokenizer', `${where}: ${msg}`);

/** The tokenizer.json object for the GGUF file's tokenizer. */
export function ggufTokenizerJson(h: GgufHeader, file: string): Record<string, unknown> {
  const where = clipMiddle(file);
  const m = h.metadata;
  const model = m.get('tokenizer.ggml.model');
  if (model === undefined) throw bad(where, 'the file holds no tokenizer (tokenizer.ggml.model is missing); use a GGUF file converted with its tokenizer.');
  if (model !== 'gpt2') {
    const kind = model === 'llama' ? ' (SentencePiece, as in Llama 2, CodeLlama and Mistral)' : '';
    throw new ModelError(
      'bad-tokenizer',
      `${where}: tokenizer.ggml.model is ${describeMeta(model)}${kind}; Fanout supports byte-level BPE tokenizers ("gpt2": Qwen2.5-Coder, Llama 3, DeepSeek-Coder, StarCoder). Use a model with such a tokenizer.`,
    );
  }
  const pre = m.get('tokenizer.ggml.pre') ?? 'default';
  const regexes = typeof pre === 'string' && Object.hasOwn(PRE_TOKENIZERS, pre) ? PRE_TOKENIZERS[pre] : undefined;
  if (!regexes) {
    throw bad(where, `tokenizer.ggml.pre is ${describeMeta(pre)}, a pre-tokenizer Fanout does not know; supported: ${Object.keys(PRE_TOKENIZERS).join(', ')}.`);
  }
  const tokens = m.get('tokenizer.ggml.tokens');
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) throw bad(where, 'tokenizer.ggml.tokens is missing or not a list of strings.');
  const mergeList = m.get('tokenizer.ggml.merges') ?? [];
  if (!Array.isArray(mergeList) || !mergeList.every((t) => typeof t === 'string')) throw bad(where, 'tokenizer.ggml.merges is not a list of strings.');
  const types = m.get('tokenizer.ggml.token_type');
  if (types !== undefined && !(types instanceof Int32Array && types.length === tokens.length)) {
    throw bad(where, `tokenizer.ggml.token_type must list an i32 type for each of the ${tokens.length} tokens.`);
  }

  const vocab: Record<string, number> = Object.create(null);
  const added: { id: number; content: string; special: boolean; single_word: false; lstrip: false; rstrip: false; normalized: false }[] = [];
  (tokens as string[]).forEach((t, id) => {
    const type = types ? types[id]! : TOKEN_TYPE.NORMAL;
    if (type === TOKEN_TYPE.CONTROL || type === TOKEN_TYPE.USER_DEFINED) {
      added.push({ id, content: t, special: type === TOKEN_TYPE.CONTROL, single_word: false, lstrip: false, rstrip: false, normalized: false });
    }
    // A spelling listed twice (unused or padding slots) keeps its first id; the later ids decode through added_tokens or not at all.
    if (!(t in vocab)) vocab[t] = id;
  });
  // Byte-level BPE spells any text with the 256 byte tokens; without one, a prompt holding that byte
  // fails to tokenize (in llama.cpp too), so the file is refused here rather than at the first request.
  const missing = BYTE_TO_CHAR.findIndex((ch) => !(ch in vocab));
  if (missing >= 0) {
    throw bad(
      where,
      `tokenizer.ggml.tokens has no token for byte 0x${missing.toString(16).padStart(2, '0').toUpperCase()}; a byte-level BPE vocabulary lists all 256 bytes. The file is damaged: download it again or convert the model again.`,
    );
  }
  const merges = parseMerges(mergeList as string[], vocab, where);
  return {
    version: '1.0',
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        ...regexes.map((r) => ({ type: 'Split', pattern: { Regex: r }, behavior: 'Isolated', invert: false })),
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    added_tokens: added,
    model: { type: 'BPE', vocab, merges, dropout: null, unk_token: null, byte_fallback: false, ignore_merges: false },
  };
}

/**
 * The merges as [left, right] pairs, split as llama.cpp splits them (at the first space after the first
 * character, so a left side may start with a space), each side and their concatenation tokens of the
 * vocabulary; the Tokenizer would refuse any other, naming tokenizer.json, which a GGUF file has not.
 */
function parseMerges(list: readonly string[], vocab: Record<string, number>, where: string): [string, string][] {
  const out: [string, string][] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const at = s.indexOf(' ', 1);
    const a = at < 0 ? '' : s.slice(0, at);
    const b = at < 0 ? '' : s.slice(at + 1);
    if (at < 0 || b === '' || !(a in vocab) || !(b in vocab) || !(a + b in vocab)) {
      const why = at < 0 || b === '' ? 'is not two tokens separated by a space' : 'names a token that tokenizer.ggml.tokens does not list';
      throw bad(where, `tokenizer.ggml.merges[${i}] ${why}; the tokens and merges do not belong together. The file is damaged: download it again or convert the model again.`);
    }
    out[i] = [a, b];
  }
  return out;
}

/** HF writes the contraction group case-insensitively; llama.cpp spells the same set out (see above). */
const HF_CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
const LLAMA_CPP_CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

/** The regexes a tokenizer.json's pre-tokenizer splits with, in llama.cpp's spelling, or undefined. */
function splitRegexes(pre: unknown): string[] | undefined {
  const p = pre as { type?: string; use_regex?: boolean; pretokenizers?: unknown[] } | null;
  if (p?.type === 'ByteLevel') return p.use_regex === false ? undefined : [GPT2];
  if (p?.type !== 'Sequence' || !Array.isArray(p.pretokenizers) || p.pretokenizers.length < 2) return undefined;
  const steps = p.pretokenizers as { type?: string; pattern?: { Regex?: unknown }; behavior?: string; invert?: boolean; use_regex?: boolean }[];
  const last = steps[steps.length - 1]!;
  if (last.type !== 'ByteLevel' || last.use_regex !== false) return undefined;
  const out: string[] = [];
  for (const s of steps.slice(0, -1)) {
    if (s.type !== 'Split' || s.behavior !== 'Isolated' || s.invert || typeof s.pattern?.Regex !== 'string') return undefined;
    out.push(s.pattern.Regex.split(HF_CONTRACTIONS).join(LLAMA_CPP_CONTRACTIONS));
  }
  return out;
}

/**
 * The tokenizer.ggml.* metadata for a byte-level BPE tokenizer.json (the inverse of ggufTokenizerJson):
 * tokens by id up to `vocabSize` (ids the tokenizer leaves unused become "[PAD<id>]", type UNUSED, as
 * llama.cpp's converter writes them), their types (added special tokens CONTROL, other added tokens
 * USER_DEFINED), merges, and the pre-tokenizer named as llama.cpp knows it. Throws naming what cannot be
 * expressed (another model type, a pre-tokenizer llama.cpp has no name for).
 */
export function tokenizerToGguf(json: unknown, vocabSize: number, where: string): { pre: string; tokens: string[]; types: Int32Array; merges: string[] } {
  const t = json as { model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] }; added_tokens?: { id: number; content: string; special?: boolean }[]; pre_tokenizer?: unknown };
  if (t.model?.type !== 'BPE' || !t.model.vocab) throw bad(where, `tokenizer.json's model is ${clip(String(t.model?.type), 20)}; only byte-level BPE tokenizers can be written to GGUF.`);
  const regexes = splitRegexes(t.pre_tokenizer);
  const pre = regexes && Object.keys(PRE_TOKENIZERS).find((name) => JSON.stringify(PRE_TOKENIZERS[name]) === JSON.stringify(regexes));
  if (!pre) throw bad(where, "tokenizer.json's pre-tokenizer is not one llama.cpp names (gpt-2, llama-bpe, qwen2, deepseek-coder, starcoder, …); the file could not be tokenized the same way.");
  const tokens: string[] = new Array(vocabSize);
  const types = new Int32Array(vocabSize).fill(TOKEN_TYPE.NORMAL);
  for (const [s, id] of Object.entries(t.model.vocab)) if (id < vocabSize) tokens[id] = s;
  for (const a of t.added_tokens ?? []) {
    if (a.id >= vocabSize) continue;
    tokens[a.id] = a.content;
    types[a.id] = a.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
  }
  for (let id = 0; id < vocabSize; id++) {
    if (tokens[id] === undefined) {
      tokens[id] = `[PAD${id}]`;
      types[id] = TOKEN_TYPE.UNUSED;
    }
  }
  const merges = (t.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  return { pre, tokens, types, merges };
}
