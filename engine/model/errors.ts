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

/**
 * Why `text` is not JSON, without quoting it: V8's own message quotes the text ("Unexpected token 'r',
 * "root:*:202"... is not valid JSON"), and a model file can be a symlink to any file on disk, so its
 * content must never reach an error message (or the client that asked for the load). Gives the place
 * (line and column) where parsing stopped when V8's message names a position.
 */
export function jsonProblem(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : '';
  if (/Unexpected end of JSON input/i.test(msg) || text.trim() === '') return 'it ends before the JSON value does (empty or truncated)';
  const at = /position (\d+)/.exec(msg);
  if (at) {
    const pos = Number(at[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    return `parsing stopped at line ${line}, column ${col}`;
  }
  return 'it holds text that is not JSON';
}
