// Context beyond the file: a ring of chunks of the user's other open and recent files, sent with each
// request so the model sees the helpers, types and imports the user has been working with (llama.vim's
// ring buffer of chunks is the model). A chunk is the lines around the cursor of a file the user leaves
// (switching tabs, closing it), opens or saves. A new chunk that is mostly the same lines as a kept one
// replaces it; the ring keeps the newest `maxChunks`. Requests get the chunks of files other than the
// current one, newest first; the engine fits them into the prompt within the token budget
// (engine/prompt-context.ts). Pure: no Monaco, no DOM.
import type { ContextChunk } from '../protocol/engine.ts';
import { CONTEXT_LIMITS } from '../protocol/request-defaults.ts';

export interface RingChunk extends ContextChunk {
  /** The tab the chunk was taken from (names can repeat: two untitled.ts). */
  fileId: string;
  /** Its lines, for the similarity test. */
  lines: string[];
}

export interface RingOptions {
  maxChunks: number;
  /** Lines per chunk, centred on the cursor. */
  chunkLines: number;
  /** A new chunk replaces a kept one when at least this share of their lines is common. */
  similar: number;
}

export const DEFAULT_RING: RingOptions = { maxChunks: 16, chunkLines: 48, similar: 0.5 };

export class ContextRing {
  private chunks: RingChunk[] = []; // oldest first
  constructor(private readonly opts: RingOptions = DEFAULT_RING) {}

  /**
   * Takes the `chunkLines` lines around `line` (0-based) of a file as a chunk. Chunks with fewer than
   * 3 non-blank lines carry too little to be worth their tokens and are skipped.
   */
  pick(fileId: string, name: string, text: string, line: number): void {
    const all = text.split('\n');
    const half = Math.floor(this.opts.chunkLines / 2);
    const start = Math.max(0, Math.min(line - half, all.length - this.opts.chunkLines));
    const lines = all.slice(start, start + this.opts.chunkLines);
    if (lines.filter((l) => l.trim()).length < 3) return;
    let chunkText = lines.join('\n');
    if (chunkText.length > CONTEXT_LIMITS.chunkChars) chunkText = chunkText.slice(0, CONTEXT_LIMITS.chunkChars);
    this.chunks = this.chunks.filter((c) => similarity(c.lines, lines) < this.opts.similar);
    this.chunks.push({ fileId, name, text: chunkText, lines });
    if (this.chunks.length > this.opts.maxChunks) this.chunks.splice(0, this.chunks.length - this.opts.maxChunks);
  }

  /** A tab was renamed (Save As): its chunks carry the new name. */
  rename(fileId: string, name: string): void {
    for (const c of this.chunks) if (c.fileId === fileId) c.name = name;
  }

  /**
   * Chunks for a request in `fileId`, newest first: none of that file's own, and none whose text the
   * current file already holds (`currentText`; a pasted copy adds nothing).
   */
  chunksFor(fileId: string, currentText = ''): ContextChunk[] {
    const out: ContextChunk[] = [];
    for (let i = this.chunks.length - 1; i >= 0 && out.length < CONTEXT_LIMITS.chunks; i--) {
      const c = this.chunks[i];
      if (c.fileId === fileId || (currentText && currentText.includes(c.text))) continue;
      out.push({ name: c.name, text: c.text });
    }
    return out;
  }

  get size(): number {
    return this.chunks.length;
  }
}

/** Share of lines two chunks have in common: 2·|common| / (|a| + |b|), over non-blank trimmed lines. */
export function similarity(a: readonly string[], b: readonly string[]): number {
  const norm = (ls: readonly string[]) => ls.map((l) => l.trim()).filter(Boolean);
  const na = norm(a);
  const nb = norm(b);
  if (!na.length || !nb.length) return 0;
  const counts = new Map<string, number>();
  for (const l of na) counts.set(l, (counts.get(l) ?? 0) + 1);
  let common = 0;
  for (const l of nb) {
    const c = counts.get(l) ?? 0;
    if (c > 0) {
      common++;
      counts.set(l, c - 1);
    }
  }
  return (2 * common) / (na.length + nb.length);
}
