// Context KV of earlier prompts, kept for the next request (the as-you-type case: typing goes on, or the
// cursor moves back, and the new prompt starts with most of the last one's tokens). A request whose
// prompt shares its first L tokens with a kept one copies their K/V (a GPU copy of L tokens per layer)
// and prefills only the rest. K/V at position p depends only on tokens 0..p, so the copy is what a full
// prefill would write.
//
// Bounded by bytes (LRU); a request that needs the memory evicts entries first (makeRoom). An entry
// whose tokens are a prefix of another's is never kept beside it (the longer serves every prompt the
// shorter would). The engine clears it
// when the model changes. One request at a time uses it (the engine runs one). A request cancelled
// during prefill keeps the tokens it prefilled, so typing that cancels request after request still
// makes progress through a long prompt.
import type { KvSeqStore } from './kv-cache.ts';

export interface PrefixEntry {
  /** prompt tokens whose K/V the entry holds (positions 0 .. ids.length - 1) */
  ids: readonly number[];
  /** per layer, the context store: K/V of those tokens (KT), segments as the request's KvCache cut them */
  layers: KvSeqStore[];
  tokenBytes: number;
  bytes: number;
  lastUsed: number;
}

/** Leading tokens `a` and `b` share. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class PrefixCache {
  private entries: PrefixEntry[] = [];
  private clock = 0;

  /** maxBytes: most GPU bytes the kept K/V may take; minTokens: shorter matches are not worth a copy. */
  constructor(
    readonly maxBytes: number,
    readonly minTokens = 8,
  ) {}

  get bytes(): number {
    return this.entries.reduce((a, e) => a + e.bytes, 0);
  }

  get size(): number {
    return this.entries.length;
  }

  has(entry: PrefixEntry): boolean {
    return this.entries.includes(entry);
  }

  /** The kept entry sharing the most leading tokens with `ids` (at least minTokens), marked as used. */
  match(ids: readonly number[]): { entry: PrefixEntry; tokens: number } | undefined {
    let best: { entry: PrefixEntry; tokens: number } | undefined;
    for (const entry of this.entries) {
      const tokens = commonPrefix(entry.ids, ids);
      if (tokens >= this.minTokens && (!best || tokens > best.tokens)) best = { entry, tokens };
    }
    if (best) best.entry.lastUsed = ++this.clock;
    return best;
  }

  /**
   * Keeps `layers` (now owned by the cache) as the K/V of `ids`. Entries whose tokens are a prefix of
   * `ids` are dropped; then least recently used ones until the cache fits maxBytes. An entry larger than
   * maxBytes alone, shorter than minTokens, or whose tokens a kept entry starts with is released instead.
   */
  put(ids: readonly number[], layers: KvSeqStore[], tokenBytes: number): void {
    const bytes = layers.reduce((a, st) => a + st.segs.reduce((b, s) => b + 2 * s.k.size, 0), 0);
    const entry: PrefixEntry = { ids: [...ids], layers, tokenBytes, bytes, lastUsed: ++this.clock };
    // Of no use: too big, too short, or a prefix of a kept prompt (which serves every prompt it would).
    const longer = this.entries.find((e) => e.ids.length >= ids.length && commonPrefix(e.ids, ids) === ids.length);
    if (bytes > this.maxBytes || ids.length < this.minTokens || longer) {
      if (longer) longer.lastUsed = entry.lastUsed;
      release(entry);
      return;
    }
    this.entries = this.entries.filter((e) => {
      const dominated = e.ids.length <= ids.length && commonPrefix(e.ids, ids) === e.ids.length;
      if (dominated) release(e);
      return !dominated;
    });
    this.entries.push(entry);
    this.makeRoom(this.maxBytes);
  }

  /** Drops least recently used entries until the cache holds at most `bytes`. */
  makeRoom(bytes: number): void {
    this.entries.sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.entries.length && this.bytes > bytes) release(this.entries.shift()!);
  }

  clear(): void {
    for (const e of this.entries) release(e);
    this.entries = [];
  }
}

function release(e: PrefixEntry) {
  for (const st of e.layers) for (const s of st.segs) {
    s.k.destroy();
    s.v.destroy();
  }
}
