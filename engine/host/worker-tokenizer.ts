// A RequestTokenizer (engine/prompt-plan.ts) that tokenizes in a worker thread with a time budget, for
// the Node host. Tokenizer regexes come from tokenizer.json, a downloaded file; a pattern that backtracks
// exponentially (regex-safety.ts refuses the known shapes, not all) would otherwise freeze the host's
// event loop for every client: no new connection, no cancel. Here the host's thread only waits: past
// the budget, or on cancel, the worker is terminated (which stops even a regex in the middle of a match)
// and the next call starts a fresh one from the same tokenizer.json.
//
// One call at a time (the engine runs one request at a time); each call's budget starts once the worker
// is ready, so building a large tokenizer in a fresh worker does not count against it.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PromptInput } from '../prompt.ts';
import { TokenizeAbortedError, TokenizeTimeoutError, type PromptPlan, type RequestTokenizer } from '../prompt-plan.ts';

type CallBody = { kind: 'plan'; input: PromptInput; contextLimit: number; reserve: number } | { kind: 'encode'; texts: readonly string[] };
export type TokenizeCall = CallBody & { id: number };

export type TokenizeReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'thrown'; id: number; name: string; message: string };

/** Budget for one call: long enough for a 100k-token prompt on a slow CPU, short enough not to feel hung. */
export const DEFAULT_TOKENIZE_BUDGET_MS = 10_000;

/** The worker script: the bundle next to the built web host (scripts/web.mjs), or the tsx shim next to this source file. */
const WORKER_URL = new URL('./tokenize-worker.mjs', import.meta.url);

interface Pending {
  ok: (v: unknown) => void;
  fail: (e: Error) => void;
}

export class WorkerTokenizer implements RequestTokenizer {
  private json: unknown;
  private worker?: Worker;
  private ready?: Promise<void>;
  private pending = new Map<number, Pending>();
  private seq = 0;
  private closed = false;
  readonly budgetMs: number;

  constructor(opts: { budgetMs?: number } = {}) {
    this.budgetMs = opts.budgetMs ?? DEFAULT_TOKENIZE_BUDGET_MS;
  }

  async load(json: unknown): Promise<void> {
    this.json = json;
    this.stop(new Error('another model was loaded'));
    await this.start();
  }

  plan(input: PromptInput, contextLimit: number, reserve: number, signal?: AbortSignal): Promise<PromptPlan> {
    const chars = input.prefix.length + (input.suffix?.length ?? 0) + (input.context ?? []).reduce((n, c) => n + c.text.length, 0);
    return this.call({ kind: 'plan', input, contextLimit, reserve }, chars, signal) as Promise<PromptPlan>;
  }

  encode(texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    return this.call({ kind: 'encode', texts }, texts.reduce((n, t) => n + t.length, 0), signal) as Promise<number[][]>;
  }

  close(): void {
    this.closed = true;
    this.stop(new Error('the tokenizer was closed'));
  }

  /** The current worker, started (again) if there is none. */
  private start(): Promise<void> {
    if (this.worker && this.ready) return this.ready;
    const file = fileURLToPath(WORKER_URL);
    if (!existsSync(file)) {
      return Promise.reject(new Error(`${file} is missing: the tokenizer worker is built with the web host; start it with npm run web, which builds what is missing.`));
    }
    const w = new Worker(WORKER_URL, { workerData: { json: this.json } });
    w.unref();
    this.worker = w;
    this.ready = new Promise<void>((ok, fail) => {
      w.on('message', (m: TokenizeReply) => {
        if (m.type === 'ready') ok();
        else if (m.type === 'failed') fail(new Error(`the tokenizer worker could not build the tokenizer: ${m.message}`));
        else this.settle(m);
      });
      const died = (why: string) => {
        if (this.worker !== w) return;
        const e = new Error(`the tokenizer worker stopped (${why}); the next request starts a new one`);
        fail(e);
        this.worker = undefined;
        this.ready = undefined;
        for (const p of this.pending.values()) p.fail(e);
        this.pending.clear();
      };
      w.on('error', (e) => died(e.message));
      w.on('exit', (code) => died(`exit code ${code}`));
    });
    // Not awaited by anyone when the worker dies before a call: keep that from being an unhandled rejection.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private settle(m: Extract<TokenizeReply, { type: 'result' | 'thrown' }>) {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'result') p.ok(m.value);
    else p.fail(rebuildError(m.name, m.message));
  }

  /** Terminates the worker (a regex in the middle of a match too); pending calls fail with `why`. */
  private stop(why: Error) {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    for (const p of this.pending.values()) p.fail(why);
    this.pending.clear();
    if (w) void w.terminate();
  }

  private async call(msg: CallBody, chars: number, signal?: AbortSignal): Promise<unknown> {
    if (this.closed) throw new Error('the tokenizer was closed');
    if (this.json === undefined) throw new Error('no tokenizer loaded: load a model first');
    if (signal?.aborted) throw new TokenizeAbortedError();
    await this.start();
    if (signal?.aborted) throw new TokenizeAbortedError();
    const id = ++this.seq;
    return new Promise((ok, fail) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        done();
        this.pending.delete(id);
        this.stop(new Error('the tokenizer worker was restarted'));
        fail(new TokenizeTimeoutError(this.budgetMs, chars));
      }, this.budgetMs);
      const onAbort = () => {
        done();
        this.pending.delete(id);
        this.stop(new Error('the tokenizer worker was restarted'));
        fail(new TokenizeAbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        ok: (v) => {
          done();
          ok(v);
        },
        fail: (e) => {
          done();
          fail(e);
        },
      });
      this.worker!.postMessage({ ...msg, id });
    });
  }
}

/** The worker's exception as the same kind of error here (the host maps RangeError to "change the request"). */
function rebuildError(name: string, message: string): Error {
  const e = name === 'RangeError' ? new RangeError(message) : name === 'TypeError' ? new TypeError(message) : new Error(message);
  if (e.name !== name) e.name = name;
  return e;
}
