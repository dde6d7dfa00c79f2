// The main process's side of the desktop app's remote backend: the engine page's CSP lets it fetch
// nothing but fanout:, so its requests to a remote OpenAI-compatible server (engine/remote/openai-remote.ts)
// come here over IPC (already validated: protocol/engine-window.ts remoteFetchRequestSchema: http(s),
// only /models and /completions, only the JSON and Bearer headers) and their responses stream back as
// events: head, body chunks as they arrive, then end or error. electron/engine-page/ipc-fetch.ts turns
// those into a Response. Plain Node (fetch), no Electron imports, so the unit tests run it as it is.
import type { RemoteFetchEvent, RemoteFetchRequest } from '../protocol/engine-window.ts';

export interface RemoteFetchLimits {
  /** The head must arrive within this many ms (a body streams for as long as the server generates). */
  headMs: number;
  /** A response body larger than this is cut off with an error (a long stream of n = 256 choices is far smaller). */
  bodyBytes: number;
  /** Requests running at once for one engine window; more are refused. */
  concurrent: number;
}

// headMs: a server answers a streamed request's head when it starts it, which may be after the requests
// queued before it (fanout serve queues 16): minutes on a busy server, never for a dead one.
export const DEFAULT_REMOTE_LIMITS: RemoteFetchLimits = { headMs: 300_000, bodyBytes: 512 * 1024 * 1024, concurrent: 256 };

/** Sends an event to the engine page; false once the page is gone (the request is then cancelled). */
export type RemoteFetchSend = (ev: RemoteFetchEvent) => boolean;

/** The requests one engine window has running, by its request numbers. */
export class RemoteFetches {
  private readonly running = new Map<number, AbortController>();

  constructor(
    private readonly limits: RemoteFetchLimits = DEFAULT_REMOTE_LIMITS,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get size(): number {
    return this.running.size;
  }

  /** Runs `req`, sending its events; ends with exactly one 'end' or 'error' unless cancelled or the page is gone. */
  start(req: RemoteFetchRequest, send: RemoteFetchSend): void {
    if (this.running.has(req.rid)) {
      send({ rid: req.rid, type: 'error', message: `request ${req.rid} is already running` });
      return;
    }
    if (this.running.size >= this.limits.concurrent) {
      send({ rid: req.rid, type: 'error', message: `too many requests to remote servers at once (${this.limits.concurrent})` });
      return;
    }
    const abort = new AbortController();
    this.running.set(req.rid, abort);
    void this.run(req, send, abort).finally(() => {
      if (this.running.get(req.rid) === abort) this.running.delete(req.rid);
    });
  }

  cancel(rid: number): void {
    this.running.get(rid)?.abort();
    this.running.delete(rid);
  }

  /** The engine window is gone or restarting: stop everything it asked for. */
  cancelAll(): void {
    for (const a of this.running.values()) a.abort();
    this.running.clear();
  }

  private async run(req: RemoteFetchRequest, send: RemoteFetchSend, abort: AbortController): Promise<void> {
    const { rid } = req;
    const emit = (ev: RemoteFetchEvent): boolean => {
      if (abort.signal.aborted) return false;
      if (send(ev)) return true;
      abort.abort();
      return false;
    };
    let timedOut = false;
    const headTimer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.limits.headMs);
    let r: Response;
    try {
      // redirect 'error': a redirect could carry the Authorization header somewhere the user did not name.
      r = await this.fetchImpl(req.url, { method: req.method, headers: req.headers, body: req.body, signal: abort.signal, redirect: 'error' });
    } catch (e) {
      // Cancelled (by the page, or the page is gone): nothing to say.
      if (timedOut) send({ rid, type: 'error', message: `${new URL(req.url).origin} did not answer within ${this.limits.headMs / 1000} s` });
      else if (!abort.signal.aborted) send({ rid, type: 'error', message: causeOf(e) });
      return;
    } finally {
      clearTimeout(headTimer);
    }
    if (!emit({ rid, type: 'head', status: r.status, statusText: r.statusText, contentType: r.headers.get('content-type') ?? '' })) return void r.body?.cancel().catch(() => {});
    if (!r.body) {
      emit({ rid, type: 'end' });
      return;
    }
    const reader = r.body.getReader();
    let bytes = 0;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        bytes += next.value.byteLength;
        if (bytes > this.limits.bodyBytes) {
          emit({ rid, type: 'error', message: `the response is larger than ${this.limits.bodyBytes / 1024 / 1024} MiB; cut off` });
          abort.abort();
          return void reader.cancel().catch(() => {});
        }
        if (!emit({ rid, type: 'chunk', bytes: next.value })) return void reader.cancel().catch(() => {});
      }
    } catch (e) {
      if (!abort.signal.aborted) send({ rid, type: 'error', message: `the stream broke off (${(e as Error).message})` });
      return;
    }
    emit({ rid, type: 'end' });
  }
}

/** Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND, ...) in `cause`. */
function causeOf(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message}: ${cause}` : err.message;
}
