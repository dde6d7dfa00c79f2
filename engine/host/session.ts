// The protocol dispatcher: one Engine on one GPU, driven by host-protocol messages from any number of
// connections (WebSocket clients of the web host, the Electron engine window's MessagePort, the
// in-browser engine page). Transport-independent and browser-safe (no node:* imports): the GPU context
// and the model sources come from factories passed to the constructor, e.g.
//
//   Node:    new HostSession({ gpu: () => acquireNodeGpu(), source: nodeModelSource(...) })
//   Browser: new HostSession({ gpu: () => acquireBrowserGpu(), source: (ref) => httpSource(ref.url) })
//
// Policy:
// - The engine is created on the first load (the GPU is acquired then, not before); a failed acquire is
//   retried on the next load. A lost device drops the engine; the next load acquires a new one.
// - One request at a time over all connections: a load or generate while another load or generate is
//   running is REFUSED with code 'busy' (never cancels the other request: it may belong to another tab).
// - cancel aborts the sender's running generate with that id (the engine stops within one decode step
//   and the stream still ends with finish + done events, cancelled: true). A cancel for a request that
//   already ended, or for a load, is ignored: cancel is idempotent and races with `done`.
// - A connection that closes cancels its running generate.
// - `loaded` goes to every connection (all of them now talk to that model); other replies go to the
//   sender only.
// - Every failure becomes an `error` message with a code, the message and a hint saying what to do.
//
// Batching: replies are queued per connection and flushed every `flushMs` (default 16 ms) as one batch
// (the transport writes the batch's messages back to back), and at once after a message that ends a
// request (done, loaded, error, status). The protocol keeps one GenerateEvent per message: token events
// carry token ids and log-probs that clients use, so they are never merged; the batch bounds how often
// the transport and the client wake up (about 60 times a second), not the message count. Progress
// events are coalesced: a pending progress message for the same request is replaced by the newer one.
import type { GpuContext } from '../gpu/context.ts';
import { NoGpuError } from '../gpu/context.ts';
import { Engine, EngineBusyError, type EngineOptions } from '../engine.ts';
import type { ModelSource } from '../model/source.ts';
import { FOLDER_HELP, ModelError } from '../model/errors.ts';
import { RequestTooLargeError } from '../memory.ts';
import type { GenerateRequest, ModelInfo } from '../api.ts';
import { parseClientFrame, parseClientMessage, ProtocolError, type ClientMessage, type ErrorCode, type HostEvent, type ModelRef } from './protocol.ts';

export interface HostSessionOptions {
  /** Acquires the GPU; called on the first load (and again after a failure or a lost device). */
  gpu: () => Promise<GpuContext>;
  /** The model source for a model reference; throw a ModelError (or any Error) for refs this host cannot open. */
  source: (ref: ModelRef) => ModelSource | Promise<ModelSource>;
  engine?: EngineOptions;
  /** How long replies are queued before they are sent as one batch (default 16 ms; 0 sends each at once). */
  flushMs?: number;
  /** Hint for the 'no-gpu' error (default: install a Vulkan driver). */
  noGpuHint?: string;
  /**
   * After each load, run Engine.warmUp() before replying `loaded`, so every shader is compiled behind the
   * progress bar (a 'compile' progress event) rather than on the first generate. Default false (tests and
   * the CLI generate at once anyway); the app's hosts turn it on.
   */
  warmUp?: boolean;
  /** Called with each failure that is a bug or a device problem (code internal/generate-failed/no-gpu), for logs. */
  onFailure?: (err: unknown, code: ErrorCode) => void;
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

interface Running {
  kind: 'load' | 'generate';
  conn: HostConnection;
  id: string;
  abort?: AbortController;
}

export class HostSession {
  private engine?: Engine;
  private ctx?: GpuContext;
  private running?: Running;
  private readonly connections = new Set<HostConnection>();
  private closed = false;

  constructor(readonly opts: HostSessionOptions) {}

  /** A new client: `send` receives its replies in batches. */
  connect(send: SendBatch): HostConnection {
    if (this.closed) throw new Error('the host session is closed');
    const conn = new HostConnection(this, send, this.opts.flushMs ?? 16);
    this.connections.add(conn);
    return conn;
  }

  /** The loaded model, if any. */
  get model(): ModelInfo | null {
    return this.engine?.info ?? null;
  }

  /** The GPU adapter's name ('' before the GPU is acquired). */
  get device(): string {
    return this.ctx?.info.name ?? '';
  }

  /** A load or generate is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The storage dtype the GPU context uses ('f16' | 'f32'), or undefined before the GPU is acquired. */
  get storage(): 'f16' | 'f32' | undefined {
    return this.ctx ? (this.ctx.f16 ? 'f16' : 'f32') : undefined;
  }

  /** Cancels whatever runs, waits for it to end, frees the model and the GPU. */
  async close(): Promise<void> {
    this.closed = true;
    const r = this.running;
    r?.abort?.abort();
    for (const c of [...this.connections]) c.close();
    // A running generate ends within one decode step; a load cannot be interrupted, wait for it.
    while (this.running) await new Promise((res) => setTimeout(res, 10));
    this.engine?.destroy();
    this.engine = undefined;
    this.ctx?.destroy();
    this.ctx = undefined;
  }

  /** @internal */
  detach(conn: HostConnection) {
    this.connections.delete(conn);
    if (this.running?.conn === conn) this.running.abort?.abort();
  }

  /** @internal Handles one validated message from `conn`. */
  async dispatch(conn: HostConnection, msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'status':
        conn.push({ type: 'status', id: msg.id, model: this.model, device: this.device, busy: this.busy }, true);
        return;
      case 'cancel':
        if (this.running?.kind === 'generate' && this.running.conn === conn && this.running.id === msg.id) this.running.abort?.abort();
        return;
      case 'load':
        return this.load(conn, msg.id, msg.model);
      case 'generate':
        return this.generate(conn, msg.id, msg.request);
    }
  }

  private refuseIfBusy(conn: HostConnection, id: string, what: string): boolean {
    const r = this.running;
    if (!r) return false;
    const other = r.conn === conn ? `request ${r.id}` : 'a request from another client';
    conn.error(
      id,
      'busy',
      `Cannot ${what}: ${other} (${r.kind === 'load' ? 'a model load' : 'a generation'}) is running.`,
      r.kind === 'load' ? 'Wait for the model to finish loading, then try again.' : 'Cancel the running generation or wait for it to finish, then try again.',
    );
    return true;
  }

  private async ensureEngine(): Promise<Engine> {
    if (this.engine) return this.engine;
    const ctx = await this.opts.gpu();
    this.ctx = ctx;
    this.engine = await Engine.create(ctx, this.opts.engine);
    ctx.device.lost.then((info) => {
      if (this.ctx !== ctx) return;
      // The device is gone with the model on it: drop both, the next load acquires a new device.
      this.opts.onFailure?.(new Error(`GPU device lost (${info.reason}): ${info.message}`), 'generate-failed');
      this.engine = undefined;
      this.ctx = undefined;
    });
    return this.engine;
  }

  private async load(conn: HostConnection, id: string, ref: ModelRef): Promise<void> {
    if (this.refuseIfBusy(conn, id, 'load a model')) return;
    this.running = { kind: 'load', conn, id };
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
        const model = await engine.load(source, (progress) => conn.push({ type: 'progress', id, progress }));
        if (this.opts.warmUp) {
          conn.push({ type: 'progress', id, progress: { file: 'compiling kernels', bytesDone: 0, bytesTotal: 0, phase: 'compile' } }, true);
          try {
            await engine.warmUp();
          } catch (e) {
            // Best effort: the model is loaded; a real request will report whatever failed here.
            this.opts.onFailure?.(e, 'internal');
          }
        }
        for (const c of this.connections) c.push({ type: 'loaded', id, model }, true);
      } catch (e) {
        this.fail(conn, id, e, 'load', name);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async generate(conn: HostConnection, id: string, request: GenerateRequest): Promise<void> {
    if (this.refuseIfBusy(conn, id, 'start a generation')) return;
    const engine = this.engine;
    if (!engine?.info) {
      conn.error(id, 'no-model', 'No model is loaded.', 'Load a model first (in the app: Settings → Model → Load; in the protocol: a load message).');
      return;
    }
    const abort = new AbortController();
    this.running = { kind: 'generate', conn, id, abort };
    try {
      for await (const event of engine.generate(request, abort.signal)) conn.push({ type: 'event', id, event }, event.type === 'done');
    } catch (e) {
      this.fail(conn, id, e, 'generate');
    } finally {
      this.running = undefined;
    }
  }

  /** `model`: the folder or URL being loaded, named in the message when the engine's message does not. */
  private fail(conn: HostConnection, id: string, e: unknown, during: 'load' | 'generate', model?: string) {
    const loadedNow = during === 'load' ? (this.engine?.info ?? null) : undefined;
    const d = describeFailure(e, during, this.opts.noGpuHint ?? DEFAULT_NO_GPU_HINT, loadedNow?.name ?? null);
    const { code, hint } = d;
    const message = model && code === 'load-failed' && !d.message.includes(model) ? `Cannot load ${model}: ${d.message}` : d.message;
    if (code === 'internal' || code === 'generate-failed' || code === 'no-gpu') this.opts.onFailure?.(e, code);
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
  if (e instanceof NoGpuError) return { code: 'no-gpu', message, hint: noGpuHint };
  if (e instanceof EngineBusyError) return { code: 'busy', message, hint: 'Cancel the running request or wait for it to finish, then try again.' };
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
            ? 'Fanout runs Llama and Qwen2 models stored as f32, f16 or bf16 safetensors; pick such a model.'
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

  /** The client went away: its running generate is cancelled, nothing more is sent. */
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
