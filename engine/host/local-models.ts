// The GGUF models a user already has, for the app's model picker (the host protocol's list-models):
//
//   FANOUT_MODEL_DIRS   folders (path-delimiter separated: ":" on Linux/macOS, ";" on Windows) whose
//                       *.gguf files are listed (one level; e.g. llama.cpp downloads)
//   Ollama              $OLLAMA_MODELS, else ~/.ollama/models (and on Linux the system service's
//                       /usr/share/ollama/.ollama/models): ollama-store.ts
//   LM Studio           <home>/models/<publisher>/<repo>/*.gguf and its settings' downloadsFolder:
//                       lmstudio-folders.ts, gguf-folders.ts
//
// Each file is described from its header (gguf-summary.ts): architecture, quantization, parameters, and
// whether Fanout can load it. Bounded: at most `maxFiles` files (MAX_LOCAL_MODELS), each header read
// with a byte and time limit, all header reads of one listing within `totalMs` (the files past it are
// listed as not checked; the next listing goes on from the cache). Headers are read one after another
// and cached by (path, size, modification time), so opening the picker again reads only what changed.
// A file or manifest that cannot be read is listed with the reason; nothing in the folders can make the
// listing fail. Node only.
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { realpath, stat } from 'node:fs/promises';
import { clip } from '../model/errors.ts';
import { ggufFilesUnder } from './gguf-folders.ts';
import { summarizeGguf, type GgufSummary, type SummaryLimits } from './gguf-summary.ts';
import { lmStudioModelFolders } from './lmstudio-folders.ts';
import { expandHome } from './model-path.ts';
import { ollamaModels, type FoundFile } from './ollama-store.ts';
import { MAX_LOCAL_MODELS, MAX_SEARCHED_PLACES, type LocalModel, type LocalModelList, type LocalModelSource, type SearchedPlace } from '../../protocol/host.ts';

/** The folders to look in, by kind. */
export interface ModelRoots {
  /** Ollama stores (folders holding manifests/ and blobs/). */
  ollama: string[];
  /** LM Studio models folders (<publisher>/<repo>/*.gguf below them). */
  lmstudio: string[];
  /** Folders whose *.gguf files are listed (FANOUT_MODEL_DIRS). */
  folders: string[];
}

/** The folders of this machine: from the environment (`env`, `home` and `platform` for tests). */
export async function defaultRoots(opts: { env?: NodeJS.ProcessEnv; home?: string; platform?: NodeJS.Platform } = {}): Promise<ModelRoots> {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const platform = opts.platform ?? process.platform;
  const abs = (p: string) => resolve(expandHome(p.trim(), home));
  const ollama = env.OLLAMA_MODELS?.trim()
    ? [abs(env.OLLAMA_MODELS)]
    : [join(home, '.ollama', 'models'), ...(platform === 'linux' ? ['/usr/share/ollama/.ollama/models'] : [])];
  const folders = (env.FANOUT_MODEL_DIRS ?? '')
    .split(delimiter)
    .filter((p) => p.trim() !== '')
    .map(abs);
  return { ollama, lmstudio: await lmStudioModelFolders(home), folders };
}

export interface LocalModelFinderOptions {
  /** Where to look (default: defaultRoots(), read again for each listing). */
  roots?: () => ModelRoots | Promise<ModelRoots>;
  /** Most files listed (default and at most MAX_LOCAL_MODELS). */
  maxFiles?: number;
  /** Most entries looked at in one folder (default 2000). */
  maxEntries?: number;
  /** Limits of one header read (default 64 MiB, 10 s). */
  header?: SummaryLimits;
  /** Milliseconds all header reads of one listing may take (default 30 s). */
  totalMs?: number;
  /** Described files kept in memory (default 1000). */
  cacheSize?: number;
}

const isDir = async (path: string) => {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
};

/** Lists the models of ModelRoots; one per host (its cache is what makes a second listing fast). */
export class LocalModelFinder {
  private readonly cache = new Map<string, { key: string; summary: GgufSummary }>();
  private running: Promise<LocalModelList> | undefined;
  private readonly maxFiles: number;

  constructor(private readonly opts: LocalModelFinderOptions = {}) {
    this.maxFiles = Math.min(opts.maxFiles ?? MAX_LOCAL_MODELS, MAX_LOCAL_MODELS);
  }

  /** The models now; concurrent calls share one listing. */
  list(): Promise<LocalModelList> {
    this.running ??= this.scan().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async scan(): Promise<LocalModelList> {
    const roots = await (this.opts.roots ?? (() => defaultRoots()))();
    const maxEntries = this.opts.maxEntries ?? 2000;
    const header = this.opts.header ?? { maxHeaderBytes: 64 << 20, timeoutMs: 10_000 };
    const deadline = Date.now() + (this.opts.totalMs ?? 30_000);

    const places: { source: LocalModelSource; path: string; depth: number }[] = [
      ...roots.folders.map((path) => ({ source: 'folder' as const, path, depth: 0 })),
      ...roots.ollama.map((path) => ({ source: 'ollama' as const, path, depth: -1 })),
      ...roots.lmstudio.map((path) => ({ source: 'lmstudio' as const, path, depth: 2 })),
    ].slice(0, MAX_SEARCHED_PLACES);

    const searched: SearchedPlace[] = [];
    const found: { file: FoundFile; source: LocalModelSource }[] = [];
    /** Files listed from plain folders, by real path: one in FANOUT_MODEL_DIRS and LM Studio's folder is listed once. */
    const seen = new Set<string>();
    let truncated = false;
    for (const place of places) {
      const exists = await isDir(place.path);
      searched.push({ source: place.source, path: place.path, found: exists });
      if (!exists) continue;
      const room = this.maxFiles - found.length;
      if (room <= 0) {
        truncated = true;
        continue;
      }
      const r =
        place.depth < 0
          ? await ollamaModels(place.path, { maxManifests: room, maxEntries })
          : await ggufFilesUnder(place.path, place.depth, { maxFiles: room, maxEntries });
      truncated ||= r.more;
      for (const file of r.files) {
        if (place.source !== 'ollama') {
          const real = await realpath(file.path).catch(() => file.path);
          if (seen.has(real)) continue;
          seen.add(real);
        }
        found.push({ file, source: place.source });
      }
    }

    const models: LocalModel[] = [];
    for (const { file, source } of found) {
      let summary: GgufSummary;
      if (file.problem !== null) {
        summary = { architecture: null, quantization: null, parameters: null, loadable: { ok: false, why: file.problem }, error: file.problem };
      } else if (Date.now() > deadline) {
        truncated = true;
        const why = 'not checked yet: listing the models took too long; open the list again to check the rest.';
        summary = { architecture: null, quantization: null, parameters: null, loadable: { ok: false, why }, error: why };
      } else {
        summary = await this.describe(file, header);
      }
      models.push({
        name: clip(file.name, 500),
        path: file.path,
        bytes: file.bytes,
        source,
        splitParts: file.splitParts,
        ...summary,
        architecture: summary.architecture === null ? null : clip(summary.architecture, 100),
        loadable: summary.loadable.ok ? summary.loadable : { ok: false, why: clip(summary.loadable.why, 1900) },
        error: summary.error === null ? null : clip(summary.error, 1900),
      });
    }
    // Paths longer than the protocol allows cannot be loaded through it either; no real path is that long.
    return { models: models.filter((m) => m.path.length <= 4096), searched: searched.filter((s) => s.path.length <= 4096), truncated };
  }

  /** The file's summary, from the cache when its size and modification time are those cached. */
  private async describe(file: FoundFile, limits: SummaryLimits): Promise<GgufSummary> {
    let key: string;
    try {
      const st = await stat(file.path);
      key = `${st.size}:${st.mtimeMs}:${file.splitParts ?? 1}`;
    } catch {
      const why = 'it was removed while the list was made.';
      return { architecture: null, quantization: null, parameters: null, loadable: { ok: false, why }, error: why };
    }
    const hit = this.cache.get(file.path);
    if (hit?.key === key) return hit.summary;
    const summary = await summarizeGguf(file.path, limits, file.splitParts);
    this.cache.delete(file.path);
    this.cache.set(file.path, { key, summary });
    const max = this.opts.cacheSize ?? 1000;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
    return summary;
  }
}
