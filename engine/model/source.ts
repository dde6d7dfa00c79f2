// Where a model folder's files come from: a local directory (fs-source.ts, Node only) or an HTTP base URL
// (http-source.ts, browser/Electron). File names are relative to the folder ("config.json").
// Weights are read in byte ranges so a multi-GB file is never held in memory at once.

export interface ModelSource {
  /** For messages: the directory path or base URL. */
  name: string;
  /** The model is this GGUF file of the source (a file name in it), not a Hugging Face folder. */
  gguf?: string;
  exists(file: string): Promise<boolean>;
  /**
   * The file as UTF-8 text; a file over `maxBytes` (or one that is not a regular file: a FIFO, a device)
   * is refused with ModelError('too-large' / 'missing-file') before it is read, whatever size it claims.
   */
  readText(file: string, maxBytes: number): Promise<string>;
  /** File size in bytes. */
  size(file: string): Promise<number>;
  /** Exactly `length` bytes at byte `offset`; throws ModelError('corrupt-safetensors') if the file is shorter. */
  read(file: string, offset: number, length: number): Promise<Uint8Array>;
}

/**
 * Largest JSON files read whole (bytes). Real ones: config.json ~1 KB, tokenizer.json 2–35 MB (Qwen2.5
 * 7 MB, Llama 3 9 MB, Gemma 34 MB), model.safetensors.index.json ~100 KB. A multi-GB file (or
 * /dev/zero behind a symlink) must not be read into memory first and parsed after.
 */
export const TEXT_LIMITS = {
  'config.json': 1 << 20,
  'tokenizer.json': 64 << 20,
  'model.safetensors.index.json': 16 << 20,
} as const;

/** The message for a text file over its limit. */
export function tooLargeText(where: string, bytes: number | undefined, maxBytes: number): string {
  const n = (b: number) => b.toLocaleString('en-US');
  const size = bytes === undefined ? `more than ${n(maxBytes)} bytes` : `${n(bytes)} bytes`;
  return `${where} is ${size}; at most ${n(maxBytes)} bytes are read for this file. It is not the file a model folder holds: download the folder again.`;
}
