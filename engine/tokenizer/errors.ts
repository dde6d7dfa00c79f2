// Errors raised while loading a tokenizer.json or encoding with it. The message names the offending field
// (as a JSON path such as `pre_tokenizer.pretokenizers[0].type`) and what is supported instead.

export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

/** Where a tokenizer.json comes from, appended to errors about unsupported tokenizer kinds. */
export const SUPPORTED_HELP =
  'Fanout supports byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2/2.5, StarCoder, DeepSeek-Coder style): ' +
  'model.type "BPE" with a ByteLevel pre-tokenizer and decoder.';

/**
 * `message` with every stretch of more than `keep` characters copied from `input` cut to its first
 * `keep` characters and "…". For messages of code that quotes its whole input (a regex from
 * tokenizer.json can be megabytes long), so that a message stays short and quotes no long part of the file.
 */
export function elideCopies(message: string, input: string, keep = 40): string {
  const W = 16;
  if (input.length < W || message.length <= keep) return message;
  // Inputs past 1 MiB are not indexed: the whole message is cut instead.
  if (input.length > 1 << 20) return message.length <= 2 * keep ? message : `${message.slice(0, keep)}…`;
  const windows = new Set<string>();
  for (const text of [input, JSON.stringify(input).slice(1, -1)]) for (let i = 0; i + W <= text.length; i++) windows.add(text.slice(i, i + W));
  const copied = new Uint8Array(message.length);
  for (let i = 0; i + W <= message.length; i++) if (windows.has(message.slice(i, i + W))) copied.fill(1, i, i + W);
  let out = '';
  for (let i = 0; i < message.length; ) {
    let j = i;
    while (j < message.length && copied[j] === copied[i]) j++;
    out += copied[i] && j - i > keep ? `${message.slice(i, i + keep)}…` : message.slice(i, j);
    i = j;
  }
  return out;
}
