// The engine's tokenizer: byte-level BPE from a Hugging Face tokenizer.json.
export { Tokenizer, type EncodeOptions, type StreamDecoder } from './tokenizer.ts';
export { TokenizerError } from './errors.ts';
export { gpt2TokenizerJson, GPT2_END_OF_TEXT } from './gpt2.ts';
