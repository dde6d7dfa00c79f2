// The File > Open Recent list: most recent first, no duplicates, at most MAX_RECENT entries, kept in
// <userData>/recent-files.json. The list logic is pure; RecentFiles adds the file and change events.
import { isAbsolute } from 'node:path';
import { readJson, writeJson } from './json-store.ts';

export const MAX_RECENT = 10;

/** Whether two paths name the same file (case-insensitive on Windows and macOS's default file system). */
export function samePath(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'win32' || platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** `path` moved (or added) to the front. */
export function addRecent(list: readonly string[], path: string, platform: NodeJS.Platform = process.platform, max = MAX_RECENT): string[] {
  return [path, ...list.filter((p) => !samePath(p, path, platform))].slice(0, max);
}

export function removeRecent(list: readonly string[], path: string, platform: NodeJS.Platform = process.platform): string[] {
  return list.filter((p) => !samePath(p, path, platform));
}

/** Whatever the file holds → a valid list (absolute path strings, deduplicated, at most `max`). */
export function validateRecent(raw: unknown, platform: NodeJS.Platform = process.platform, max = MAX_RECENT): string[] {
  const files = raw && typeof raw === 'object' && Array.isArray((raw as { files?: unknown }).files) ? (raw as { files: unknown[] }).files : [];
  const out: string[] = [];
  for (const f of files) {
    if (typeof f !== 'string' || f.length === 0 || f.length > 4096 || f.includes('\0') || !isAbsolute(f)) continue;
    if (out.some((p) => samePath(p, f, platform))) continue;
    out.push(f);
    if (out.length === max) break;
  }
  return out;
}

export class RecentFiles {
  private list: string[];
  private readonly listeners = new Set<(list: readonly string[]) => void>();

  constructor(private readonly file: string) {
    this.list = validateRecent(readJson(file));
  }

  get files(): readonly string[] {
    return this.list;
  }

  add(path: string): void {
    this.set(addRecent(this.list, path));
  }

  remove(path: string): void {
    this.set(removeRecent(this.list, path));
  }

  clear(): void {
    this.set([]);
  }

  /** Whether `path` is on the list (the user chose it in a dialog at some point). */
  has(path: string): boolean {
    return this.list.some((p) => samePath(p, path));
  }

  onChange(fn: (list: readonly string[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(list: string[]): void {
    if (list.length === this.list.length && list.every((p, i) => p === this.list[i])) return;
    this.list = list;
    try {
      writeJson(this.file, { files: list });
    } catch {
      // A read-only profile: the list still works for this session.
    }
    for (const fn of this.listeners) fn(list);
  }
}
