// Errors raised while loading a tokenizer.json or encoding with it. The message names the offending field
// (as a JSON path such as `pre_tokenizer.pretokenizers[0].type`) and what is supported instead.

export class TokenizerError extends Error {
  override name = 'TokenizerError';
}

/** Where a tokenizer.json comes from, appended to errors about unsupported tokenizer kinds. */
export const SUPPORTED_HELP =
  'Fanout supports byte-level BPE tokenizers (GPT-2, Llama 3, Qwen2/2.5, StarCoder, DeepSeek-Coder style): ' +
  'model.type "BPE" with a ByteLevel pre-tokenizer and decoder.';
