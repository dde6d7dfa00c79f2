// How the renderer reaches the engine host. The app only sees `Transport`; which one it gets depends on
// where it runs: Electron (the preload hands over a MessagePort) or a browser (WebSocket to the web host).
import type { ClientMessage, HostMessage } from './protocol.ts';
import type { FanoutPreload, HostFiles } from '../protocol/desktop.ts';

export type ConnectionState =
  | { kind: 'connecting' }
  | { kind: 'open' }
  /** Not connected; the transport tries again by itself in `retryInMs`. */
  | { kind: 'closed'; reason: string; retryInMs: number; attempts: number };

export interface Transport {
  /** Sends a message; throws NotConnectedError when the host is not reachable right now. */
  send(msg: ClientMessage): void;
  /** Subscribes to host messages; returns the unsubscribe function. */
  onMessage(fn: (msg: HostMessage) => void): () => void;
  /** Subscribes to connection changes; the listener is called at once with the current state. */
  onConnection(fn: (state: ConnectionState) => void): () => void;
  /** Native file open/save, when the host offers them (Electron); absent in a browser. */
  readonly files?: HostFiles;
  /** A short description for the status bar ("desktop", "ws://127.0.0.1:7070/ws"). */
  readonly label: string;
  close(): void;
}

export class NotConnectedError extends Error {
  override name = 'NotConnectedError';
}

/** Reconnect delay after `attempt` consecutive failures (0-based): 0.5 s doubling to at most 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
}

/** A tiny listener set shared by the transports. */
class Listeners<T> {
  private fns = new Set<(v: T) => void>();
  add(fn: (v: T) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  emit(v: T): void {
    for (const fn of [...this.fns]) fn(v);
  }
}

/** Host messages arrive as JSON over the socket; anything unparseable becomes an error the UI shows. */
export function parseHostMessage(data: unknown): HostMessage {
  try {
    const msg = typeof data === 'string' ? (JSON.parse(data) as unknown) : data;
    if (msg && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') return msg as HostMessage;
  } catch {
    // handled below
  }
  const preview = typeof data === 'string' ? data.slice(0, 80) : typeof data;
  return {
    type: 'error',
    id: null,
    code: 'bad-message',
    message: `The host sent a message the app cannot read (${preview}).`,
    hint: 'The host and the app are probably different versions: update or rebuild both.',
  };
}

interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(): void;
}

export interface WebSocketOptions {
  /** For tests: the WebSocket constructor and timer functions. */
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

const OPEN = 1;

/** WebSocket transport to the web host; reconnects with backoff until closed. */
export function connectWebSocket(url: string, opts: WebSocketOptions = {}): Transport {
  const createSocket = opts.createSocket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((t: unknown) => clearTimeout(t as ReturnType<typeof setTimeout>));
  const messages = new Listeners<HostMessage>();
  const states = new Listeners<ConnectionState>();
  let state: ConnectionState = { kind: 'connecting' };
  let socket: SocketLike | undefined;
  let attempts = 0;
  let timer: unknown;
  let closed = false;

  const setState = (s: ConnectionState) => {
    state = s;
    states.emit(s);
  };

  const open = () => {
    timer = undefined;
    if (closed) return;
    setState({ kind: 'connecting' });
    let s: SocketLike;
    try {
      s = createSocket(url);
    } catch (e) {
      scheduleRetry(`cannot open ${url}: ${(e as Error).message}`);
      return;
    }
    socket = s;
    s.onopen = () => {
      attempts = 0;
      setState({ kind: 'open' });
    };
    s.onmessage = (ev) => messages.emit(parseHostMessage(ev.data));
    // onerror carries no detail in browsers; onclose always follows it, so the retry is scheduled there.
    s.onerror = () => {};
    s.onclose = (ev) => {
      if (socket !== s) return;
      socket = undefined;
      const why = ev.reason || (ev.code === 1006 ? 'the host is not reachable' : `closed (code ${ev.code})`);
      scheduleRetry(why);
    };
  };

  const scheduleRetry = (reason: string) => {
    if (closed) return;
    const retryInMs = reconnectDelay(attempts);
    attempts++;
    setState({ kind: 'closed', reason, retryInMs, attempts });
    timer = setTimer(open, retryInMs);
  };

  open();

  return {
    label: url,
    send(msg) {
      if (!socket || socket.readyState !== OPEN) throw new NotConnectedError(`not connected to the engine host at ${url}`);
      socket.send(JSON.stringify(msg));
    },
    onMessage: (fn) => messages.add(fn),
    onConnection(fn) {
      const off = states.add(fn);
      fn(state);
      return off;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimer(timer);
      const s = socket;
      socket = undefined;
      s?.close();
    },
  };
}

/** Transport over a MessagePort (Electron: the engine window's port). Messages are structured-cloned. */
export function fromMessagePort(port: MessagePort, files?: HostFiles): Transport {
  const messages = new Listeners<HostMessage>();
  const onPortMessage = (ev: MessageEvent) => messages.emit(parseHostMessage(ev.data));
  port.addEventListener('message', onPortMessage);
  port.start();
  return {
    label: 'desktop',
    files,
    send: (msg) => port.postMessage(msg),
    onMessage: (fn) => messages.add(fn),
    onConnection(fn) {
      fn({ kind: 'open' });
      return () => {};
    },
    close() {
      port.removeEventListener('message', onPortMessage);
      port.close();
    },
  };
}

/** The window message that carries the engine port from the Electron preload (the port is ports[0]). */
export const ENGINE_PORT_MESSAGE = 'fanout:engine-port';

/**
 * Electron: asks the preload for the engine's MessagePort and uses it when it arrives (window message
 * ENGINE_PORT_MESSAGE). A later port (the engine window was restarted) replaces the current one.
 */
export function connectElectron(api: FanoutPreload, win: Window): Transport {
  const messages = new Listeners<HostMessage>();
  const states = new Listeners<ConnectionState>();
  let state: ConnectionState = { kind: 'connecting' };
  let current: Transport | undefined;
  let offCurrent = () => {};

  const setState = (next: ConnectionState) => {
    state = next;
    states.emit(state);
  };
  const onWindowMessage = (ev: MessageEvent) => {
    if (ev.source !== win || (ev.data as { type?: unknown } | null)?.type !== ENGINE_PORT_MESSAGE || !ev.ports[0]) return;
    offCurrent();
    current?.close();
    current = fromMessagePort(ev.ports[0], api.files);
    offCurrent = current.onMessage((m) => messages.emit(m));
    setState({ kind: 'open' });
  };
  win.addEventListener('message', onWindowMessage);
  // The main process restarts a crashed or hung engine window and hands this page a new port when the new
  // one is ready (meanwhile a stand-in port answers every request with a 'restarting' error). Show the
  // outage as a closed connection: the store fails the running request and asks for status on reopen.
  const offEngine =
    api.onEngineState?.((engine) => {
      if (engine.kind === 'restarting') {
        setState({ kind: 'closed', reason: `the engine stopped (${engine.reason}); restarting it`, retryInMs: engine.retryInMs, attempts: engine.attempt });
      } else if (engine.kind === 'failed') {
        setState({ kind: 'closed', reason: `the engine stopped (${engine.reason}); File → Restart Engine starts it again`, retryInMs: 0, attempts: 0 });
      }
    }) ?? (() => {});
  api.requestEnginePort();

  return {
    label: 'desktop',
    files: api.files,
    send(msg) {
      if (!current) throw new NotConnectedError('the desktop engine is still starting');
      current.send(msg);
    },
    onMessage: (fn) => messages.add(fn),
    onConnection(fn) {
      const off = states.add(fn);
      fn(state);
      return off;
    },
    close() {
      win.removeEventListener('message', onWindowMessage);
      offEngine();
      offCurrent();
      current?.close();
    },
  };
}

/** Electron when its preload API is present, otherwise the web host's WebSocket on this page's host. */
export function pickTransport(win: Window & { fanout?: FanoutPreload }): Transport {
  if (win.fanout) return connectElectron(win.fanout, win);
  const scheme = win.location.protocol === 'https:' ? 'wss' : 'ws';
  return connectWebSocket(`${scheme}://${win.location.host}/ws`);
}
