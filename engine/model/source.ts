// Where a model folder's files come from: a local directory (fs-source.ts, Node only) or an HTTP base URL
// (http-source.ts, browser/Electron). File names are relative to the folder ("config.json").
// Weights are read in byte ranges so a multi-GB file is never held in memory at once.

export interface ModelSource {
  /** For messages: the directory path or base URL. */
  name: string;
  exists(file: string): Promise<boolean>;
  readText(file: string): Promise<string>;
  /** File size in bytes. */
  size(file: string): Promise<number>;
  /** Exactly `length` bytes at byte `offset`; throws ModelError('corrupt-safetensors') if the file is shorter. */
  read(file: string, offset: number, length: number): Promise<Uint8Array>;
}
