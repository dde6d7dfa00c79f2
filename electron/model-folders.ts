// The model folders the engine may read through fanout://engine/models/<id>/. A folder is registered
// when the engine page asks to load it (a path typed in Settings, chosen with File > Open Model…, or the
// bundled model); only registered folders are served (electron/protocol-handler.ts), and only their
// top-level model files. The id is derived from the absolute path, so the same folder keeps its URL
// across engine restarts.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveModelPath } from '../engine/host/model-path.ts';
import { modelBaseUrl } from './shared.ts';
import type { ResolveResult } from './engine-api.ts';

export const FOLDER_HINT =
  'Choose a Hugging Face model folder (config.json, tokenizer.json and model.safetensors or its shards) with File > Open Model…, or enter its path in Settings.';

export class ModelFolders {
  private readonly byId = new Map<string, string>();

  /** Registers an absolute folder path; returns its id. */
  register(dir: string): string {
    const abs = resolve(dir);
    const id = createHash('sha256').update(abs).digest('hex').slice(0, 24);
    this.byId.set(id, abs);
    return id;
  }

  /** The folder registered under `id`, if any. */
  dirFor(id: string): string | undefined {
    return this.byId.get(id);
  }

  /**
   * A folder path as the user typed it (relative paths start at `baseDir`: the folder that holds the
   * bundled models/, so "models/fanout-code-4m" works in development and in the packaged app) → its URL.
   */
  async resolve(path: string, baseDir: string): Promise<ResolveResult> {
    const trimmed = path.trim();
    if (trimmed === '') return { ok: false, message: 'No model folder was given.', hint: FOLDER_HINT };
    // `~/…` is the home folder, as in a shell (the path never went through one).
    const dir = resolveModelPath(trimmed, baseDir);
    let isDir = false;
    try {
      isDir = (await stat(dir)).isDirectory();
    } catch {
      // missing or unreadable
    }
    if (!isDir) {
      return { ok: false, message: `No such folder: ${dir}.`, hint: `${FOLDER_HINT} Relative paths start at ${baseDir}.` };
    }
    return { ok: true, url: modelBaseUrl(this.register(dir)), path: dir };
  }
}
