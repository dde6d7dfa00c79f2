// The engine window's page (fanout://engine/index.html, hidden): one HostSession on Chromium's WebGPU,
// the same engine as engine/host/engine-test-page.ts, driven over MessagePorts instead of a test API.
//
// - Each UI connection is a MessagePort from a MessageChannelMain that the main process created; its
//   other end is in the editor window, so token streams go page to page, not through the main process.
//   One host-protocol message per postMessage, as renderer/transport.ts expects.
// - Model folders and GGUF files: a { kind: 'dir', path } reference is resolved by the main process
//   (which registers the folder or file) to fanout://engine/models/<id>, read with httpSource (Range
//   requests, streamed by the protocol handler); a GGUF file is served there under one name. URL and
//   synthetic references are refused: the app reads no remote content.
// - list-models: the page cannot read the disk; the main process lists the GGUF models on the machine
//   (engine/host/local-models.ts) and the page checks its answer with the protocol's schema.
// - The main process has its own connection (control messages): it reloads the model after a restart
//   (EngineInit.restore) and loads a folder chosen in File > Open Model… when the page does not.
// - Reports to the main process: ready, GPU device lost, which model is loaded, when a load reads a
//   model folder and when it ends (so a crash meanwhile is blamed on that model), which UI requests run
//   (so a crash can end them with an error), control replies and failures for the log.
import { acquireBrowserGpu } from '../../engine/gpu/context.ts';
import { httpSource } from '../../engine/model/http-source.ts';
import { HostError, HostSession, type HostConnection } from '../../engine/host/session.ts';
import { localModelListSchema, type HostEvent, type ModelRef } from '../../protocol/host.ts';
import type { EngineControl, EngineHostApi } from '../../protocol/engine-window.ts';
import { UI_PORT_MESSAGE } from '../shared.ts';
import { ipcFetch } from './ipc-fetch.ts';

const FOLDER_HINT = 'Load a model folder: File > Open Model…, or its path in Settings.';
const NO_GPU_HINT =
  'Chromium inside Fanout found no WebGPU adapter. Update the GPU driver (on Linux a Vulkan driver is needed; Fanout starts Chromium with --enable-unsafe-webgpu), ' +
  'or use the browser version, npm run web, which runs the engine on Dawn under Node.';

// The engine is type-checked without the DOM library (as engine/host/engine-test-page.ts is): the few
// page globals used here, typed minimally.
interface PagePort {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: unknown }) => void) | null;
  addEventListener(type: 'close', fn: () => void): void;
  close(): void;
}
interface PageMessageEvent {
  source: unknown;
  data: unknown;
  ports: readonly PagePort[];
}
const page = globalThis as unknown as {
  fanoutEngineHost?: EngineHostApi;
  document: { getElementById(id: string): { textContent: string | null } | null };
  addEventListener(type: 'message', fn: (ev: PageMessageEvent) => void): void;
  addEventListener(type: 'error', fn: (ev: { message: string }) => void): void;
  addEventListener(type: 'unhandledrejection', fn: (ev: { reason: unknown }) => void): void;
};

const statusEl = page.document.getElementById('status');
const show = (s: string) => {
  if (statusEl) statusEl.textContent = s;
};

const host = page.fanoutEngineHost;
if (!host) show('no host API: this page runs inside the Fanout desktop app');
else start(host).catch((e) => show(`failed: ${(e as Error).message}`));

/** "/a/b/model.gguf" → "/a/b" (Windows separators too); the path itself when it has no folder part. */
function parentFolder(path: string): string {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return at > 0 ? path.slice(0, at) : path;
}

async function start(host: EngineHostApi): Promise<void> {
  const log = (level: 'error' | 'warn' | 'info', message: string) => host.report({ type: 'log', level, message });
  page.addEventListener('error', (e) => log('error', `uncaught: ${e.message}`));
  page.addEventListener('unhandledrejection', (e) => log('error', `unhandled rejection: ${String((e.reason as Error)?.stack ?? e.reason)}`));

  const init = await host.init();

  const session = new HostSession({
    gpu: async () => {
      const ctx = await acquireBrowserGpu();
      void ctx.device.lost.then((info) => {
        // 'destroyed' is us freeing the device (session closed); anything else is a real loss.
        if (info.reason !== 'destroyed') host.report({ type: 'device-lost', reason: String(info.reason ?? 'unknown'), message: info.message ?? '' });
      });
      return ctx;
    },
    source: async (ref) => {
      if (ref.kind === 'url') {
        throw new HostError('load-failed', `The desktop app does not load models from URLs (${ref.url}): it reads no remote content.`, FOLDER_HINT);
      }
      if (ref.kind === 'synthetic') {
        throw new HostError('load-failed', `synthetic:${ref.name} cannot be loaded here: synthetic models have random weights and no tokenizer.`, FOLDER_HINT);
      }
      const r = await host.resolveModel(ref.path);
      if (!r.ok) throw new HostError('load-failed', r.message, r.hint);
      // From here until the load's reply, a crash is this model's doing (the main process then does not load it again).
      host.report({ type: 'load-start', ref, path: r.path });
      // Named by its folder, so messages and the model's name read as they do with a local folder; a GGUF
      // file by the folder it is in, so "<name>/<file>" in messages is its path.
      if (r.gguf) return { ...httpSource(r.url), name: parentFolder(r.path), gguf: r.gguf };
      return { ...httpSource(r.url), name: r.path };
    },
    localModels: async () => {
      const r = localModelListSchema.safeParse(await host.listModels());
      if (!r.success) throw new Error(`the main process sent a model list that does not check out (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`);
      return r.data;
    },
    warmUp: true,
    noGpuHint: NO_GPU_HINT,
    // Remote servers: the page's CSP lets it fetch nothing but fanout:, so the main process makes those
    // requests (electron/remote-fetch.ts) and keeps their API keys (sealed with the OS keychain).
    remoteFetch: ipcFetch(host.remoteFetch),
    remoteKeys: host.remoteKey,
    onFailure: (e, code) => log('error', `${code}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  });

  const uiConns = new Map<number, { conn: HostConnection; port: PagePort }>();
  /** How the restore load ended ('loaded' or an error notice), kept for the first UI port when none was attached yet. */
  let pendingRestored: HostEvent | null = null;

  /** A session connection whose replies go to `send`; reports model changes and (for UI connections) request starts/ends. */
  function open(send: (batch: HostEvent[]) => void, uiConn: number | null) {
    const loads = new Map<string, ModelRef>();
    const conn = session.connect((batch) => {
      for (const ev of batch) {
        if ((ev.type !== 'loaded' && ev.type !== 'error') || ev.id === null) continue;
        const ref = loads.get(ev.id);
        if (ref === undefined) continue;
        loads.delete(ev.id);
        if (ev.type === 'loaded') host.report({ type: 'model', ref });
        else if (ev.model === null) host.report({ type: 'model', ref: null });
        host.report({ type: 'load-end' });
      }
      send(batch);
    });
    const receive = (raw: unknown) => {
      const m = (raw && typeof raw === 'object' ? raw : {}) as { type?: unknown; id?: unknown; model?: unknown };
      const id = typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 200 ? m.id : null;
      const kind = id !== null && (m.type === 'load' || m.type === 'generate') ? m.type : null;
      if (kind === 'load' && id !== null && m.model && typeof m.model === 'object') loads.set(id, m.model as ModelRef);
      if (kind && id !== null && uiConn !== null) host.report({ type: 'request', conn: uiConn, id, kind, state: 'start' });
      void conn.receive(raw).finally(() => {
        if (kind && id !== null && uiConn !== null) host.report({ type: 'request', conn: uiConn, id, kind, state: 'end' });
      });
    };
    return { conn, receive };
  }

  const control = open((all) => {
    // State broadcasts reach every UI connection by themselves; the main process does not use them.
    const events = all.filter((e) => e.type !== 'state');
    if (events.length === 0) return;
    // The restored model's 'loaded' goes to every UI connection by itself; a failure only to this one,
    // so the UI hears it from here (as a notice: the UI did not ask for this load).
    for (const e of events) {
      if (!('id' in e) || e.id !== 'restore') continue;
      let out: HostEvent | null = null;
      if (e.type === 'loaded' && uiConns.size === 0) out = e;
      else if (e.type === 'error') out = { ...e, id: null, message: `After the engine restarted, the model could not be loaded again: ${e.message}` };
      if (!out) continue;
      if (uiConns.size === 0) pendingRestored = out;
      else for (const c of uiConns.values()) c.port.postMessage(out);
    }
    host.report({ type: 'control', events });
  }, null);

  const closeUi = (id: number) => {
    const c = uiConns.get(id);
    if (!c) return;
    uiConns.delete(id);
    c.conn.close();
    c.port.close();
  };

  host.onControl((c: EngineControl) => {
    if (c.type === 'client') control.receive(c.message);
    else if (c.type === 'close-conn') closeUi(c.conn);
  });

  page.addEventListener('message', (ev) => {
    const data = ev.data as { type?: unknown; conn?: unknown } | null;
    if (ev.source !== globalThis || data?.type !== UI_PORT_MESSAGE || typeof data.conn !== 'number' || !ev.ports[0]) return;
    const id = data.conn;
    const port = ev.ports[0];
    closeUi(id);
    const ui = open((batch) => {
      for (const m of batch) port.postMessage(m);
    }, id);
    uiConns.set(id, { conn: ui.conn, port });
    port.onmessage = (e) => ui.receive(e.data);
    // The main process sends close-conn when the editor page goes away; a browser with MessagePort
    // close events (not Chromium by default) tells us too.
    port.addEventListener('close', () => closeUi(id));
    if (pendingRestored) {
      port.postMessage(pendingRestored);
      pendingRestored = null;
    }
  });

  // Reload the model the previous engine window had (queued synchronously: a UI that connects next gets
  // state 'loading' on connect, does not start a load of its own, and its requests wait for this one).
  if (init.restore) control.receive({ type: 'load', id: 'restore', model: init.restore });

  host.report({ type: 'ready' });
  show('ready');
}
