// Builds the prompt token ids for one completion request: prefix only, or fill-in-the-middle
// (prefix–suffix–middle) when the tokenizer has FIM tokens and there is text after the cursor.
//
// User text is encoded with specials off, so a file that contains "<|endoftext|>" or "<|fim_middle|>"
// cannot inject control tokens. When the prompt does not fit the context window (minus the tokens
// reserved for the completion), the prefix loses tokens at its start and the suffix at its end: the
// text nearest the cursor stays. Chunks of other files (prompt-context.ts) go before the prefix, within
// their own budget and never at the expense of more than half of the prompt.

import { layOutContext } from './prompt-context.ts';
import type { ContextChunk } from '../protocol/engine.ts';

export interface PromptTokenizer {
  encode(text: string, opts?: { specials?: boolean }): number[];
  tokenId(token: string): number | undefined;
}

export interface PromptInput {
  /** Text before the cursor. */
  prefix: string;
  /** Text after the cursor; FIM is used only when it is non-empty. */
  suffix?: string;
  /** Chunks of other files, most relevant first (prompt-context.ts). */
  context?: readonly ContextChunk[];
  /** At most this many tokens of `context` (0 or absent: none). */
  contextTokens?: number;
  /** The current file's name (the repository layout names it). */
  fileName?: string;
}

export interface BuiltPrompt {
  ids: number[];
  /** Some prefix or suffix text was left out to fit the context. */
  truncated: boolean;
  /** The prompt uses the fill-in-the-middle layout. */
  fim: boolean;
  /**
   * Index in `ids` just past the prefix's last token: `ids.length` for a prefix-only prompt, the
   * position of the FIM suffix token in the FIM layout. Token healing takes back `ids[prefixEnd - 1]`.
   */
  prefixEnd: number;
  /** Index of the prefix's first token (after any context from other files); healing stays within [prefixStart, prefixEnd). */
  prefixStart: number;
  /** Chunks of other files that made it into the prompt, and their tokens. */
  contextChunks: number;
  contextTokens: number;
}

/** FIM token spellings, tried in order: Qwen2.5-Coder / DeepSeek style, then StarCoder style. */
const FIM_SPELLINGS = [
  ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'],
  ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
] as const;

export interface FimTokens {
  prefix: number;
  suffix: number;
  middle: number;
}

/** The tokenizer's FIM token ids, if it has a complete set. */
export function fimTokens(tok: PromptTokenizer): FimTokens | undefined {
  for (const [p, s, m] of FIM_SPELLINGS) {
    const prefix = tok.tokenId(p);
    const suffix = tok.tokenId(s);
    const middle = tok.tokenId(m);
    if (prefix !== undefined && suffix !== undefined && middle !== undefined) return { prefix, suffix, middle };
  }
  return undefined;
}

/**
 * Smallest share of the FIM token budget the suffix keeps when both sides are too long: the prefix is
 * preferred (it gets the rest, and any room the suffix does not use), but the lines right after the
 * cursor are kept too, as they tell the model where the middle must end.
 */
export const SUFFIX_SHARE = 0.25;

/**
 * Prompt ids for `input`, at most `contextLimit − reserve` tokens long (`reserve`: tokens the completion
 * may generate). Throws when that leaves no room at all.
 */
export function buildPrompt(tok: PromptTokenizer, input: PromptInput, contextLimit: number, reserve: number): BuiltPrompt {
  const budget = contextLimit - reserve;
  if (!(budget >= 1)) {
    throw new RangeError(
      `the completion's ${reserve} tokens leave no room for the prompt in the model's context of ${contextLimit} tokens; ` +
        'lower max tokens.',
    );
  }
  const fim = input.suffix ? fimTokens(tok) : undefined;
  // A FIM prompt needs 3 control tokens; with no room for them, fall back to the prefix alone.
  const useFim = fim !== undefined && budget > 3;
  const own = useFim ? budget - 3 : budget;
  const pre = tailTokens(tok, input.prefix, own);
  const suf = useFim ? headTokens(tok, input.suffix!, own) : { ids: [], cut: false };
  // Other files get what the current file leaves, but at least half the budget if they need it.
  const ownNeed = Math.min(own, pre.ids.length + suf.ids.length);
  const ctxRoom = Math.min(input.contextTokens ?? 0, Math.max(Math.floor(own / 2), own - ownNeed));
  const ctx = layOutContext(tok, input.context ?? [], ctxRoom, input.fileName);
  const avail = own - ctx.ids.length;
  const context = { contextChunks: ctx.chunks, contextTokens: ctx.ids.length };
  if (useFim) {
    let sufKeep = suf.ids.length;
    let preKeep = pre.ids.length;
    if (preKeep + sufKeep > avail) {
      sufKeep = Math.min(sufKeep, Math.max(avail - preKeep, Math.floor(avail * SUFFIX_SHARE)));
      preKeep = Math.min(preKeep, avail - sufKeep);
    }
    const before = ctx.beforeFim ? ctx.ids : [];
    const inside = ctx.beforeFim ? [] : ctx.ids;
    const ids = [
      ...before,
      fim!.prefix,
      ...inside,
      ...pre.ids.slice(pre.ids.length - preKeep),
      fim!.suffix,
      ...suf.ids.slice(0, sufKeep),
      fim!.middle,
    ];
    const truncated = pre.cut || suf.cut || preKeep < pre.ids.length || sufKeep < suf.ids.length;
    return { ids, truncated, fim: true, prefixStart: before.length + 1 + inside.length, prefixEnd: before.length + 1 + inside.length + preKeep, ...context };
  }
  const ids = [...ctx.ids, ...pre.ids.slice(Math.max(0, pre.ids.length - avail))];
  return { ids, truncated: pre.cut || pre.ids.length > avail, fim: false, prefixStart: ctx.ids.length, prefixEnd: ids.length, ...context };
}

interface Encoded {
  ids: number[];
  /** Text was left out before encoding (so `ids` is already missing some of it). */
  cut: boolean;
}

/**
 * Encoding of `text`, or of enough of its end to yield at least `want` tokens. Encoding a whole large
 * file on every keystroke would be slow, so it encodes a window of the last characters, widening it
 * until it yields `want` tokens. The first token of a window may be a fragment of a token that the cut
 * split, so it is dropped, and the window must yield `want + 1`.
 */
function tailTokens(tok: PromptTokenizer, text: string, want: number): Encoded {
  for (let chars = Math.max(64, want * 8); chars < text.length; chars *= 2) {
    const ids = tok.encode(text.slice(safeCut(text, text.length - chars)), { specials: false });
    if (ids.length > want) return { ids: ids.slice(1), cut: true };
  }
  return { ids: tok.encode(text, { specials: false }), cut: false };
}

/** Like tailTokens, from the start of `text`: at least `want` tokens of its beginning, or all of it. */
function headTokens(tok: PromptTokenizer, text: string, want: number): Encoded {
  for (let chars = Math.max(64, want * 8); chars < text.length; chars *= 2) {
    const ids = tok.encode(text.slice(0, safeCut(text, chars)), { specials: false });
    if (ids.length > want) return { ids: ids.slice(0, -1), cut: true };
  }
  return { ids: tok.encode(text, { specials: false }), cut: false };
}

/** Moves a cut index off the middle of a UTF-16 surrogate pair. */
function safeCut(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff ? i + 1 : i;
}
