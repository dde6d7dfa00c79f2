// Picks the Monaco language for a file name from the languages Monaco has registered.

export interface LanguageEntry {
  id: string;
  extensions?: string[];
  filenames?: string[];
}

/**
 * Exact file names (Dockerfile, Makefile) win; otherwise the longest matching extension (so a
 * language registering `.spec.ts` would beat `.ts`). Case-insensitive. Unknown → plaintext.
 */
export function languageForFileName(fileName: string, languages: readonly LanguageEntry[]): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const lower = base.toLowerCase();
  for (const lang of languages) {
    if (lang.filenames?.some((f) => f.toLowerCase() === lower)) return lang.id;
  }
  let best: { id: string; len: number } | undefined;
  for (const lang of languages) {
    for (const ext of lang.extensions ?? []) {
      const e = ext.toLowerCase();
      if (lower.endsWith(e) && lower.length > e.length && (!best || e.length > best.len)) best = { id: lang.id, len: e.length };
    }
  }
  return best?.id ?? 'plaintext';
}
