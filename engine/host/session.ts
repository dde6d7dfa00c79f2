// The protocol dispatcher: one Engine on one GPU, driven by host-protocol messages from any number of
// connections (WebSocket clients of the web host, the Electron engine window's MessagePort, the
// in-browser engine page). Transport-independent and browser-safe (no node:* imports): the GPU context
// and the model sources come from factories passed to the constructor, e.g.
//
//   Node:    new HostSession({ gpu: () => acquireNodeGpu(), source: nodeModelSource(...) })
//   Browser: new HostSession({ gpu: () => acquireBrowserGpu(), source: (ref) => httpSource(ref.url) })
//
// Policy (the queue itself is engine/scheduler.ts):
// - The engine is created on the first load (the GPU is acquired then, not before); a failed acquire is
//   retried on the next load. A lost device drops the engine; the next load acquires a new one.
// - One request runs at a time over all connections; the others wait in one FIFO queue (at most
//   `maxQueued`, default 16; past it a request gets 'queue-full'). Loads and generates share the queue.
//   The sender of a waiting request gets `queued` events (position, and 'model-loading' or 'queue').
// - A generate supersedes its own connection's previous generate: a running one is cancelled (it ends as
//   a cancel does: finish events and done, cancelled: true), a waiting one ends at once with a done
//   event, cancelled: true and zero timings, and the new one takes its place in the queue. Requests of
//   other connections are never cancelled: they may belong to another tab.
// - A generate with no model loaded and no load running or waiting gets 'no-model'. Behind a load it
//   waits, and when its turn comes with no model loaded (the load failed) it gets 'no-model' naming why.
// - cancel ends the sender's running generate with that id (the engine stops within one decode step) or
//   removes its waiting one (done, cancelled: true). A cancel for a request that already ended, or for a
//   load, is ignored: cancel is idempotent and races with `done`, and a load cannot be interrupted.
// - A connection that closes cancels its running generate and drops its waiting requests.
// - list-models is answered at once from the `localModels` option (the GGUF files on the host's machine),
//   beside the queue: listing reads file headers, not the GPU.
// - State: every connection gets a `state` event (HostState: idle / loading / compiling / ready, the
//   model, the device, load progress, whether a generate runs, how many requests wait) when it connects
//   and whenever the state changes; changes that are only load progress are sent at most every
//   `stateIntervalMs` (default 250 ms). 'compiling' is the warm-up after a load (option warmUp); 'ready'
//   comes after it, so a page never offers Ctrl+Enter while kernels still compile. `status` replies
//   carry the same state.
// - `loaded` goes to every connection (all of them now talk to that model); progress, queued, events and
//   errors go to the sender only.
// - Every failure becomes an `error` message with a code, the message and a hint saying what to do.
//
// Batching: replies are queued per connection and flushed every `flushMs` (default 16 ms) as one batch
// (the transport writes the batch's messages back to back), and at once after a message that ends a
// request (done, loaded, error, status). The protocol keeps one GenerateEvent per message: token events
// carry token ids and log-probs that clients use, so they are never merged; the batch bounds how often
// the transport and the client wake up (about 60 times a second), not the message count. Progress
// events are coalesced: a pending progress message for the same request is replaced by the newer one.
import type { RemoteKeyStore } from './remote-keys.ts';
import { NonFiniteLogitsError } from '../sampler.ts';
import type { GpuContext } from '../gpu/context.ts';
import { NoGpuError } from '../gpu/context.ts';
import { Engine, EngineBusyError, type EngineOptions } from '../engine.ts';
import { TokenizeTimeoutError } from '../prompt-plan.ts';
import type { ModelSource } from '../model/source.ts';
import { clipMiddle, FOLDER_HELP, ModelError } from '../model/errors.ts';
import { RequestTooLargeError } from '../memory.ts';
import type { GenerateEvent, GenerateRequest, LoadProgress, ModelInfo } from '../../protocol/engine.ts';
import { DEFAULT_MAX_WAITING, Scheduler, type Job } from '../scheduler.ts';
import { RemoteBackend, RemoteError } from '../remote/openai-remote.ts';
import {
  parseClientFrame,
  parseClientMessage,
  ProtocolError,
  type ClientMessage,
  type ErrorCode,
  type HostEvent,
  type HostState,
  type LocalModelList,
  type ModelRef,
  type LocalModelRef,
  isTerminal,
  PROTOCOL_VERSION,
} from '../../protocol/host.ts';

export interface HostSessionOptions {
  /** Acquires the GPU; called on the first load (and again after a failure or a lost device). */
  gpu: () => Promise<GpuContext>;
  /** The model source for a model reference; throw a ModelError (or any Error) for refs this host cannot open. */
  source: (ref: LocalModelRef) => ModelSource | Promise<ModelSource>;
  engine?: EngineOptions;
  /** How long replies are queued before they are sent as one batch (default 16 ms; 0 sends each at once). */
  flushMs?: number;
  /** Hint for the 'no-gpu' error (default: install a Vulkan driver). */
  noGpuHint?: string;
  /**
   * After each load, run Engine.warmUp() before replying `loaded`, so every shader is compiled behind the
   * progress bar (phase 'compiling', a 'compile' progress event) rather than on the first generate.
   * Default false (tests and the CLI generate at once anyway); the app's hosts turn it on.
   */
  warmUp?: boolean;
  /** Requests that may wait behind the running one, over all connections (default 16); past it: 'queue-full'. */
  maxQueued?: number;
  /** State changes that are only load progress are broadcast at most this often (default 250 ms). */
  stateIntervalMs?: number;
  /** Called with each failure that is a bug or a device problem (code internal/generate-failed/no-gpu), for logs. */
  onFailure?: (err: unknown, code: ErrorCode) => void;
  /**
   * The GGUF models on the host's machine, for list-models (Node: LocalModelFinder.list from
   * local-models.ts; the Electron engine page: the main process's). Absent: list-models is answered
   * 'unsupported'. Not a GPU job: it runs beside the queue, never waits for a load or a generate.
   */
  localModels?: () => Promise<LocalModelList>;
  /**
   * Where API keys of remote servers are kept between loads, by base URL (Node hosts: a 0600 file,
   * engine/host/remote-keys.ts; the desktop app: the OS keychain). Absent: a key lives as long as the session.
   */
  remoteKeys?: RemoteKeyStore;
  /** Why this host cannot use remote servers (a `remote` load is refused with it as the hint); absent: it can. */
  noRemote?: string;
  /** The fetch remote servers are reached with (the desktop engine page: the main process's, over IPC); default: fetch. */
  remoteFetch?: typeof fetch;
}


/** A failure with its protocol code and hint, for source factories ("this host cannot open that kind of model"). */
export class HostError extends Error {
  override name = 'HostError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Sends a batch of replies, in order. */
export type SendBatch = (events: HostEvent[]) => void;

const DEFAULT_NO_GPU_HINT =
  'Install a Vulkan driver for your GPU (on Linux without a GPU: Mesa lavapipe, apt-get install mesa-vulkan-drivers libvulkan1), then restart the host.';
const LOAD_HINT = 'Load a model first (in the app: Settings → Model → Load; in the protocol: a load message).';

/** The done event of a generate that never started (cancelled or superseded while it waited). */
const NOT_RUN: GenerateEvent = {
  type: 'done',
  cancelled: true,
  timings: { prefillMs: 0, decodeMs: 0, steps: 0, msPerStep: 0, tokensPerSecond: 0, promptTokens: 0, kvBytesPerStep: 0, kvBytesPerStepOther: 0 },
};

/** The state without its load progress (JSON), to tell a progress-only change from the others. */
function withoutProgress(s: HostState): string {
  return JSON.stringify({ ...s, loading: s.loading && { model: s.loading.model } });
}

/** A model reference as the state names it before its source names it. */
function refName(ref: ModelRef): string {
  return ref.kind === 'dir' ? ref.path : ref.kind === 'url' || ref.kind === 'remote' ? ref.url : `synthetic:${ref.name}`;
}

export class HostSession {
  private engine?: Engine;
  /** The loaded model is a remote server's (generates go there; the local engine, if any, idles). */
  private remote?: RemoteBackend;
  /** Keys of remote servers sent in this session, when there is no remoteKeys store. */
  private readonly sessionKeys = new Map<string, string>();
  private ctx?: GpuContext;
  private readonly connections = new Set<HostConnection>();
  private readonly scheduler: Scheduler<HostConnection>;
  private closed = false;
  /** The running load: what it loads, its latest progress, whether it is in warm-up. */
  private loading?: { model: string; progress: LoadProgress | null; compiling: boolean };
  /** Why no model is loaded (the last load failed, the device was lost), for the 'no-model' error of requests that waited for one. */
  private noModelWhy?: string;
  /** The last state broadcast (JSON) and when; a progress-only change waits for `stateTimer`. */
  private sentState = '';
  private sentStateKey = '';
  private sentStateAt = 0;
  private stateTimer: ReturnType<typeof setTimeout> | undefined;
  private stateQueued = false;

  constructor(readonly opts: HostSessionOptions) {
    this.scheduler = new Scheduler({ maxWaiting: opts.maxQueued ?? DEFAULT_MAX_WAITING, onChange: () => this.stateChanged() });
  }

  /** A new client: `send` receives its replies in batches, the first being the host's state. */
  connect(send: SendBatch): HostConnection {
    if (this.closed) throw new Error('the host session is closed');
    const conn = new HostConnection(this, send, this.opts.flushMs ?? 16);
    this.connections.add(conn);
    conn.push({ type: 'state', state: this.state });
    return conn;
  }

  /** The loaded model, if any. */
  get model(): ModelInfo | null {
    return this.remote?.info ?? this.engine?.info ?? null;
  }

  /** The GPU adapter's name ('' before the GPU is acquired). */
  get device(): string {
    return this.ctx?.info.name ?? '';
  }

  /** A load or generate is running. */
  get busy(): boolean {
    return this.scheduler.running !== undefined;
  }

  /** What the host is doing, as every connection sees it. */
  get state(): HostState {
    const model = this.model;
    const l = this.loading;
    return {
      phase: l ? (l.compiling ? 'compiling' : 'loading') : model ? 'ready' : 'idle',
      model,
      device: this.device,
      loading: l ? { model: l.model, progress: l.progress } : null,
      generating: this.scheduler.running?.kind === 'generate',
      queued: this.scheduler.waiting,
    };
  }

  /** The storage dtype the GPU context uses ('f16' | 'f32'), or undefined before the GPU is acquired. */
  get storage(): 'f16' | 'f32' | undefined {
    return this.ctx ? (this.ctx.f16 ? 'f16' : 'f32') : undefined;
  }

  /** Cancels whatever runs and waits, waits for it to end, frees the model and the GPU. */
  async close(): Promise<void> {
    this.closed = true;
    this.scheduler.cancelAll();
    for (const c of [...this.connections]) c.close();
    // A running generate ends within one decode step; a load cannot be interrupted, wait for it.
    await this.scheduler.idle();
    clearTimeout(this.stateTimer);
    this.engine?.destroy();
    this.engine = undefined;
    this.ctx?.destroy();
    this.ctx = undefined;
  }

  /** @internal */
  detach(conn: HostConnection) {
    this.connections.delete(conn);
    this.scheduler.cancelOwner(conn);
  }

  /** @internal Handles one validated message from `conn`; resolves when its request has ended. */
  async dispatch(conn: HostConnection, msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'status':
        conn.push({ type: 'status', id: msg.id, model: this.model, device: this.device, busy: this.busy, state: this.state, protocol: PROTOCOL_VERSION }, true);
        return;
      case 'cancel':
        this.scheduler.cancel(conn, msg.id);
        return;
      case 'list-models': {
        const list = this.opts.localModels;
        if (!list) {
          conn.error(msg.id, 'unsupported', 'This host cannot list the models on its machine.', 'Type the path of a .gguf file or a model folder in Settings → Model instead.');
          return;
        }
        try {
          conn.push({ type: 'models', id: msg.id, list: await list() }, true);
        } catch (e) {
          this.opts.onFailure?.(e, 'internal');
          conn.error(msg.id, 'internal', `Listing the models on this machine failed: ${(e as Error)?.message ?? String(e)}`, 'Type the path of a .gguf file or a model folder in Settings → Model instead, and report the message.');
        }
        return;
      }
      case 'load':
        return this.submit(conn, {
          owner: conn,
          id: msg.id,
          kind: 'load',
          run: () => this.load(conn, msg.id, msg.model),
          // Only when the connection closed or the host shuts down: nobody reads it, but every load ends with a reply.
          dropped: () => conn.error(msg.id, 'load-failed', `The load of ${refName(msg.model)} was not started: the host is shutting down or the client left.`, LOAD_HINT),
          waiting: (position, reason) => conn.push({ type: 'queued', id: msg.id, position, reason }, true),
        });
      case 'generate':
        if (!this.model && !this.scheduler.hasLoad) {
          conn.error(msg.id, 'no-model', this.noModelMessage(), LOAD_HINT);
          return;
        }
        return this.submit(conn, {
          owner: conn,
          id: msg.id,
          kind: 'generate',
          run: (signal) => this.generate(conn, msg.id, msg.request, signal),
          dropped: () => conn.push({ type: 'event', id: msg.id, event: NOT_RUN }, true),
          waiting: (position, reason) => conn.push({ type: 'queued', id: msg.id, position, reason }, true),
        });
    }
  }

  private submit(conn: HostConnection, job: Job<HostConnection>): Promise<void> {
    const r = this.scheduler.submit(job);
    if (r.ok) return r.ended;
    conn.error(
      job.id,
      'queue-full',
      `The host's queue is full: ${r.limit} requests already wait behind the running one.`,
      'Wait for some of them to finish, or cancel your waiting requests, then try again.',
    );
    return Promise.resolve();
  }

  private noModelMessage(): string {
    return this.noModelWhy ? `No model is loaded: ${this.noModelWhy}` : 'No model is loaded.';
  }

  /**
   * Broadcasts the state to every connection when it differs from the last one sent. Deferred to a
   * microtask, so that one job ending and the next starting is one change; a change of load progress
   * alone waits until `stateIntervalMs` after the last broadcast.
   */
  private stateChanged() {
    if (this.stateQueued || this.closed) return;
    this.stateQueued = true;
    queueMicrotask(() => {
      this.stateQueued = false;
      if (this.closed) return;
      const state = this.state;
      const json = JSON.stringify(state);
      if (json === this.sentState) return;
      const wait = this.sentStateAt + (this.opts.stateIntervalMs ?? 250) - Date.now();
      if (wait > 0 && withoutProgress(state) === this.sentStateKey) {
        this.stateTimer ??= setTimeout(() => {
          this.stateTimer = undefined;
          this.stateChanged();
        }, wait);
        return;
      }
      clearTimeout(this.stateTimer);
      this.stateTimer = undefined;
      this.sentState = json;
      this.sentStateKey = withoutProgress(state);
      this.sentStateAt = Date.now();
      for (const c of this.connections) c.push({ type: 'state', state }, true);
    });
  }

  private async ensureEngine(): Promise<Engine> {
    if (this.engine) return this.engine;
    const ctx = await this.opts.gpu();
    this.ctx = ctx;
    this.engine = await Engine.create(ctx, this.opts.engine);
    this.stateChanged();
    ctx.device.lost.then((info) => {
      if (this.ctx !== ctx) return;
      // The device is gone with the model on it: drop both, the next load acquires a new device.
      this.opts.onFailure?.(new Error(`GPU device lost (${info.reason}): ${info.message}`), 'generate-failed');
      this.noModelWhy = `the GPU device was lost (${info.message || info.reason}).`;
      this.engine = undefined;
      this.ctx = undefined;
      this.stateChanged();
    });
    return this.engine;
  }

  /** Points the session at a remote server: no GPU, no weights; its model list says what it serves. */
  private async loadRemote(conn: HostConnection, id: string, ref: Extract<ModelRef, { kind: 'remote' }>): Promise<void> {
    if (this.opts.noRemote) {
      conn.error(id, 'unsupported', `This host cannot use remote servers (${ref.url}).`, this.opts.noRemote, this.model);
      return;
    }
    this.loading = { model: ref.url, progress: null, compiling: false };
    this.stateChanged();
    try {
      const keys = this.opts.remoteKeys;
      const apiKey = ref.apiKey ?? (keys ? await keys.get(ref.url) : this.sessionKeys.get(ref.url));
      const backend = await RemoteBackend.connect({ baseUrl: ref.url, apiKey, model: ref.model || undefined, fim: ref.fim }, this.opts.remoteFetch);
      if (ref.apiKey) {
        if (keys) await keys.set(ref.url, ref.apiKey);
        else this.sessionKeys.set(ref.url, ref.apiKey);
      }
      this.remote = backend;
      this.noModelWhy = undefined;
      this.loading = undefined;
      for (const c of this.connections) c.push({ type: 'loaded', id, model: backend.info }, true);
    } catch (e) {
      this.loading = undefined;
      this.fail(conn, id, e, 'load', ref.url);
    } finally {
      this.loading = undefined;
      this.stateChanged();
    }
  }

  private async load(conn: HostConnection, id: string, ref: ModelRef): Promise<void> {
    if (ref.kind === 'remote') return this.loadRemote(conn, id, ref);
    const loading = { model: refName(ref), progress: null as LoadProgress | null, compiling: false };
    this.loading = loading;
    this.stateChanged();
    try {
      let engine: Engine;
      try {
        engine = await this.ensureEngine();
      } catch (e) {
        this.fail(conn, id, e, 'load');
        return;
      }
      let name: string | undefined;
      try {
        const source = await this.opts.source(ref);
        name = source.name;
        loading.model = source.name;
        this.stateChanged();
        const model = await engine.load(source, (progress) => {
          conn.push({ type: 'progress', id, progress });
          loading.progress = progress;
          this.stateChanged();
        });
        this.noModelWhy = undefined;
        this.remote = undefined;
        if (this.opts.warmUp) {
          const progress: LoadProgress = { file: 'compiling kernels', bytesDone: 0, bytesTotal: 0, phase: 'compile' };
          conn.push({ type: 'progress', id, progress }, true);
          loading.progress = progress;
          loading.compiling = true;
          this.stateChanged();
          try {
            await engine.warmUp();
          } catch (e) {
            // Best effort: the model is loaded; a real request will report whatever failed here.
            this.opts.onFailure?.(e, 'internal');
          }
        }
        this.loading = undefined;
        for (const c of this.connections) c.push({ type: 'loaded', id, model }, true);
      } catch (e) {
        this.loading = undefined;
        this.fail(conn, id, e, 'load', name);
      }
    } finally {
      this.loading = undefined;
      this.stateChanged();
    }
  }

  private async generate(conn: HostConnection, id: string, request: GenerateRequest, signal: AbortSignal): Promise<void> {
    const engine = this.remote ?? this.engine;
    if (!engine?.info) {
      // It waited for a load that failed (or the device was lost meanwhile).
      conn.error(id, 'no-model', this.noModelMessage(), LOAD_HINT);
      return;
    }
    try {
      for await (const event of engine.generate(request, signal)) {
        const ev: HostEvent = { type: 'event', id, event };
        conn.push(ev, isTerminal(ev));
      }
    } catch (e) {
      this.fail(conn, id, e, 'generate');
    }
  }

  /** `model`: the folder or URL being loaded, named in the message when the engine's message does not. */
  private fail(conn: HostConnection, id: string, e: unknown, during: 'load' | 'generate', model?: string) {
    const loadedNow = during === 'load' ? this.model : undefined;
    const d = describeFailure(e, during, this.opts.noGpuHint ?? DEFAULT_NO_GPU_HINT, loadedNow?.name ?? null);
    const { code, hint } = d;
    const message = model && code === 'load-failed' && !d.message.includes(model) ? `Cannot load ${clipMiddle(model)}: ${d.message}` : d.message;
    // The model's own numbers (NaN or infinite logits) are not the host's failure.
    if ((code === 'internal' || code === 'generate-failed' || code === 'no-gpu') && !(e instanceof NonFiniteLogitsError)) this.opts.onFailure?.(e, code);
    if (during === 'load' && !loadedNow) this.noModelWhy = `the load failed (${message.length > 300 ? `${message.slice(0, 300)}…` : message})`;
    conn.error(id, code, message, hint, loadedNow);
  }
}

/** Maps an exception to the error reply's code, message and hint. */
export function describeFailure(
  e: unknown,
  during: 'load' | 'generate',
  noGpuHint = DEFAULT_NO_GPU_HINT,
  /** For a failed load: the model still loaded (a folder refused before unloading the previous one), or null. */
  loadedNow: string | null = null,
): { code: ErrorCode; message: string; hint: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof HostError) return { code: e.code, message, hint: e.hint };
  if (e instanceof RemoteError) {
    const after = during === 'load' ? (loadedNow ? ` ${loadedNow} is still loaded.` : ' No model is loaded now.') : '';
    return {
      code: during === 'load' ? 'load-failed' : 'generate-failed',
      message,
      hint: `Check the server's base URL (…/v1), its API key and that it runs (Settings → Engine → Remote).${after}`,
    };
  }
  if (e instanceof NoGpuError) return { code: 'no-gpu', message, hint: noGpuHint };
  // The session runs one request at a time, so the engine never sees two: this is a bug.
  if (e instanceof EngineBusyError) return { code: 'internal', message, hint: 'This is a bug in the Fanout host (two requests ran at once); restart it and report the message.' };
  if (e instanceof TokenizeTimeoutError) {
    return {
      code: 'generate-failed',
      message,
      hint: "The host stopped it and still answers. Use the tokenizer.json that came with the model's weights (a pattern like (x+x+)+ in its pre_tokenizer is the usual cause), or a shorter prompt.",
    };
  }
  if (e instanceof NonFiniteLogitsError) {
    return {
      code: 'generate-failed',
      message,
      hint: "The model's weights produce NaN or infinite values: the file may be damaged (download it again), or the model overflows f16 storage (start the host with --storage f32).",
    };
  }
  if (e instanceof RequestTooLargeError) {
    return { code: 'generate-failed', message, hint: 'Lower the number of samples (n), max tokens or the prompt length, or use bifurcated attention.' };
  }
  if (during === 'generate' && e instanceof RangeError) {
    // The engine's request-shape errors (e.g. max tokens leave no room for the prompt in the context).
    return { code: 'generate-failed', message, hint: 'Change the request as the message says (in the app: Settings → Max tokens), then generate again.' };
  }
  if (during === 'load') {
    const after = loadedNow ? ` ${loadedNow} is still loaded.` : ' No model is loaded now: load a working model folder.';
    if (e instanceof ModelError) {
      const hint =
        e.code === 'too-large'
          ? 'Pick a smaller model, or allow more GPU memory (FANOUT_MEMORY_GIB) if the GPU has it.'
          : e.code === 'unsupported-architecture' || e.code === 'unsupported-dtype'
            ? 'Fanout runs Llama and Qwen2 models as safetensors folders (f32, f16, bf16) or GGUF files (F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q4_K, Q4_0); pick such a model.'
            : FOLDER_HELP;
      return { code: 'load-failed', message, hint: hint + after };
    }
    return { code: 'load-failed', message, hint: FOLDER_HELP + after };
  }
  return {
    code: 'generate-failed',
    message,
    hint: 'The request failed on the GPU. Try fewer samples or tokens; if it keeps failing, restart the host and report the message.',
  };
}

/** One client of a HostSession. */
export class HostConnection {
  private queue: HostEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /** @internal */
  constructor(
    private readonly session: HostSession,
    private readonly sendBatch: SendBatch,
    private readonly flushMs: number,
  ) {}

  /**
   * Handles one message as received (already JSON-parsed, e.g. structured-cloned from a MessagePort);
   * resolves when the message's request has ended (for tests and orderly shutdown). Never rejects.
   */
  receive(raw: unknown): Promise<void> {
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(raw);
    } catch (e) {
      this.reject(e);
      return Promise.resolve();
    }
    return this.run(msg);
  }

  /** Handles one JSON text frame (WebSocket). */
  receiveFrame(text: string): Promise<void> {
    let msg: ClientMessage;
    try {
      msg = parseClientFrame(text);
    } catch (e) {
      this.reject(e);
      return Promise.resolve();
    }
    return this.run(msg);
  }

  /** The client went away: its running generate is cancelled, its waiting requests dropped, nothing more is sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.queue = [];
    this.session.detach(this);
  }

  private async run(msg: ClientMessage): Promise<void> {
    try {
      await this.session.dispatch(this, msg);
    } catch (e) {
      // dispatch turns every expected failure into an error reply; this is a bug.
      this.error('id' in msg ? msg.id : null, 'internal', `Internal error: ${(e as Error)?.message ?? String(e)}`, 'This is a bug in the Fanout host; restart it and report the message.');
    }
  }

  /** Answers a message that could not be read (a ProtocolError gives a 'bad-message' error listing the problems). */
  reject(e: unknown) {
    if (e instanceof ProtocolError) this.push(e.toEvent(), true);
    else this.error(null, 'internal', `Internal error: ${(e as Error)?.message ?? String(e)}`, 'This is a bug in the Fanout host; report the message.');
  }

  /** @internal Queues an error reply and flushes. */
  error(id: string | null, code: ErrorCode, message: string, hint: string, model?: ModelInfo | null) {
    this.push(model === undefined ? { type: 'error', id, code, message, hint } : { type: 'error', id, code, message, hint, model }, true);
  }

  /** @internal Queues a reply; `now` flushes the queue at once (the reply ends a request). */
  push(ev: HostEvent, now = false) {
    if (this.closed) return;
    if (ev.type === 'progress') {
      const last = this.queue.at(-1);
      if (last?.type === 'progress' && last.id === ev.id) this.queue.pop();
    }
    this.queue.push(ev);
    if (now || this.flushMs <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  private flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.sendBatch(batch);
    } catch {
      // The transport is gone (socket closed under us): the client will not read anything more.
      this.close();
    }
  }
}
