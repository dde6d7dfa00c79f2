// The engine window: a hidden BrowserWindow running the engine page (electron/engine-page/) on
// Chromium's WebGPU. The main process creates it, watches it and restarts it:
//
// - after its renderer process is gone (crash, OOM, killed), after it stayed unresponsive for
//   `hangMs` past Chromium's own hang report (it is then crashed on purpose), when its page fails to
//   load or does not report ready within `startMs`, and when it reports a lost GPU device;
// - with the backoff of RestartPolicy (immediately, then 1 s, 2 s, … up to 30 s; it gives up after 5
//   failures in 2 minutes, until File > Restart Engine);
// - and the new window reloads the model the old one had (EngineInit.restore), except a model that was
//   loading when the engine stopped: that one is not loaded again, by the new window or by anyone else's
//   request, until the user chooses it with File > Open Model… (electron/load-crashes.ts); the editor
//   hears which model it was and what to do (engine-stub.ts). A model that stops the engine while
//   generating is restored once more; if it then stops the engine while reloading, that rule applies.
//
// The editor gets a MessagePort to the engine for each requestEnginePort() (a new MessageChannelMain:
// one end to the engine page, one to the editor), so token streams never pass through this process.
// While the engine is down the editor holds a stand-in port (electron/engine-stub.ts): the requests
// that were running end with an error, new ones are answered "restarting"; when the engine is back
// the editor gets a real port again. The editor's preload also hears each state change
// (IPC.engineState, protocol/desktop.ts EngineState).
import { BrowserWindow, MessageChannelMain, type MessagePortMain, type WebContents } from 'electron';
import type { EngineState } from '../protocol/desktop.ts';
import { isTerminal, type HostEvent, type ModelRef } from '../protocol/host.ts';
import type { EngineControl, EngineInit, EngineReport } from '../protocol/engine-window.ts';
import { stubOpening, stubReply, type InFlight, type Outage } from './engine-stub.ts';
import { LoadCrashes } from './load-crashes.ts';
import { RestartPolicy } from './restart-policy.ts';
import { IPC, lockedDownPreferences } from './shared.ts';

export interface EngineHostOptions {
  url: string;
  preload: string;
  devTools: boolean;
  log(line: string): void;
  policy?: RestartPolicy;
  /** How long the page may take to report ready (default 30 s). */
  startMs?: number;
  /** How long an unresponsive engine page is given before it is crashed and restarted (default 20 s). */
  hangMs?: number;
}

interface Editor {
  wc: WebContents;
  /** The editor page asked for a port (it is loaded and listening). */
  wantsPort: boolean;
  /** Its current real connection to the engine page. */
  conn: number | null;
  /** The stand-in port while the engine is down. */
  stub: MessagePortMain | null;
}

interface ControlWaiter {
  events: HostEvent[];
  done(events: HostEvent[]): void;
  fail(e: Error): void;
}

export class EngineHost {
  private win: BrowserWindow | null = null;
  /** Bumped for each window: events of a window that is no longer current are ignored. */
  private generation = 0;
  private ready = false;
  private stopped = false;
  private state: EngineState = { kind: 'starting' };
  private outage: Outage | null = null;
  private model: ModelRef | null = null;
  /** The load reading model files now (from the page's load-start to its load-end), or null. */
  private loading: { ref: ModelRef; path: string } | null = null;
  private readonly loadCrashes = new LoadCrashes();
  private editor: Editor | null = null;
  private nextConn = 1;
  private readonly inFlight = new Map<number, Map<string, InFlight['kind']>>();
  private readonly control = new Map<string, ControlWaiter>();
  private controlSeq = 0;
  private startTimer: ReturnType<typeof setTimeout> | undefined;
  private hangTimer: ReturnType<typeof setTimeout> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly policy: RestartPolicy;

  constructor(private readonly opts: EngineHostOptions) {
    this.policy = opts.policy ?? new RestartPolicy();
  }

  /** The current engine window's webContents (IPC from any other is refused). */
  get webContents(): WebContents | null {
    return this.win && !this.win.isDestroyed() ? this.win.webContents : null;
  }

  get currentState(): EngineState {
    return this.state;
  }

  /** The model the engine has loaded (as last loaded), or null. */
  get currentModel(): ModelRef | null {
    return this.model;
  }

  /** Why a load of the model folder `path` (absolute) is refused (it stopped the engine while loading), or null. */
  modelRefusal(path: string): { ok: false; message: string; hint: string } | null {
    return this.loadCrashes.refusal(path);
  }

  /** The user chose the folder `path` explicitly (File > Open Model…): it loads again even if it stopped the engine before. */
  allowModel(path: string): void {
    this.loadCrashes.allow(path);
  }

  start(): void {
    if (this.win || this.stopped) return;
    this.create();
  }

  /** Closes the engine window for good (quitting). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.rejectControl('the app is quitting');
    const w = this.win;
    this.win = null;
    this.generation++;
    if (w && !w.isDestroyed()) w.destroy();
    this.editor?.stub?.close();
  }

  /** File > Restart Engine: a fresh engine window now, whatever the backoff said. */
  restart(reason = 'restarted from the menu'): void {
    if (this.stopped) return;
    this.policy.reset();
    this.teardown({ reason, restarting: true });
    this.setState({ kind: 'restarting', reason, retryInMs: 0, attempt: 1 });
    this.create();
  }

  // ------------------------------------------------------------------------------------------------
  // The engine window

  private create(): void {
    this.clearTimers();
    const gen = ++this.generation;
    this.ready = false;
    if (this.state.kind !== 'restarting') this.setState({ kind: 'starting' });
    const win = new BrowserWindow({
      show: false,
      width: 480,
      height: 320,
      title: 'Fanout engine',
      skipTaskbar: true,
      webPreferences: {
        ...lockedDownPreferences(this.opts.preload, this.opts.devTools),
        // A hidden window's timers are throttled by default; the engine's reply batching uses timers.
        backgroundThrottling: false,
      },
    });
    this.win = win;
    const wc = win.webContents;
    const current = () => gen === this.generation && !this.stopped;
    /** Set when the hang timer crashes the page: its end is then reported as the hang it was. */
    let hungFor: number | null = null;

    wc.on('render-process-gone', (_e, d) => {
      if (!current()) return;
      if (hungFor !== null) this.failed(`the engine page stopped responding for more than ${hungFor / 1000} s`);
      else this.failed(`the engine process ${d.reason === 'oom' ? 'ran out of memory' : d.reason} (exit code ${d.exitCode})`);
    });
    wc.on('unresponsive', () => {
      if (!current()) return;
      this.opts.log(`engine: unresponsive; restarting it in ${(this.opts.hangMs ?? 20_000) / 1000} s unless it recovers`);
      clearTimeout(this.hangTimer);
      this.hangTimer = setTimeout(() => {
        if (!current()) return;
        this.opts.log('engine: still unresponsive; crashing it to restart');
        hungFor = this.opts.hangMs ?? 20_000;
        // Ends in render-process-gone, which restarts it.
        if (!wc.isDestroyed()) wc.forcefullyCrashRenderer();
      }, this.opts.hangMs ?? 20_000);
    });
    wc.on('responsive', () => clearTimeout(this.hangTimer));
    wc.on('did-fail-load', (_e, code, desc, url, isMainFrame) => {
      if (current() && isMainFrame) this.failed(`the engine page did not load (${desc}, ${code}, ${url})`);
    });
    wc.on('preload-error', (_e, path, err) => this.opts.log(`engine: preload ${path} failed: ${err.message}`));
    wc.on('console-message', (e) => {
      if (e.level === 'error' || e.level === 'warning') this.opts.log(`engine console ${e.level}: ${e.message}`);
    });
    win.on('closed', () => {
      if (current()) this.failed('the engine window was closed');
    });

    this.startTimer = setTimeout(() => {
      if (current() && !this.ready) this.failed(`the engine page did not start within ${(this.opts.startMs ?? 30_000) / 1000} s`);
    }, this.opts.startMs ?? 30_000);
    win.loadURL(this.opts.url).catch(() => {
      // did-fail-load reports it.
    });
  }

  /** The current window failed: tear it down, end what ran, and restart after the policy's delay. */
  private failed(reason: string): void {
    this.opts.log(`engine: ${reason}`);
    // A crash while reading or warming up a model is blamed on that model: it is not loaded again.
    const crashed = this.loading;
    if (crashed) {
      this.loadCrashes.add(crashed.path, reason);
      if (this.model && sameModel(this.model, crashed.ref)) this.model = null;
      this.opts.log(`engine: it stopped while loading ${crashed.path}; that model is not loaded again until chosen with File > Open Model…`);
    }
    const decision = this.policy.failed(Date.now());
    const restarting = decision.action === 'restart';
    const why = restarting ? reason : `${reason}; it stopped ${decision.failures} times within ${decision.windowMs / 1000} s`;
    this.teardown({ reason: why, restarting, crashedModel: crashed?.path ?? null });
    if (decision.action === 'restart') {
      this.setState({ kind: 'restarting', reason, retryInMs: decision.delayMs, attempt: decision.attempt });
      this.restartTimer = setTimeout(() => this.create(), decision.delayMs);
    } else {
      this.opts.log('engine: giving up until File > Restart Engine');
      this.setState({ kind: 'failed', reason: why });
    }
  }

  /** Destroys the current window; the editor's running requests end with errors through a stand-in port. */
  private teardown(down: Outage): void {
    this.clearTimers();
    this.ready = false;
    this.loading = null;
    // The stand-in reports the model the next window restores (EngineInit.restore) as loading.
    const m = this.model;
    const outage: Outage = { ...down, model: m === null ? null : m.kind === 'dir' ? m.path : m.kind === 'url' || m.kind === 'remote' ? m.url : `synthetic:${m.name}` };
    this.outage = outage;
    const w = this.win;
    this.win = null;
    this.generation++;
    if (w && !w.isDestroyed()) w.destroy();
    this.rejectControl(`the engine stopped (${outage.reason})`);
    const ed = this.editor;
    const running: InFlight[] = [];
    if (ed?.conn != null) for (const [id, kind] of this.inFlight.get(ed.conn) ?? []) running.push({ id, kind });
    this.inFlight.clear();
    if (ed) {
      ed.conn = null;
      // Only an editor that had a port needs the stand-in; one still waiting keeps waiting.
      if (ed.wantsPort) this.giveStub(ed, running, outage);
    }
  }

  private clearTimers(): void {
    clearTimeout(this.startTimer);
    clearTimeout(this.hangTimer);
    clearTimeout(this.restartTimer);
  }

  private setState(s: EngineState): void {
    this.state = s;
    this.sendState();
  }

  private sendState(): void {
    const wc = this.editor?.wc;
    if (wc && !wc.isDestroyed()) wc.send(IPC.engineState, this.state);
  }

  // ------------------------------------------------------------------------------------------------
  // What the engine page says (validated by electron/ipc.ts)

  /** EngineInit for a page that starts. */
  init(): EngineInit {
    return { restore: this.model };
  }

  report(r: EngineReport): void {
    switch (r.type) {
      case 'ready':
        this.ready = true;
        clearTimeout(this.startTimer);
        this.outage = null;
        this.policy.up(Date.now());
        this.setState({ kind: 'ready' });
        if (this.editor?.wantsPort) this.portToEditor(this.editor);
        return;
      case 'device-lost':
        this.failed(`the GPU device was lost (${r.reason}${r.message ? `: ${r.message}` : ''})`);
        return;
      case 'model':
        this.model = r.ref;
        return;
      case 'load-start':
        this.loading = { ref: r.ref, path: r.path };
        return;
      case 'load-end':
        this.loading = null;
        return;
      case 'request': {
        let m = this.inFlight.get(r.conn);
        if (r.state === 'start') {
          if (!m) this.inFlight.set(r.conn, (m = new Map()));
          m.set(r.id, r.kind);
        } else m?.delete(r.id);
        return;
      }
      case 'control':
        for (const ev of r.events) {
          // `state` events (broadcast, no id) answer no control request.
          const evId = 'id' in ev ? ev.id : null;
          const w = evId === null ? undefined : this.control.get(evId);
          if (!w) {
            if (ev.type === 'error') this.opts.log(`engine: ${ev.code}: ${ev.message}`);
            continue;
          }
          w.events.push(ev);
          if (isTerminal(ev) && evId !== null) {
            this.control.delete(evId);
            w.done(w.events);
          }
        }
        return;
      case 'log':
        this.opts.log(`engine ${r.level}: ${r.message}`);
        return;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // The editor's connection

  /** The editor page asked for an engine port (IPC.requestEnginePort). */
  connectEditor(wc: WebContents): void {
    let ed = this.editor;
    if (!ed || ed.wc !== wc) {
      // A new editor window (macOS: reopened from the Dock): the old one's connection ends.
      if (ed) this.editorGone(ed.wc);
      ed = { wc, wantsPort: false, conn: null, stub: null };
      this.editor = ed;
    }
    this.closeEditorConn(ed);
    ed.wantsPort = true;
    this.sendState();
    if (this.ready) this.portToEditor(ed);
    else if (this.state.kind === 'failed' && this.outage) this.giveStub(ed, [], this.outage);
    // Starting or restarting: the port follows when the engine reports ready.
  }

  /** The editor page navigated away, reloaded, crashed or closed: its connection ends. */
  editorGone(wc: WebContents): void {
    const ed = this.editor;
    if (!ed || ed.wc !== wc) return;
    this.closeEditorConn(ed);
    ed.wantsPort = false;
  }

  private closeEditorConn(ed: Editor): void {
    if (ed.conn !== null) {
      this.sendControl({ type: 'close-conn', conn: ed.conn });
      this.inFlight.delete(ed.conn);
      ed.conn = null;
    }
    ed.stub?.close();
    ed.stub = null;
  }

  private portToEditor(ed: Editor): void {
    const engine = this.webContents;
    if (!engine || ed.wc.isDestroyed()) return;
    this.closeEditorConn(ed);
    const { port1, port2 } = new MessageChannelMain();
    const conn = this.nextConn++;
    engine.postMessage(IPC.uiPort, { conn }, [port1]);
    ed.wc.postMessage(IPC.enginePort, null, [port2]);
    ed.conn = conn;
  }

  private giveStub(ed: Editor, running: InFlight[], outage: Outage): void {
    if (ed.wc.isDestroyed()) return;
    ed.stub?.close();
    const { port1, port2 } = new MessageChannelMain();
    port1.on('message', (e) => {
      const reply = stubReply(e.data, this.outage ?? outage);
      if (reply) port1.postMessage(reply);
    });
    port1.start();
    ed.wc.postMessage(IPC.enginePort, null, [port2]);
    for (const ev of stubOpening(running, outage)) port1.postMessage(ev);
    ed.stub = port1;
  }

  // ------------------------------------------------------------------------------------------------
  // The main process's own requests

  private sendControl(c: EngineControl): void {
    const wc = this.webContents;
    if (wc) wc.send(IPC.control, c);
  }

  /** Sends a client message on the main process's connection; resolves with its replies when it ends. */
  request(message: { type: 'load' | 'status'; [k: string]: unknown }): Promise<HostEvent[]> {
    if (!this.ready) return Promise.reject(new Error(this.state.kind === 'failed' ? `the engine is not running (${this.state.reason})` : 'the engine is starting'));
    const id = `main-${++this.controlSeq}`;
    return new Promise((done, fail) => {
      this.control.set(id, { events: [], done, fail });
      this.sendControl({ type: 'client', message: { ...message, id } });
    });
  }

  /** Loads a model folder on the main process's connection (File > Open Model… when the page does not handle it). */
  async loadModel(path: string): Promise<HostEvent> {
    const events = await this.request({ type: 'load', model: { kind: 'dir', path } });
    return events[events.length - 1];
  }

  private rejectControl(why: string): void {
    for (const w of this.control.values()) w.fail(new Error(why));
    this.control.clear();
  }
}

function sameModel(a: ModelRef, b: ModelRef): boolean {
  if (a.kind === 'dir' && b.kind === 'dir') return a.path === b.path;
  if (a.kind === 'url' && b.kind === 'url') return a.url === b.url;
  return a.kind === 'synthetic' && b.kind === 'synthetic' && a.name === b.name;
}
