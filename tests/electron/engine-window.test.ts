// The engine window controller (electron/engine-window.ts) against a stand-in for Electron's
// BrowserWindow and MessageChannelMain: ports to the editor, crash → stand-in port with errors →
// restart with backoff → model restored → real port again; device loss, hangs, start timeouts, giving
// up and the manual restart.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => {
  // Inside the factory: vi.mock is hoisted above the imports.
  const { EventEmitter } = await import('node:events');
  class FakePort extends EventEmitter {
    other: FakePort | null = null;
    closed = false;
    started = false;
    received: unknown[] = [];
    postMessage(m: unknown) {
      if (!this.closed && this.other && !this.other.closed) {
        this.other.received.push(m);
        this.other.emit('message', { data: m, ports: [] });
      }
    }
    start() {
      this.started = true;
    }
    close() {
      this.closed = true;
    }
  }
  class MessageChannelMain {
    port1 = new FakePort();
    port2 = new FakePort();
    constructor() {
      this.port1.other = this.port2;
      this.port2.other = this.port1;
    }
  }
  class FakeWebContents extends EventEmitter {
    destroyed = false;
    sent: { channel: string; msg: unknown }[] = [];
    posted: { channel: string; msg: unknown; ports: FakePort[] }[] = [];
    send(channel: string, msg: unknown) {
      this.sent.push({ channel, msg });
    }
    postMessage(channel: string, msg: unknown, ports: FakePort[] = []) {
      this.posted.push({ channel, msg, ports });
    }
    isDestroyed() {
      return this.destroyed;
    }
    forcefullyCrashRenderer() {
      this.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    }
  }
  class BrowserWindow extends EventEmitter {
    static all: BrowserWindow[] = [];
    webContents = new FakeWebContents();
    url = '';
    destroyed = false;
    constructor(readonly opts: Record<string, unknown>) {
      super();
      BrowserWindow.all.push(this);
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    isDestroyed() {
      return this.destroyed;
    }
    destroy() {
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
    }
  }
  return { BrowserWindow, MessageChannelMain, FakeWebContents };
});

import * as electron from 'electron';
import { EngineHost } from '../../electron/engine-window.ts';
import { RestartPolicy } from '../../electron/restart-policy.ts';
import { ENGINE_URL, IPC } from '../../electron/shared.ts';

type FakeWc = InstanceType<typeof electron.BrowserWindow>['webContents'] & {
  sent: { channel: string; msg: unknown }[];
  posted: { channel: string; msg: unknown; ports: FakePortT[] }[];
  destroyed: boolean;
};
interface FakePortT {
  received: unknown[];
  closed: boolean;
  /** The other end of the channel. */
  other: FakePortT | null;
  postMessage(m: unknown): void;
}
const windows = () => (electron.BrowserWindow as unknown as { all: { webContents: FakeWc; url: string; destroyed: boolean; opts: Record<string, unknown> }[] }).all;
const lastWindow = () => windows().at(-1)!;
const newEditor = () => new (electron as unknown as { FakeWebContents: new () => FakeWc }).FakeWebContents();

let host: EngineHost;
let log: string[];

function make(policy = new RestartPolicy({ baseMs: 1000 })) {
  log = [];
  host = new EngineHost({ url: ENGINE_URL, preload: '/app/engine-preload.cjs', devTools: false, log: (l) => log.push(l), policy, startMs: 30_000, hangMs: 20_000 });
  host.start();
}
const states = (wc: FakeWc) => wc.sent.filter((s) => s.channel === IPC.engineState).map((s) => s.msg as { kind: string });
const portsTo = (wc: FakeWc, channel: string) => wc.posted.filter((p) => p.channel === channel);

beforeEach(() => {
  vi.useFakeTimers();
  windows().length = 0;
});
afterEach(() => {
  host.stop();
  vi.useRealTimers();
});

describe('EngineHost', () => {
  it('creates a hidden, sandboxed engine window that is not throttled', () => {
    make();
    const w = lastWindow();
    expect(w.url).toBe(ENGINE_URL);
    expect(w.opts).toMatchObject({ show: false });
    expect(w.opts.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, backgroundThrottling: false, preload: '/app/engine-preload.cjs' });
    expect(host.currentState).toEqual({ kind: 'starting' });
  });

  it('gives the editor a MessageChannel to the engine once the engine is ready', () => {
    make();
    const editor = newEditor();
    host.connectEditor(editor);
    expect(portsTo(editor, IPC.enginePort)).toHaveLength(0); // still starting: it waits
    expect(states(editor)).toEqual([{ kind: 'starting' }]);
    host.report({ type: 'ready' });
    const engineWc = lastWindow().webContents;
    const [toEngine] = portsTo(engineWc, IPC.uiPort);
    const [toEditor] = portsTo(editor, IPC.enginePort);
    expect(toEngine.msg).toEqual({ conn: 1 });
    expect(toEngine.ports).toHaveLength(1);
    expect(toEditor.ports).toHaveLength(1);
    // The two ends of one channel: what the editor posts reaches the engine page's end.
    toEditor.ports[0].postMessage({ type: 'status', id: 's' });
    expect(toEngine.ports[0].received).toEqual([{ type: 'status', id: 's' }]);
    expect(states(editor).at(-1)).toEqual({ kind: 'ready' });

    // A reload asks again: the old connection is closed in the engine page, a new one is made.
    host.editorGone(editor);
    expect(engineWc.sent).toContainEqual({ channel: IPC.control, msg: { type: 'close-conn', conn: 1 } });
    host.connectEditor(editor);
    expect(portsTo(engineWc, IPC.uiPort).at(-1)!.msg).toEqual({ conn: 2 });
  });

  it('after a crash: ends the running requests through a stand-in port, restarts, restores the model, reconnects', () => {
    make();
    const editor = newEditor();
    host.connectEditor(editor);
    host.report({ type: 'ready' });
    host.report({ type: 'model', ref: { kind: 'dir', path: 'models/fanout-code-4m' } });
    host.report({ type: 'request', conn: 1, id: 'gen-1', kind: 'generate', state: 'start' });
    host.report({ type: 'request', conn: 1, id: 'load-0', kind: 'load', state: 'start' });
    host.report({ type: 'request', conn: 1, id: 'load-0', kind: 'load', state: 'end' });
    const first = lastWindow();

    first.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(first.destroyed).toBe(true);
    expect(states(editor).at(-1)).toMatchObject({ kind: 'restarting', retryInMs: 0, attempt: 1 });
    expect(states(editor).at(-1)).toHaveProperty('reason', 'the engine process crashed (exit code 139)');
    // The stand-in port: the running generate ends with an error the app shows.
    const stub = portsTo(editor, IPC.enginePort).at(-1)!.ports[0];
    // Then the state: the engine is loading the model again (it is what the new window restores).
    const reloading = { phase: 'loading', model: null, device: '', loading: { model: 'models/fanout-code-4m', progress: null }, generating: false, queued: 0 };
    expect(stub.received).toEqual([expect.objectContaining({ type: 'error', id: 'gen-1', code: 'generate-failed' }), { type: 'state', state: reloading }]);
    // While restarting it answers for the engine.
    stub.postMessage({ type: 'status', id: 'st' });
    expect(stub.received.at(-1)).toEqual({ type: 'status', id: 'st', model: null, device: '', busy: true, state: reloading });
    stub.postMessage({ type: 'generate', id: 'g2', request: { prefix: 'x' } });
    expect(stub.received.at(-1)).toMatchObject({ type: 'error', id: 'g2', code: 'busy' });

    vi.advanceTimersByTime(0);
    expect(windows()).toHaveLength(2);
    // The new engine page reloads the model the old one had.
    expect(host.init()).toEqual({ restore: { kind: 'dir', path: 'models/fanout-code-4m' } });
    host.report({ type: 'ready' });
    const real = portsTo(editor, IPC.enginePort).at(-1)!.ports[0];
    expect(real).not.toBe(stub);
    // The main process closed its end of the stand-in.
    expect(stub.other!.closed).toBe(true);
    expect(portsTo(lastWindow().webContents, IPC.uiPort)).toHaveLength(1);
    expect(states(editor).at(-1)).toEqual({ kind: 'ready' });
  });

  it('after a crash during a model load: restarts without that model, says which one and what to do, refuses it until chosen again', () => {
    make();
    const editor = newEditor();
    host.connectEditor(editor);
    host.report({ type: 'ready' });
    host.report({ type: 'model', ref: { kind: 'dir', path: 'models/a' } });
    // The editor loads another folder; the engine page starts reading it, and its process dies.
    host.report({ type: 'request', conn: 1, id: 'load-1', kind: 'load', state: 'start' });
    host.report({ type: 'load-start', ref: { kind: 'dir', path: '/models/big' }, path: '/models/big' });
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });

    const stub = portsTo(editor, IPC.enginePort).at(-1)!.ports[0];
    const [err, state] = stub.received as [{ type: string; id: string; code: string; message: string; hint: string }, { type: string; state: { phase: string; loading: { model: string } | null } }];
    expect(err).toMatchObject({ type: 'error', id: 'load-1', code: 'load-failed' });
    expect(err.message).toBe(
      'The engine stopped while loading /models/big: the engine process ran out of memory (exit code 0). It is restarting with models/a instead; /models/big is not loaded again.',
    );
    expect(err.hint).toContain('Choose another model');
    expect(err.hint).toContain('To try /models/big again anyway, choose its folder with File > Open Model…');
    // The model it had before (it loaded fine) is the one restored.
    expect(state.state).toMatchObject({ phase: 'loading', loading: { model: 'models/a' } });
    vi.advanceTimersByTime(0);
    expect(host.init()).toEqual({ restore: { kind: 'dir', path: 'models/a' } });

    // The editor loads its model setting by itself on reconnecting: that folder is refused, saying why.
    expect(host.modelRefusal('/models/big')).toMatchObject({ ok: false, message: expect.stringContaining('Fanout does not load /models/big by itself again, because the engine stopped while loading it: the engine process ran out of memory') });
    expect(host.modelRefusal('/models/a')).toBeNull();
    // File > Open Model… on that folder: it loads again.
    host.allowModel('/models/big');
    expect(host.modelRefusal('/models/big')).toBeNull();
    expect(log.join('\n')).toContain('it stopped while loading /models/big');
  });

  it('a model that crashed while generating is restored once; crashing during that reload, it is not loaded again', () => {
    make();
    const editor = newEditor();
    host.connectEditor(editor);
    const b = { kind: 'dir', path: 'models/b' } as const;
    host.report({ type: 'ready' });
    host.report({ type: 'load-start', ref: b, path: '/repo/models/b' });
    host.report({ type: 'model', ref: b });
    host.report({ type: 'load-end' });
    host.report({ type: 'request', conn: 1, id: 'gen-1', kind: 'generate', state: 'start' });
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    vi.advanceTimersByTime(0);
    // A crash while generating: restored, as before.
    expect(host.init()).toEqual({ restore: b });
    expect(host.modelRefusal('/repo/models/b')).toBeNull();

    // The new engine window reloads it (on its own connection: no UI request) and loses its GPU device.
    host.report({ type: 'ready' });
    host.report({ type: 'load-start', ref: b, path: '/repo/models/b' });
    host.report({ type: 'device-lost', reason: 'unknown', message: 'GPU process exited' });
    const stub = portsTo(editor, IPC.enginePort).at(-1)!.ports[0];
    // One notice (no request was running) naming the model, then an idle engine (nothing to wait for).
    expect(stub.received).toEqual([
      {
        type: 'error',
        id: null,
        code: 'load-failed',
        message: 'The engine stopped while loading /repo/models/b: the GPU device was lost (unknown: GPU process exited). It is restarting without a model; /repo/models/b is not loaded again.',
        hint: expect.stringContaining('File > Open Model…'),
        model: null,
      },
      { type: 'state', state: expect.objectContaining({ phase: 'idle', loading: null }) },
    ]);
    vi.advanceTimersByTime(1_000);
    expect(windows()).toHaveLength(3);
    expect(host.init()).toEqual({ restore: null });
    expect(host.modelRefusal('/repo/models/b')).toMatchObject({ ok: false });
    expect(host.currentState).toMatchObject({ kind: 'restarting' });
  });

  it('a hang during a model load counts as that model stopping the engine, and says it hung', () => {
    make();
    const editor = newEditor();
    host.connectEditor(editor);
    host.report({ type: 'ready' });
    host.report({ type: 'load-start', ref: { kind: 'dir', path: 'models/slow' }, path: '/repo/models/slow' });
    lastWindow().webContents.emit('unresponsive');
    vi.advanceTimersByTime(20_000);
    const stub = portsTo(editor, IPC.enginePort).at(-1)!.ports[0];
    expect(stub.received[0]).toMatchObject({
      id: null,
      code: 'load-failed',
      message: 'The engine stopped while loading /repo/models/slow: the engine page stopped responding for more than 20 s. It is restarting without a model; /repo/models/slow is not loaded again.',
    });
    expect(host.modelRefusal('/repo/models/slow')).toMatchObject({ ok: false, message: expect.stringContaining('stopped responding') });
  });

  it('a load that ended is not blamed for a later crash', () => {
    make();
    host.report({ type: 'ready' });
    host.report({ type: 'load-start', ref: { kind: 'dir', path: '/m' }, path: '/m' });
    host.report({ type: 'model', ref: { kind: 'dir', path: '/m' } });
    host.report({ type: 'load-end' });
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    vi.advanceTimersByTime(0);
    expect(host.init()).toEqual({ restore: { kind: 'dir', path: '/m' } });
    expect(host.modelRefusal('/m')).toBeNull();
  });

  it('restarts after a lost GPU device, a hang and a start timeout, with growing delays', () => {
    make(new RestartPolicy({ baseMs: 1000, maxFailures: 10 }));
    host.report({ type: 'ready' });
    host.report({ type: 'device-lost', reason: 'unknown', message: 'GPU process crashed' });
    expect(host.currentState).toMatchObject({ kind: 'restarting', retryInMs: 0 });
    expect(log.join('\n')).toContain('the GPU device was lost (unknown: GPU process crashed)');
    vi.advanceTimersByTime(0);
    expect(windows()).toHaveLength(2);

    // Unresponsive for longer than hangMs: crashed on purpose, then restarted after 1 s (second failure).
    lastWindow().webContents.emit('unresponsive');
    vi.advanceTimersByTime(19_000);
    expect(windows()).toHaveLength(2);
    vi.advanceTimersByTime(1_000);
    expect(host.currentState).toMatchObject({ kind: 'restarting', retryInMs: 1000, attempt: 2 });
    vi.advanceTimersByTime(1_000);
    expect(windows()).toHaveLength(3);

    // A hang that recovers does nothing.
    host.report({ type: 'ready' });
    lastWindow().webContents.emit('unresponsive');
    vi.advanceTimersByTime(5_000);
    lastWindow().webContents.emit('responsive');
    vi.advanceTimersByTime(60_000);
    expect(windows()).toHaveLength(3);

    // A page that never reports ready.
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    expect(log.join('\n')).toContain('ran out of memory');
    vi.advanceTimersByTime(2_000);
    expect(windows()).toHaveLength(4);
    vi.advanceTimersByTime(30_000);
    expect(log.join('\n')).toContain('did not start within 30 s');
  });

  it('gives up after too many failures until the user restarts it', () => {
    make(new RestartPolicy({ maxFailures: 2, windowMs: 60_000 }));
    const editor = newEditor();
    host.connectEditor(editor);
    host.report({ type: 'ready' });
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    vi.advanceTimersByTime(0);
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    expect(host.currentState.kind).toBe('failed');
    vi.advanceTimersByTime(600_000);
    expect(windows()).toHaveLength(2);
    const stub = portsTo(editor, IPC.enginePort).at(-1)!.ports[0];
    expect(stub.received.at(-2)).toMatchObject({ type: 'error', id: null, code: 'internal' });
    // No restart is coming: nothing loads (the app must not wait for a model).
    expect(stub.received.at(-1)).toMatchObject({ type: 'state', state: { phase: 'idle', loading: null } });
    stub.postMessage({ type: 'generate', id: 'g', request: { prefix: 'x' } });
    expect(stub.received.at(-1)).toMatchObject({ type: 'error', id: 'g', code: 'internal' });
    expect((stub.received.at(-1) as { hint: string }).hint).toContain('File > Restart Engine');

    host.restart();
    expect(windows()).toHaveLength(3);
    host.report({ type: 'ready' });
    expect(host.currentState).toEqual({ kind: 'ready' });
  });

  it('sends its own requests on the control connection and resolves at their end', async () => {
    make();
    await expect(host.loadModel('/m')).rejects.toThrow(/starting/);
    host.report({ type: 'ready' });
    const p = host.loadModel('/models/m');
    const engineWc = lastWindow().webContents;
    const sent = engineWc.sent.find((s) => s.channel === IPC.control)!.msg as { type: string; message: { id: string } };
    expect(sent).toMatchObject({ type: 'client', message: { type: 'load', model: { kind: 'dir', path: '/models/m' } } });
    const id = sent.message.id;
    // State broadcasts (no id) may come between the replies: they answer no request.
    const loading = { phase: 'loading' as const, model: null, device: 'gpu', loading: { model: '/models/m', progress: null }, generating: false, queued: 0 };
    host.report({ type: 'control', events: [{ type: 'state', state: loading }, { type: 'progress', id, progress: { file: 'model.safetensors', bytesDone: 1, bytesTotal: 2 } }] });
    host.report({ type: 'control', events: [{ type: 'error', id, code: 'load-failed', message: 'bad', hint: 'h', model: null }] });
    await expect(p).resolves.toMatchObject({ type: 'error', message: 'bad' });

    // A crash rejects what is pending.
    const q = host.loadModel('/models/m');
    lastWindow().webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    await expect(q).rejects.toThrow(/engine stopped/);
  });

  it('ignores events from a window it already replaced', () => {
    make();
    host.report({ type: 'ready' });
    const old = lastWindow();
    host.restart();
    old.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    expect(windows()).toHaveLength(2);
    expect(host.currentState).toMatchObject({ kind: 'restarting' });
  });
});
