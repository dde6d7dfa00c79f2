// The BPE model: turns one pre-token (a string of byte-level characters) into vocabulary ids by
// repeatedly merging the adjacent pair with the lowest merge rank, leftmost first — the order HF
// tokenizers' BPE uses, which equals GPT-2's "merge every occurrence of the best pair" for trained
// merge lists.
//
// Pairs are looked up by id in a Map keyed `left * idSpace + right`, so no strings are built while
// merging. Short words (the vast majority) use a simple scan; long ones (runs of punctuation in minified
// code, say) use a binary heap so a 10 000-character run stays O(n log n). Results are cached per word.

import { TokenizerError } from './errors.ts';
import { quote } from './json-fields.ts';

export interface BpeOptions {
  vocab: ReadonlyMap<string, number>;
  /** Merge list in rank order (rank = index). */
  merges: ReadonlyArray<readonly [string, string]>;
  /** Llama 3's `ignore_merges`: a word that is itself in the vocab becomes that one token. */
  ignoreMerges?: boolean;
  /** Id of the unknown token, used for characters missing from the vocab; without it they are an error. */
  unkId?: number;
  /** Merge runs of consecutive unknown characters into one unknown token (HF `fuse_unk`). */
  fuseUnk?: boolean;
}

/** Words longer than this (in symbols) use the heap-based merge; shorter ones the linear scan. */
const HEAP_THRESHOLD = 64;
/** Words up to this many characters are cached; the cache is cleared when it holds CACHE_LIMIT words. */
const CACHE_WORD_MAX = 256;
const CACHE_LIMIT = 100_000;

export class BpeModel {
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly idSpace: number;
  /** pair key → rank */
  private readonly ranks = new Map<number, number>();
  /** rank → id of the merged token */
  private readonly mergedId: Int32Array;
  private readonly ignoreMerges: boolean;
  private readonly unkId: number | undefined;
  private readonly fuseUnk: boolean;
  private readonly cache = new Map<string, readonly number[]>();

  constructor(opts: BpeOptions) {
    this.vocab = opts.vocab;
    this.ignoreMerges = opts.ignoreMerges ?? false;
    this.unkId = opts.unkId;
    this.fuseUnk = opts.fuseUnk ?? false;
    let maxId = -1;
    for (const id of opts.vocab.values()) if (id > maxId) maxId = id;
    this.idSpace = maxId + 1;
    this.mergedId = new Int32Array(opts.merges.length);
    opts.merges.forEach(([a, b], rank) => {
      const left = opts.vocab.get(a);
      const right = opts.vocab.get(b);
      const merged = opts.vocab.get(a + b);
      if (left === undefined || right === undefined || merged === undefined) {
        const missing = left === undefined ? a : right === undefined ? b : a + b;
        throw new TokenizerError(
          `tokenizer.json: model.merges[${rank}] ${quote(`${a} ${b}`)} uses ${quote(missing)}, ` +
            'which is not in model.vocab. The vocab and merges do not belong together; re-download tokenizer.json.',
        );
      }
      const key = left * this.idSpace + right;
      // HF keeps the first rank when a pair is listed twice.
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
      this.mergedId[rank] = merged;
    });
  }

  /** Appends the ids of `word` to `out`. */
  encodeWord(word: string, out: number[]): void {
    const cached = this.cache.get(word);
    if (cached) {
      for (const id of cached) out.push(id);
      return;
    }
    const ids = this.merge(word);
    if (word.length <= CACHE_WORD_MAX) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (const id of ids) out.push(id);
  }

  private merge(word: string): number[] {
    if (this.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) return [whole];
    }
    const symbols = this.initialSymbols(word);
    return symbols.length > HEAP_THRESHOLD ? this.mergeWithHeap(symbols) : this.mergeByScan(symbols);
  }

  /** One id per character (code point); unknown characters become `unkId` or raise an error. */
  private initialSymbols(word: string): number[] {
    const ids: number[] = [];
    let lastWasUnk = false;
    for (const ch of word) {
      const id = this.vocab.get(ch);
      if (id !== undefined) {
        ids.push(id);
        lastWasUnk = false;
        continue;
      }
      if (this.unkId === undefined) {
        const cp = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new TokenizerError(
          `Tokenizer: the character U+${cp} (${JSON.stringify(ch)}) is not in the vocabulary and the model has ` +
            'no unk_token. A byte-level vocabulary must contain all 256 byte characters; check tokenizer.json.',
        );
      }
      if (!(this.fuseUnk && lastWasUnk)) ids.push(this.unkId);
      lastWasUnk = true;
    }
    return ids;
  }

  private rank(left: number, right: number): number | undefined {
    return this.ranks.get(left * this.idSpace + right);
  }

  /** O(n²) in the word length, allocation-free apart from the array; fastest for short words. */
  mergeByScan(ids: number[]): number[] {
    while (ids.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.rank(ids[i], ids[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      ids.splice(best, 2, this.mergedId[bestRank]);
    }
    return ids;
  }

  /**
   * O(n log n): symbols form a doubly linked list over the original positions; candidate pairs sit in a
   * min-heap keyed (rank, position of the left symbol). A popped entry is stale when its left symbol was
   * merged away or its pair no longer has that rank; it is then skipped.
   */
  mergeWithHeap(ids: number[]): number[] {
    const n = ids.length;
    const id = Int32Array.from(ids);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Heap of keys rank * POS + position; ranks < 2^26 and positions < 2^26 keep keys exact in a double.
    const POS = 2 ** 26;
    if (n >= POS) throw new TokenizerError(`Tokenizer: a single pre-token of ${n} characters is too long to encode.`);
    const heap: number[] = [];
    const push = (key: number) => {
      let k = heap.push(key) - 1;
      while (k > 0) {
        const parent = (k - 1) >> 1;
        if (heap[parent] <= key) break;
        heap[k] = heap[parent];
        k = parent;
      }
      heap[k] = key;
    };
    const pop = (): number => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length > 0) {
        let k = 0;
        for (;;) {
          const l = 2 * k + 1;
          if (l >= heap.length) break;
          const c = l + 1 < heap.length && heap[l + 1] < heap[l] ? l + 1 : l;
          if (heap[c] >= last) break;
          heap[k] = heap[c];
          k = c;
        }
        heap[k] = last;
      }
      return top;
    };
    const consider = (i: number) => {
      const j = next[i];
      if (j < 0) return;
      const r = this.rank(id[i], id[j]);
      if (r !== undefined) push(r * POS + i);
    };
    for (let i = 0; i + 1 < n; i++) consider(i);

    while (heap.length > 0) {
      const key = pop();
      const i = key % POS;
      const r = (key - i) / POS;
      const j = next[i];
      if (!alive[i] || j < 0 || this.rank(id[i], id[j]) !== r) continue;
      id[i] = this.mergedId[r];
      alive[j] = 0;
      next[i] = next[j];
      if (next[j] >= 0) prev[next[j]] = i;
      if (prev[i] >= 0) consider(prev[i]);
      consider(i);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0 && i < n; i = next[i]) out.push(id[i]);
    return out;
  }
}
