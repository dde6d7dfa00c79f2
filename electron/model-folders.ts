// The models the engine may read through fanout://engine/models/<id>/: model folders and single GGUF
// files. One is registered when the engine page asks to load it (a path typed in Settings, chosen with
// File > Open Model… or Open Model File…, picked in the model list, or the bundled model); only
// registered ones are served (electron/protocol-handler.ts): a folder's top-level model files, a GGUF
// file under its one name and nothing else. The id is derived from the absolute path, so the same model
// keeps its URL across engine restarts.
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { modelPathKind } from '../engine/host/gguf-file.ts';
import { resolveModelPath } from '../engine/host/model-path.ts';
import { modelBaseUrl } from './shared.ts';
import type { ResolveResult } from '../protocol/engine-window.ts';

export const FOLDER_HINT =
  'Choose a Hugging Face model folder (config.json, tokenizer.json and model.safetensors or its shards) with File > Open Model…, a .gguf file with File > Open Model File…, or enter its path in Settings.';

/** A registered GGUF file: its path, and the one name it is served by. */
export interface ModelFile {
  path: string;
  name: string;
}

/** The name a GGUF file is served by: its own when it is one URL path segment we serve (not hidden, no separators), else model.gguf. */
export function servedName(path: string): string {
  const base = basename(path);
  return /^[^./\\\0%][^/\\\0%]{0,254}$/.test(base) ? base : 'model.gguf';
}

/** A folder's id hashes its path; a file's its path after "file" and a NUL, so the two never share an id. */
const idOf = (kind: 'dir' | 'file', abs: string) => createHash('sha256').update(kind === 'dir' ? abs : `file\0${abs}`).digest('hex').slice(0, 24);

export class ModelFolders {
  private readonly dirs = new Map<string, string>();
  private readonly files = new Map<string, ModelFile>();

  /** Registers an absolute folder path; returns its id. */
  register(dir: string): string {
    const abs = resolve(dir);
    const id = idOf('dir', abs);
    this.dirs.set(id, abs);
    return id;
  }

  /** Registers an absolute GGUF file path; returns its id and the name it is served by. */
  registerFile(path: string): { id: string; name: string } {
    const abs = resolve(path);
    const id = idOf('file', abs);
    const name = servedName(abs);
    this.files.set(id, { path: abs, name });
    return { id, name };
  }

  /** The folder registered under `id`, if any. */
  dirFor(id: string): string | undefined {
    return this.dirs.get(id);
  }

  /** The GGUF file registered under `id`, if any. */
  fileFor(id: string): ModelFile | undefined {
    return this.files.get(id);
  }

  /**
   * A model path as the user typed it (relative paths start at `baseDir`: the folder that holds the
   * bundled models/, so "models/fanout-code-4m" works in development and in the packaged app) → its URL.
   * A folder, or a GGUF file (by its .gguf name or, like an Ollama blob, by its first bytes).
   */
  async resolve(path: string, baseDir: string): Promise<ResolveResult> {
    const trimmed = path.trim();
    if (trimmed === '') return { ok: false, message: 'No model folder or file was given.', hint: FOLDER_HINT };
    // `~/…` is the home folder, as in a shell (the path never went through one).
    const abs = resolveModelPath(trimmed, baseDir);
    const kind = await modelPathKind(abs);
    const gguf = /\.gguf$/i.test(abs);
    if (kind === 'gguf') {
      const { id, name } = this.registerFile(abs);
      return { ok: true, url: modelBaseUrl(id), path: abs, gguf: name };
    }
    if (kind === 'folder' && !gguf) return { ok: true, url: modelBaseUrl(this.register(abs)), path: abs };
    if (kind === 'other-file') return { ok: false, message: `${abs} is a file but not a GGUF file (it does not start with "GGUF").`, hint: FOLDER_HINT };
    return { ok: false, message: `No such ${gguf ? 'file' : 'folder'}: ${abs}.`, hint: `${FOLDER_HINT} Relative paths start at ${baseDir}.` };
  }
}
