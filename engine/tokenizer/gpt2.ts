// Converts OpenAI's original GPT-2 tokenizer files (encoder.json: token → id, vocab.bpe: the merge list)
// into a Hugging Face tokenizer.json object, the format Tokenizer.fromJSON reads. The result matches the
// tokenizer.json published for `gpt2` on the Hub: ByteLevel pre-tokenizer without prefix space, ByteLevel
// decoder, and "<|endoftext|>" (id 50256) as the one special added token.
// Takes file contents rather than paths so it runs in the browser too.

import { TokenizerError } from './errors.ts';

export const GPT2_END_OF_TEXT = '<|endoftext|>';

export function gpt2TokenizerJson(encoderJson: string | Record<string, number>, vocabBpe: string): object {
  const vocab: unknown = typeof encoderJson === 'string' ? JSON.parse(encoderJson) : encoderJson;
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new TokenizerError('gpt2TokenizerJson: encoder.json must be an object mapping tokens to ids.');
  }
  const endOfText = (vocab as Record<string, number>)[GPT2_END_OF_TEXT];
  if (typeof endOfText !== 'number') {
    throw new TokenizerError(`gpt2TokenizerJson: encoder.json has no ${GPT2_END_OF_TEXT} entry; is it GPT-2's?`);
  }

  // vocab.bpe: a "#version: 0.2" header, then one "left right" merge per line, in rank order.
  const merges: string[] = [];
  vocabBpe.split('\n').forEach((raw, k) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || (k === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new TokenizerError(
        `gpt2TokenizerJson: vocab.bpe line ${k + 1} is ${JSON.stringify(line)}; expected "left right".`,
      );
    }
    merges.push(line);
  });

  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: endOfText,
        content: GPT2_END_OF_TEXT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}
