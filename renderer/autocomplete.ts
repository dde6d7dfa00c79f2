// Suggestions as you type, the parts that need neither Monaco nor the DOM: how many samples an automatic
// request takes on this device, where it stops, which earlier suggestions still fit the text at the
// cursor (typing through a suggestion, coming back to a prefix), cycling, partial accepts, the debounce.
import type { StopMode } from '../protocol/engine.ts';

/** The pause after the last edit before an automatic request is sent (a setting). */
export const DEFAULT_AUTO_DELAY_MS = 300;
/** Automatic requests on a CPU adapter: few samples, so the first ones finish within a pause. */
export const AUTO_SAMPLES_CPU = 8;
export const AUTO_SAMPLES_GPU = 32;

// Mesa's llvmpipe (GL) / lavapipe (Vulkan), its softpipe, Chromium's SwiftShader, Windows' WARP.
const CPU_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b|\bcpu\b/i;

/** Whether the WebGPU adapter's name is a software rasteriser running on the CPU. */
export function isCpuAdapter(name: string): boolean {
  return CPU_ADAPTER.test(name);
}

/**
 * Samples per automatic request for the host's adapter: 8 on a CPU adapter, 32 on a GPU (where 32 cost
 * little more than one). An unknown adapter (not reported yet) counts as a CPU: the cheap guess.
 */
export function autoSamplesFor(device: string | null | undefined): number {
  return !device || isCpuAdapter(device) ? AUTO_SAMPLES_CPU : AUTO_SAMPLES_GPU;
}

/** Text before the cursor that opens a block: the suggestion may span lines up to the block's end. */
const OPENS_BLOCK = /(?:[{([:]|=>)$/;

/**
 * Stop rule for an automatic request: one line, unless the cursor opens a block (the last non-blank text
 * before it ends with `{`, `(`, `[`, `:` or `=>`, on the cursor's line or, on a blank line, the one above).
 */
export function autoStopFor(prefix: string): Extract<StopMode, 'line' | 'block'> {
  return OPENS_BLOCK.test(prefix.trimEnd()) ? 'block' : 'line';
}

/** Ranked completion texts for one prompt, best first. */
export interface SuggestionSource {
  prefix: string;
  suffix: string;
  texts: readonly string[];
}

/** Ghost text must show something: a blank text (spaces, newlines) would insert invisible whitespace. */
export function isShowable(text: string | undefined): text is string {
  return !!text && text.trim() !== '';
}

/**
 * What is left of `source`'s suggestions at the cursor (`prefix`|`suffix`): the same suffix, a prefix
 * that extends the source's by text the suggestion starts with (typed through, or accepted word by word).
 * Blank and duplicate remainders are dropped; order is kept.
 */
export function continuations(source: SuggestionSource, prefix: string, suffix: string): string[] {
  if (suffix !== source.suffix || !prefix.startsWith(source.prefix)) return [];
  const typed = prefix.slice(source.prefix.length);
  const out: string[] = [];
  for (const t of source.texts) {
    if (!t.startsWith(typed)) continue;
    const rest = t.slice(typed.length);
    if (isShowable(rest) && !out.includes(rest)) out.push(rest);
  }
  return out;
}

/** The first source (most relevant first) with anything left at the cursor. */
export function suggestionsAt(sources: Iterable<SuggestionSource>, prefix: string, suffix: string): string[] {
  for (const s of sources) {
    const c = continuations(s, prefix, suffix);
    if (c.length > 0) return c;
  }
  return [];
}

/**
 * Recent prompts' suggestions, so coming back to a prefix (undo, backspace and retype) shows them again
 * without a request. Least recently used entries go first once `capacity` is reached.
 */
export class SuggestionCache {
  private readonly entries = new Map<string, SuggestionSource>();
  constructor(private readonly capacity = 32) {}

  put(source: SuggestionSource): void {
    if (!source.texts.some(isShowable)) return;
    const key = cacheKey(source.prefix, source.suffix);
    this.entries.delete(key);
    this.entries.set(key, source);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Suggestions at the cursor from the closest cached prompt (the longest prefix that fits). */
  lookup(prefix: string, suffix: string): string[] {
    const exact = this.entries.get(cacheKey(prefix, suffix));
    if (exact) {
      // Refresh its place in the LRU order.
      this.entries.delete(cacheKey(prefix, suffix));
      this.entries.set(cacheKey(prefix, suffix), exact);
    }
    const fitting = [...this.entries.values()].filter((e) => e.suffix === suffix && prefix.startsWith(e.prefix));
    fitting.sort((a, b) => b.prefix.length - a.prefix.length);
    return suggestionsAt(fitting, prefix, suffix);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

function cacheKey(prefix: string, suffix: string): string {
  // The length keeps "ab"+"c" and "a"+"bc" apart.
  return `${prefix.length}:${prefix}${suffix}`;
}

/** Alt+] / Alt+[: the next or previous alternative, wrapping around. */
export function cycle(index: number, delta: number, count: number): number {
  if (count <= 0) return 0;
  return (((index + delta) % count) + count) % count;
}

/**
 * What Ctrl/Cmd+→ accepts of `text`: leading spaces and then one word, one run of punctuation, or one line
 * break with the next line's indentation. The rest stays as ghost text.
 */
export function nextWord(text: string): string {
  const m = /^[ \t]*(?:[\p{L}\p{N}_$]+|[^\p{L}\p{N}_$\s]+|\r?\n[ \t]*)/u.exec(text);
  return m ? m[0] : text;
}

/**
 * What the accept-line key accepts: up to the end of the current line (without its line break); when the
 * text starts with a line break, that break and the next line. Pressed repeatedly, it takes one line each.
 */
export function nextLine(text: string): string {
  const start = text.startsWith('\r\n') ? 2 : text.startsWith('\n') ? 1 : 0;
  const end = text.indexOf('\n', start);
  if (end < 0) return text;
  return text.slice(0, end > 0 && text[end - 1] === '\r' ? end - 1 : end);
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Runs the latest scheduled function once no new one was scheduled for its delay. */
export class Debouncer {
  private handle: unknown = undefined;
  constructor(private readonly timers: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) }) {}

  schedule(ms: number, fn: () => void): void {
    this.cancel();
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      fn();
    }, ms);
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  get pending(): boolean {
    return this.handle !== undefined;
  }
}
