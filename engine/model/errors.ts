// Errors raised while reading a Hugging Face model folder. `code` lets callers (CLI, UI) react per kind;
// the message always names the file/tensor at fault and what to do about it.

export type ModelErrorCode =
  | 'missing-file'
  | 'unsupported-architecture'
  | 'unsupported-dtype'
  | 'missing-tensor'
  | 'bad-shape'
  | 'corrupt-safetensors'
  | 'too-large'
  | 'bad-config'
  | 'bad-tokenizer';

export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a loadable folder holds, for error messages. */
export const FOLDER_HELP =
  'A Hugging Face model folder holds config.json, tokenizer.json and the weights as model.safetensors ' +
  '(or model-0000N-of-0000M.safetensors shards listed in model.safetensors.index.json). ' +
  'Download the whole folder, e.g. `huggingface-cli download Qwen/Qwen2.5-Coder-0.5B --local-dir <dir>`.';
