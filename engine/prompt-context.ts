// Context from other files: chunks of the user's other open or recently used files (the renderer's
// ring of chunks, like llama.vim's), laid out before the current file's text in the prompt.
//
// Two layouts, picked by the tokenizer:
// - repository layout (Qwen2.5-Coder's `<|file_sep|>`): `<|file_sep|>a.ts\n<chunk>\n` per chunk, then
//   `<|file_sep|>current.ts\n` and the current file's prefix (or FIM layout), as the model was trained;
// - plain layout (models without such a token, the bundled one): each chunk as text under a one-line
//   comment naming its file (`// a.ts`), a blank line after it, at the start of the prefix, where a
//   concatenated file of code would have it.
//
// Budget: the chunks take at most `contextTokens` and at most half of the prompt's budget, so the text
// around the cursor always keeps the larger share. Chunks come most relevant first; whole chunks are
// taken in that order while they fit, and laid out in reverse, so the most relevant ends nearest the cursor.

import type { PromptTokenizer } from './prompt.ts';
import type { ContextChunk } from '../protocol/engine.ts';

export const FILE_SEP_TOKEN = '<|file_sep|>';

/** Comment marker for the plain layout's header line, by file extension (default `//`). */
const HASH_COMMENT = /\.(py|pyi|rb|sh|bash|zsh|ps1|pl|r|jl|ya?ml|toml|ex|exs|nim|cmake|dockerfile|mk)$|(^|\/)(Makefile|Dockerfile)$/i;
const DASH_COMMENT = /\.(sql|lua|hs|elm|ada|adb)$/i;

export function commentMarker(name: string): string {
  if (HASH_COMMENT.test(name)) return '#';
  if (DASH_COMMENT.test(name)) return '--';
  return '//';
}

export interface LaidOutContext {
  /** Token ids to put before the current file's text (after the FIM prefix token in the plain layout). */
  ids: number[];
  /** In the repository layout these ids go before the FIM prefix token, not after it. */
  beforeFim: boolean;
  /** How many chunks made it in. */
  chunks: number;
}

/**
 * The context chunks' ids within `maxTokens`. `fileName` (the current file) names the current file in
 * the repository layout. Returns no ids when nothing fits or there are no chunks.
 */
export function layOutContext(
  tok: PromptTokenizer,
  chunks: readonly ContextChunk[],
  maxTokens: number,
  fileName: string | undefined,
): LaidOutContext {
  const none = { ids: [], beforeFim: false, chunks: 0 };
  if (!chunks.length || maxTokens <= 0) return none;
  const sep = tok.tokenId(FILE_SEP_TOKEN);
  const encode = (s: string) => tok.encode(s, { specials: false });
  // The repository layout also names the current file; that header is paid for from the same budget.
  const tail = sep !== undefined ? [sep, ...encode(`${fileName || 'untitled'}\n`)] : [];
  let room = maxTokens - tail.length;
  const taken: number[][] = [];
  for (const c of chunks) {
    const text = c.text.endsWith('\n') ? c.text : `${c.text}\n`;
    const ids = sep !== undefined ? [sep, ...encode(`${c.name}\n${text}`)] : encode(`${commentMarker(c.name)} ${c.name}\n${text}\n`);
    if (ids.length > room) continue; // a smaller chunk further down may still fit
    taken.push(ids);
    room -= ids.length;
  }
  if (!taken.length) return none;
  const ids = taken.reverse().flat();
  return { ids: sep !== undefined ? [...ids, ...tail] : ids, beforeFim: sep !== undefined, chunks: taken.length };
}
