// The fuzz suite's shared parts: a seeded random source per case, the checks every failure must pass
// (a clear, bounded message that quotes no file content and leaks no generic JS error), a client of a
// HostSession that records its replies, and the case runner.
//
// Seeded and replayable: FANOUT_FUZZ_SEED=<n> picks the seed (default FIXED_SEED, so `npm test` runs
// the same cases every time); every case draws from its own stream, sampleRng(seed, stream of
// (category, index)), so one case replays alone: FANOUT_FUZZ_CASE=<category>#<index>. Every failure
// message starts with "[fuzz seed=… case=…#…]" and the command that replays it.
// FANOUT_FUZZ_SCALE=<k> multiplies the number of cases (default 1: a few hundred in all, well under 2 minutes).
import { expect } from 'vitest';
import { sampleRng, type Rng } from '../../engine/rng.ts';
import { parseHostEvent, type HostEvent, type HostState } from '../../protocol/host.ts';
import type { HostConnection, HostSession } from '../../engine/host/session.ts';

const FIXED_SEED = 20_240_610;

function envSeed(): number {
  const raw = process.env.FANOUT_FUZZ_SEED;
  if (raw === undefined || raw === '') return FIXED_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`FANOUT_FUZZ_SEED must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

export const FUZZ_SEED = envSeed();
/** Only this case (`category#index`), when set. */
export const FUZZ_ONLY = process.env.FANOUT_FUZZ_CASE || undefined;
export const FUZZ_SCALE = Math.max(1, Number(process.env.FANOUT_FUZZ_SCALE) || 1);

// ---------------------------------------------------------------------------------------------------
// Random values

/**
 * Junk text comes from this alphabet only, so a message that quotes it is easy to spot: no English
 * text has a run of more than 80 of these letters (short names, clipped to ≤ 80 characters, may be quoted).
 */
export const JUNK_ALPHABET = 'qxzjkQXZJK';
export const JUNK_RUN = /[qxzjkQXZJK]{81,}/;
/** A line of a file no model folder should hold; messages must never quote it. */
export const SECRET = 'root:x:0:0:root:/root:/bin/bash\nfanout-secret-token=qxzjkQXZJK\n';

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Rand {
  private readonly r: Rng;
  constructor(stream: string) {
    this.r = sampleRng(FUZZ_SEED, hash32(stream));
  }
  next(): number {
    return this.r.next();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.r.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.r.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  junk(len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += JUNK_ALPHABET[this.int(JUNK_ALPHABET.length)];
    return s;
  }
  /** A string: short, empty, long junk, odd Unicode, or text that means something to a tokenizer. */
  string(): string {
    switch (this.int(9)) {
      case 0:
        return '';
      case 1:
        return this.junk(this.range(1, 12));
      case 2:
        return this.junk(this.range(100, 3000));
      case 3:
        return this.junk(this.pick([20_000, 100_000]));
      case 4:
        return '\ud800' + this.junk(3) + '\udfff'; // lone surrogates
      case 5:
        return this.pick(['<|endoftext|>', '<|fim_prefix|>', 'Ġ', 'Ċ', ' ', '\u0000', '\n', 'NaN', 'undefined', '__proto__', 'constructor']);
      case 6:
        return '\u202e' + this.junk(5) + '\u{1f600}';
      case 7:
        return String(this.number());
      default:
        return this.junk(this.range(13, 80));
    }
  }
  /** A number of the kinds that break size arithmetic. */
  number(): number {
    return this.pick([
      0, -0, 1, -1, 2, 3, 0.5, -7.25, 1e-320, 255, 256, 65_535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, -(2 ** 31),
      2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 64, -(2 ** 53), 1e21, 1e300, Number.MAX_VALUE, this.range(0, 1000), -this.range(1, 1000),
    ]);
  }
  /** A small value (a number, a short string, null, a boolean), for documents with many of them. */
  small(): unknown {
    return this.pick([null, true, false, this.number(), this.junk(this.range(0, 12)), this.pick(['', '\ud800', '<|endoftext|>', ' '])]);
  }
  /** A random JSON value (depth-bounded); at most one huge string or deep() nesting (see jsonText) per value. */
  value(depth = 2): unknown {
    const k = this.int(depth > 0 ? 9 : 6);
    switch (k) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
      case 3:
        return this.number();
      case 4:
      case 5:
        return this.string();
      case 6:
        return Array.from({ length: this.range(0, 4) }, (_, i) => (i === 0 ? this.value(depth - 1) : this.small()));
      case 7: {
        const o: Record<string, unknown> = {};
        for (let i = this.range(0, 4); i > 0; i--) o[this.chance(0.2) ? this.string().slice(0, 200) : this.junk(this.range(1, 8))] = i === 1 ? this.value(depth - 1) : this.small();
        return o;
      }
      default:
        return deep(this.pick([1000, 20_000, 200_000]), this.pick(['array', 'object'] as const));
    }
  }
}

const nests = new Map<number, { open: string; leaf: string; close: string; depth: number }>();

/**
 * A marker that jsonText replaces by `depth` nested arrays or objects (built as text: JSON.stringify
 * would overflow its stack on them). `wrap`: a custom level, `open` + inner + `close` (e.g. a tokenizer
 * Sequence around a Sequence), with `leaf` (JSON text) innermost.
 */
export function deep(depth: number, kind: 'array' | 'object' = 'array', wrap?: { open: string; close: string; leaf: string }): string {
  const id = nests.size;
  nests.set(id, wrap ? { ...wrap, depth } : kind === 'array' ? { open: '[', leaf: '1', close: ']', depth } : { open: '{"a":', leaf: '1', close: '}', depth });
  return `\u0000deep:${id}\u0000`;
}

/** JSON text of `v`, with every deep() marker expanded into its nesting. */
export function jsonText(v: unknown, space?: number): string {
  return JSON.stringify(v, null, space).replace(/"\\u0000deep:(\d+)\\u0000"/g, (_, id: string) => {
    const n = nests.get(Number(id))!;
    return n.open.repeat(n.depth) + n.leaf + n.close.repeat(n.depth);
  });
}

// ---------------------------------------------------------------------------------------------------
// What a failure must look like

/** Longest message accepted ("a few hundred characters"). */
export const MAX_MESSAGE = 600;
/** Signs that a JS error leaked out instead of the engine's own message. */
const GENERIC = [
  /\b(TypeError|RangeError|SyntaxError|ReferenceError|InternalError)\b/,
  /\bundefined\b/,
  /\bNaN\b/,
  /\bInfinity\b/,
  /\[object \w+\]/,
  /Maximum call stack/i,
  /Cannot (read|set) propert/i,
  /is not a function|is not iterable|is not defined/,
  /Invalid (typed )?array length|Array buffer allocation failed|Invalid string length/i,
  /\binternal\b/i,
];

/** Problems with an error message (empty when it is fine). `what` says where it came from. */
export function messageProblems(what: string, message: unknown, maxLength = MAX_MESSAGE): string[] {
  if (typeof message !== 'string') return [`${what} is not a string (${typeof message})`];
  const out: string[] = [];
  const show = JSON.stringify(message.length > 300 ? `${message.slice(0, 200)}…(${message.length} chars)…${message.slice(-80)}` : message);
  if (message.trim() === '') out.push(`${what} is empty`);
  if (message.length > maxLength) out.push(`${what} is ${message.length} characters (at most ${maxLength}): ${show}`);
  for (const g of GENERIC) if (g.test(message)) out.push(`${what} looks like a generic JS error (${g}): ${show}`);
  if (JUNK_RUN.test(message)) out.push(`${what} quotes more than 80 characters of the input: ${show}`);
  if (message.includes('root:x:0') || message.includes('fanout-secret')) out.push(`${what} quotes file content (the secret line): ${show}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// A client of a HostSession

export interface Sent {
  /** Replies to this frame (state broadcasts left out), in order. */
  replies: HostEvent[];
  /** Replies that are not valid host events (the client could not read them). */
  invalid: string[];
  ms: number;
}

export class FuzzClient {
  readonly conn: HostConnection;
  private current: HostEvent[] | undefined;
  private invalid: string[] = [];
  private statusCount = 0;
  lastState: HostState | undefined;

  constructor(session: HostSession) {
    this.conn = session.connect((batch) => {
      for (const raw of batch) {
        let ev: HostEvent;
        try {
          // What a WebSocket client sees: the event as JSON text, checked against the protocol's schema.
          ev = parseHostEvent(JSON.parse(JSON.stringify(raw)));
        } catch (e) {
          this.invalid.push(`${(e as Error).message.slice(0, 300)} in ${JSON.stringify(raw).slice(0, 300)}`);
          continue;
        }
        if (ev.type === 'state') {
          this.lastState = ev.state;
          continue;
        }
        this.current?.push(ev);
      }
    });
  }

  /** Sends one text frame; resolves with its replies once its request has ended (as HostConnection.receiveFrame does). */
  async frame(text: string, timeoutMs: number): Promise<Sent> {
    const replies: HostEvent[] = [];
    this.current = replies;
    this.invalid = [];
    const t0 = performance.now();
    await withTimeout(this.conn.receiveFrame(text), timeoutMs, 'the request did not end');
    this.current = undefined;
    return { replies, invalid: this.invalid, ms: performance.now() - t0 };
  }

  /** Sends `status`; returns the problems with the reply (empty when the host answered properly and is at rest). */
  async statusProblems(): Promise<string[]> {
    const id = `fuzz-status-${++this.statusCount}`;
    const sent = await this.frame(JSON.stringify({ type: 'status', id }), 5_000);
    const out = sent.invalid.map((s) => `status: unreadable reply ${s}`);
    const st = sent.replies.find((r) => r.type === 'status' && r.id === id);
    if (!st || st.type !== 'status') return [...out, `status: no reply (got ${JSON.stringify(sent.replies).slice(0, 300)})`];
    if (st.state.phase === 'loading' || st.state.phase === 'compiling' || st.busy || st.state.queued !== 0) {
      out.push(`status: the host is not at rest after the case: ${JSON.stringify(st.state).slice(0, 300)}`);
    }
    return out;
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} within ${ms} ms (a hang?)`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------
// Unhandled rejections, attributed to the case that was running

const unhandled: string[] = [];
let listening = false;
function listen() {
  if (listening) return;
  listening = true;
  process.on('unhandledRejection', (e) => unhandled.push(String((e as Error)?.stack ?? e).slice(0, 500)));
}

// ---------------------------------------------------------------------------------------------------
// The runner

export interface Kind<C> {
  name: string;
  run: (rng: Rand, ctx: C) => Promise<string[]>;
}

export interface CategoryResult {
  cases: number;
  ms: number;
  failures: string[];
  perKind: Map<string, number>;
}

const tag = (category: string, i: number, kind: string) =>
  `[fuzz seed=${FUZZ_SEED} case=${category}#${i} (${kind}); replay: FANOUT_FUZZ_SEED=${FUZZ_SEED} FANOUT_FUZZ_CASE=${category}#${i} npx vitest run tests/fuzz]`;

/**
 * Runs `count` cases of `category`, case i of kind kinds[i % kinds.length] with its own random stream,
 * each within `timeoutMs`. Every problem a case reports, an exception it throws, an unhandled rejection
 * while it runs, are failures tagged with the seed and the case. Fails the test when there is any.
 */
export async function runCategory<C>(category: string, count: number, kinds: readonly Kind<C>[], ctx: C, timeoutMs = 120_000): Promise<CategoryResult> {
  listen();
  const t0 = performance.now();
  const failures: string[] = [];
  const perKind = new Map<string, number>();
  let ran = 0;
  for (let i = 0; i < count * FUZZ_SCALE; i++) {
    const kind = kinds[i % kinds.length]!;
    const label = `${category}#${i}`;
    if (FUZZ_ONLY && FUZZ_ONLY !== label) continue;
    ran++;
    perKind.set(kind.name, (perKind.get(kind.name) ?? 0) + 1);
    const before = unhandled.length;
    let problems: string[];
    try {
      problems = await withTimeout(kind.run(new Rand(label), ctx), timeoutMs, 'the case did not finish');
    } catch (e) {
      problems = [`threw ${(e as Error)?.stack?.slice(0, 800) ?? String(e)}`];
    }
    // Rejections surface after a turn of the event loop.
    await new Promise((r) => setImmediate(r));
    for (const u of unhandled.slice(before)) problems.push(`unhandled rejection: ${u}`);
    if (problems.length) failures.push(`${tag(category, i, kind.name)}\n  - ${problems.join('\n  - ')}`);
  }
  const ms = performance.now() - t0;
  const kindsLine = [...perKind].map(([k, n]) => `${k}×${n}`).join(', ');
  console.log(`fuzz ${category}: ${ran} cases in ${(ms / 1000).toFixed(1)} s (seed ${FUZZ_SEED}): ${kindsLine}`);
  return { cases: ran, ms, failures, perKind };
}

/** Fails with every failure listed (the first 12 in full). */
export function expectNoFailures(category: string, r: CategoryResult) {
  if (r.failures.length === 0) return;
  const shown = r.failures.slice(0, 12).join('\n\n');
  const more = r.failures.length > 12 ? `\n\n… and ${r.failures.length - 12} more` : '';
  expect.fail(`fuzz ${category}: ${r.failures.length} of ${r.cases} cases failed\n\n${shown}${more}`);
}
