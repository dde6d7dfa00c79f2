// Errors raised while reading a Hugging Face model folder. `code` lets callers (CLI, UI) react per kind;
// the message always names the file/tensor at fault and what to do about it.

export type ModelErrorCode =
  | 'missing-file'
  | 'unsupported-architecture'
  | 'unsupported-dtype'
  | 'missing-tensor'
  | 'bad-shape'
  | 'corrupt-safetensors'
  | 'corrupt-gguf'
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
 * A name or string from a model file, cut for a message: at most `max` characters (then "…" and its
 * length). Files are untrusted; a tensor name, a dtype or an architecture can be megabytes long.
 */
export function clip(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

/**
 * A name from a binary model file (a GGUF architecture, tokenizer or pre-tokenizer name, a metadata key,
 * a tensor name) for a message: quoted and clipped to `max` characters when it is printable text, else
 * described by its length only. A string with control characters is not a name: quoting it would put
 * the file's line breaks (or whatever text it holds) into the message.
 */
export function describeName(s: string, max = 80): string {
  // C0/C1 controls, DEL, lone surrogates, the replacement character and bidi overrides.
  if (/[\u0000-\u001f\u007f-\u009f\ufffd\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) {
    return `a name of ${s.length} characters with control characters`;
  }
  return `'${clip(s, max)}'`;
}

/**
 * A path or URL the user (or a client) gave, for a message: whole up to `max` characters, else its start
 * and its end (the folder's own name is at the end). A client may send a 4096-character path.
 */
export function clipMiddle(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, 50)}…${s.slice(-60)} (${s.length} characters)`;
}

/**
 * A JSON value from a model file, described for a message without quoting much of it and without
 * recursing into it (a value can be nested 100 000 deep): short primitives and short flat arrays of them
 * as JSON, anything else by kind and size.
 */
export function describeValue(v: unknown, max = 80): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'string') return v.length <= max ? JSON.stringify(v) : `a string of ${v.length} characters`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'a number too large for JSON';
  if (v === null || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const flat = v.length <= 8 && v.every((x) => x === null || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)) || (typeof x === 'string' && x.length <= 20));
    const text = flat ? JSON.stringify(v) : '';
    return flat && text.length <= max ? text : `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  }
  return 'an object';
}

/** A tensor shape for a message: the sizes when there are a few, else the rank and the first sizes. */
export function describeShape(shape: readonly number[]): string {
  return shape.length <= 8 ? `[${shape.join(',')}]` : `[${shape.slice(0, 4).join(',')},…] (${shape.length} dimensions)`;
}
