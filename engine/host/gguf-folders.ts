// GGUF files in plain folders: LM Studio's models folder (<root>/<publisher>/<repo>/*.gguf, depth 2) and
// each FANOUT_MODEL_DIRS folder (<dir>/*.gguf, depth 0). Not listed: vision projectors (mmproj-*.gguf,
// which are not language models) and the parts of a split model after the first: a split model
// (name-00001-of-00003.gguf, …) is listed once, by its first part, with its part count and total size.
//
// The walk goes exactly `depth` folders down and follows symlinked folders (LM Studio imports models as
// symlinks), so a symlink loop ends at that depth; a file reached twice (by a link) is listed once.
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listFolder } from './bounded-fs.ts';
import type { FoundFile } from './ollama-store.ts';

/** A vision projector that LM Studio keeps beside the model it belongs to. */
export function isProjector(name: string): boolean {
  return /(^|[-_.])mmproj([-_.]|$)/i.test(name);
}

/** name-00001-of-00003.gguf → { stem: "name", part: 1, parts: 3 }; null for a file that is not a part. */
export function splitPart(name: string): { stem: string; part: number; parts: number } | null {
  const m = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i.exec(name);
  if (!m) return null;
  const part = Number(m[2]);
  const parts = Number(m[3]);
  return part >= 1 && parts >= 2 && part <= parts ? { stem: m[1]!, part, parts } : null;
}

export interface FolderLimits {
  /** Most entries looked at in one folder. */
  maxEntries: number;
  /** Most files returned. */
  maxFiles: number;
}

/** The GGUF files `depth` folders below `root`, sorted by path; at most `maxFiles`. `more`: some were left out. */
export async function ggufFilesUnder(root: string, depth: number, limits: FolderLimits): Promise<{ files: FoundFile[]; more: boolean }> {
  const files: FoundFile[] = [];
  const seen = new Set<string>();
  let more = false;

  const isDir = async (path: string) => {
    try {
      return (await stat(path)).isDirectory();
    } catch {
      return false;
    }
  };

  const visit = async (dir: string, level: number): Promise<void> => {
    const listed = await listFolder(dir, limits.maxEntries);
    more ||= listed.more;
    if (level < depth) {
      for (const e of listed.entries) {
        if (files.length >= limits.maxFiles) return;
        const sub = join(dir, e.name);
        if (e.isDirectory() || (e.isSymbolicLink() && (await isDir(sub)))) await visit(sub, level + 1);
      }
      return;
    }
    const names = listed.entries.map((e) => e.name).filter((n) => /\.gguf$/i.test(n) && !isProjector(n));
    const present = new Set(names);
    for (const name of names) {
      const split = splitPart(name);
      if (split && split.part !== 1) continue;
      const path = join(dir, name);
      let st;
      let real: string;
      try {
        [st, real] = await Promise.all([stat(path), realpath(path)]);
      } catch {
        continue; // a dangling link, or gone meanwhile
      }
      if (!st.isFile() || seen.has(real)) continue;
      if (files.length >= limits.maxFiles) {
        more = true;
        return;
      }
      seen.add(real);
      let bytes = st.size;
      let problem: string | null = null;
      if (split) {
        // The size of all parts; a missing part is said (the file could not be loaded whole anyway).
        const missing: number[] = [];
        for (let p = 2; p <= split.parts; p++) {
          const partName = `${split.stem}-${String(p).padStart(5, '0')}-of-${String(split.parts).padStart(5, '0')}.gguf`;
          try {
            if (!present.has(partName)) throw new Error('missing');
            bytes += (await stat(join(dir, partName))).size;
          } catch {
            missing.push(p);
          }
        }
        if (missing.length) problem = `part${missing.length > 1 ? 's' : ''} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} of ${split.parts} ${missing.length > 1 ? 'are' : 'is'} missing beside it; download the model again.`;
      }
      const stem = split ? split.stem : name.replace(/\.gguf$/i, '');
      files.push({ name: stem, path, bytes, splitParts: split ? split.parts : null, problem });
    }
  };

  await visit(root, 0);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, more };
}
