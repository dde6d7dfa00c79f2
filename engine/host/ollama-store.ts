// The models in an Ollama store (OLLAMA_MODELS, ~/.ollama/models, /usr/share/ollama/.ollama/models):
//
//   manifests/<registry>/<namespace>/<model>/<tag>   JSON: { schemaVersion: 2, layers: [{ mediaType, digest, size }, …] }
//   blobs/sha256-<64 hex>                            the layers; the one of mediaType
//                                                    application/vnd.ollama.image.model is the GGUF file
//
// Named as `ollama list` names them: "qwen2.5-coder:7b"; "namespace/model:tag" when the namespace is not
// "library"; "registry/namespace/model:tag" when the registry is not registry.ollama.ai (e.g.
// "hf.co/bartowski/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M").
//
// A manifest is input from whoever could write the folder: it is read only when it is a regular file of
// at most 64 KiB, checked with zod, its digest must be sha256 and 64 hex digits (so the blob's name cannot
// be a path), the blob must be a regular file inside blobs/ once symlinks are resolved, and its size must be
// the one the manifest states. A manifest that fails any check is listed with the reason, not dropped
// silently and never followed. Only real folders are walked (no symlinks), so a symlink loop is harmless.
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { z } from 'zod';
import { listFolder, readBoundedText } from './bounded-fs.ts';

/** A GGUF file found in a store, before its header is read; `problem` set: the entry could not be resolved to a usable file. */
export interface FoundFile {
  name: string;
  path: string;
  bytes: number;
  splitParts: number | null;
  problem: string | null;
}

export const OLLAMA_MODEL_MEDIA_TYPE = 'application/vnd.ollama.image.model';
export const DEFAULT_REGISTRY = 'registry.ollama.ai';
/** Real manifests are under 2 KB. */
export const MAX_MANIFEST_BYTES = 64 << 10;

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  layers: z
    .array(
      z.object({
        mediaType: z.string().max(200),
        digest: z.string().max(200),
        size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      }),
    )
    .max(256),
});

/** How Ollama names the model of manifests/<registry>/<namespace>/<model>/<tag>. */
export function ollamaName(registry: string, namespace: string, model: string, tag: string): string {
  const short = `${model}:${tag}`;
  if (registry === DEFAULT_REGISTRY) return namespace === 'library' ? short : `${namespace}/${short}`;
  return `${registry}/${namespace}/${short}`;
}

/** The model layer's blob of one manifest: its path and size, or why it cannot be used. */
export async function resolveManifest(store: string, manifestPath: string): Promise<{ ok: true; path: string; bytes: number } | { ok: false; why: string }> {
  const text = await readBoundedText(manifestPath, MAX_MANIFEST_BYTES);
  if (!text.ok) return { ok: false, why: `its manifest ${manifestPath} cannot be used: ${text.why}` };
  let raw: unknown;
  try {
    raw = JSON.parse(text.text);
  } catch {
    return { ok: false, why: `its manifest ${manifestPath} is not JSON; pull the model again with ollama pull.` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.length ? first.path.join('.') : '(manifest)';
    return { ok: false, why: `its manifest ${manifestPath} is not an Ollama manifest (schemaVersion 2 with layers): ${field}: ${first?.message ?? 'invalid'}.` };
  }
  const layer = parsed.data.layers.find((l) => l.mediaType === OLLAMA_MODEL_MEDIA_TYPE);
  if (!layer) return { ok: false, why: `its manifest lists no model layer (${OLLAMA_MODEL_MEDIA_TYPE}).` };
  const m = /^sha256:([0-9a-f]{64})$/.exec(layer.digest);
  if (!m) return { ok: false, why: `its manifest's model digest is not "sha256:" and 64 hex digits (${JSON.stringify(layer.digest.slice(0, 80))}); the manifest is damaged.` };
  const blobs = join(store, 'blobs');
  const blob = join(blobs, `sha256-${m[1]}`);
  let real: string;
  let realBlobs: string;
  try {
    [real, realBlobs] = await Promise.all([realpath(blob), realpath(blobs)]);
  } catch {
    return { ok: false, why: `its model blob ${blob} is missing; pull the model again with ollama pull.` };
  }
  if (!real.startsWith(realBlobs + sep)) return { ok: false, why: `its model blob ${blob} leads outside ${blobs} (a symlink); it is not read.` };
  let st;
  try {
    st = await stat(real);
  } catch {
    return { ok: false, why: `its model blob ${blob} cannot be read.` };
  }
  if (!st.isFile()) return { ok: false, why: `its model blob ${blob} is not a regular file.` };
  if (st.size !== layer.size) {
    return { ok: false, why: `its model blob is ${st.size} bytes, but the manifest says ${layer.size}: the download is incomplete or damaged; pull the model again.` };
  }
  return { ok: true, path: blob, bytes: st.size };
}

export interface OllamaLimits {
  /** Most manifests read from one store. */
  maxManifests: number;
  /** Most entries looked at in one folder of the manifests tree. */
  maxEntries: number;
}

/** Every model (manifest) of the store at `store`, sorted by name; at most `maxManifests`. `more`: some were left out. */
export async function ollamaModels(store: string, limits: OllamaLimits): Promise<{ files: FoundFile[]; more: boolean }> {
  const files: FoundFile[] = [];
  let more = false;
  const dirs = async (path: string) => {
    const r = await listFolder(path, limits.maxEntries);
    more ||= r.more;
    return r.entries.filter((e) => e.isDirectory()).map((e) => e.name);
  };
  const manifests = join(store, 'manifests');
  outer: for (const registry of await dirs(manifests)) {
    for (const namespace of await dirs(join(manifests, registry))) {
      for (const model of await dirs(join(manifests, registry, namespace))) {
        const folder = join(manifests, registry, namespace, model);
        const tags = await listFolder(folder, limits.maxEntries);
        more ||= tags.more;
        for (const tag of tags.entries) {
          if (!tag.isFile()) continue;
          if (files.length >= limits.maxManifests) {
            more = true;
            break outer;
          }
          const name = ollamaName(registry, namespace, model, tag.name);
          const manifest = join(folder, tag.name);
          const r = await resolveManifest(store, manifest);
          files.push(r.ok ? { name, path: r.path, bytes: r.bytes, splitParts: null, problem: null } : { name, path: manifest, bytes: 0, splitParts: null, problem: r.why });
        }
      }
    }
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, more };
}
