// The desktop app's remote backend without the Electron binary: the real engine preload
// (electron/engine-preload.ts), the real main-process handlers (electron/ipc.ts) and requests
// (electron/remote-fetch.ts), joined by a stand-in for Electron's IPC that copies every message
// (structuredClone) and delivers it later, as IPC does. The engine page's fetch (electron/engine-page/
// ipc-fetch.ts) drives `fanout serve` (the real engine, with an API key) through them: the candidates
// equal those of a direct fetch, aborting cancels in the main process, the key is kept sealed, and
// what the main process must not do (other paths, redirects, huge bodies, silent servers) it refuses.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';

vi.mock('electron', () => {
  type Fn = (e: unknown, ...args: unknown[]) => unknown;
  const mainHandlers = new Map<string, Fn>();
  const mainListeners = new Map<string, Fn>();
  const pageListeners = new Map<string, Fn[]>();
  const exposed: Record<string, unknown> = {};
  const later = (fn: () => void) => setImmediate(fn);
  const engineWc = {
    id: 2,
    gone: false,
    isDestroyed() {
      return this.gone;
    },
    send(ch: string, ...args: unknown[]) {
      const copy = structuredClone(args);
      later(() => {
        for (const fn of pageListeners.get(ch) ?? []) fn({ ports: [] }, ...copy);
      });
    },
  };
  const fromEngine = { sender: engineWc, senderFrame: { url: 'fanout://engine/index.html', parent: null } };
  return {
    ipcMain: { handle: (ch: string, fn: Fn) => mainHandlers.set(ch, fn), on: (ch: string, fn: Fn) => mainListeners.set(ch, fn) },
    ipcRenderer: {
      on: (ch: string, fn: Fn) => pageListeners.set(ch, [...(pageListeners.get(ch) ?? []), fn]),
      send: (ch: string, ...args: unknown[]) => {
        const copy = structuredClone(args);
        later(() => void mainListeners.get(ch)?.(fromEngine, ...copy));
      },
      invoke: async (ch: string, ...args: unknown[]) => structuredClone(await mainHandlers.get(ch)?.(fromEngine, ...structuredClone(args))),
    },
    contextBridge: { exposeInMainWorld: (name: string, api: unknown) => (exposed[name] = api) },
    __exposed: exposed,
    __engineWc: engineWc,
    __mainListeners: mainListeners,
    __mainHandlers: mainHandlers,
  };
});

import * as electron from 'electron';
import { registerIpc, type IpcDeps } from '../../electron/ipc.ts';
import { RemoteFetches } from '../../electron/remote-fetch.ts';
import { ipcFetch } from '../../electron/engine-page/ipc-fetch.ts';
import { IPC } from '../../electron/shared.ts';
import { fileKeyStore, type KeyCodec } from '../../engine/host/remote-keys.ts';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import { startServe, type Server } from '../../engine/host/serve.ts';
import { HostSession } from '../../engine/host/session.ts';
import { packageRoot } from '../../engine/host/cli-model.ts';
import { RemoteBackend } from '../../engine/remote/openai-remote.ts';
import type { EngineHostApi, RemoteFetchEvent } from '../../protocol/engine-window.ts';
import type { GenerateEvent, GenerateRequest } from '../../protocol/engine.ts';
import type { HostEvent } from '../../protocol/host.ts';

const fake = electron as unknown as {
  __exposed: Record<string, unknown>;
  __engineWc: { gone: boolean };
  __mainListeners: Map<string, (e: unknown, ...args: unknown[]) => void>;
  __mainHandlers: Map<string, (e: unknown, ...args: unknown[]) => unknown>;
};

const root = packageRoot(join(import.meta.dirname, '..', '..', 'engine', 'host'));
const KEY = 'desktop-remote-key-0123456789';
/** A stand-in for the OS keychain: reversible, and the stored text does not contain the key. */
const codec: KeyCodec = {
  name: 'safeStorage',
  seal: (k) => Buffer.from(Buffer.from(k, 'utf8').map((b) => b ^ 0x5a)).toString('base64'),
  open: (s) => Buffer.from(Buffer.from(s, 'base64').map((b) => b ^ 0x5a)).toString('utf8'),
};
let server: Server;
let dir: string;
let remote: RemoteFetches;
const limits = { headMs: 60_000, bodyBytes: 4 * 1024 * 1024, concurrent: 8 };
let host: EngineHostApi;
let logs: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-desktop-remote-'));
  server = await startServe({ session: { gpu: () => acquireNodeGpu(), source: nodeModelSource({ baseDir: root }) }, model: { kind: 'dir', path: 'models/fanout-code-4m' }, port: 0, apiKey: KEY });
  remote = new RemoteFetches(limits);
  logs = [];
  registerIpc({
    editorWindow: () => null,
    engine: { webContents: fake.__engineWc },
    remote,
    remoteKeys: fileKeyStore(join(dir, 'remote-keys.json'), () => codec),
    log: (l: string) => logs.push(l),
  } as unknown as IpcDeps);
  await import('../../electron/engine-preload.ts');
  host = fake.__exposed.fanoutEngineHost as EngineHostApi;
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect(gen: AsyncGenerator<GenerateEvent>): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  for await (const ev of gen) if (ev.type === 'finish') texts.set(ev.sample, ev.text);
  return texts;
}

test('through the main process, the remote backend gets the candidates a direct fetch gets', async () => {
  const req: GenerateRequest = { prefix: 'export function add(a: number, b: number): number {\n  return', suffix: '\n}\n', n: 8, maxTokens: 12, temperature: 0.8, topP: 0.95, topK: 0, seed: 11, stop: 'line', attention: 'bifurcated' };
  const viaIpc = await RemoteBackend.connect({ baseUrl: server.baseUrl, apiKey: KEY, fim: 'suffix' }, ipcFetch(host.remoteFetch));
  const direct = await RemoteBackend.connect({ baseUrl: server.baseUrl, apiKey: KEY, fim: 'suffix' });
  expect(viaIpc.info).toEqual(direct.info);
  const a = await collect(viaIpc.generate(req));
  const b = await collect(direct.generate(req));
  expect(a.size).toBe(8);
  expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
  expect(remote.size).toBe(0);
}, 120_000);

test('a host session in the engine page loads the remote with its key, keeps the key sealed, and reuses it', async () => {
  const open = () => {
    const session = new HostSession({ gpu: () => Promise.reject(new Error('no GPU for a remote')), source: () => Promise.reject(new Error('unused')), remoteFetch: ipcFetch(host.remoteFetch), remoteKeys: host.remoteKey, flushMs: 0 });
    const got: HostEvent[] = [];
    const conn = session.connect((batch) => got.push(...batch));
    const next = async (pred: (e: HostEvent) => boolean) => {
      for (let i = 0; i < 600; i++) {
        const hit = got.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('no reply');
    };
    return { session, conn, got, next };
  };
  const a = open();
  void a.conn.receive({ type: 'load', id: 'l', model: { kind: 'remote', url: server.baseUrl, model: '', fim: 'suffix', apiKey: KEY } });
  expect(await a.next((e) => e.type === 'loaded' || e.type === 'error')).toMatchObject({ type: 'loaded', model: { name: 'fanout-code-4m' } });
  const file = join(dir, 'remote-keys.json');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const stored = await readFile(file, 'utf8');
  expect(stored).not.toContain(KEY);
  expect(JSON.parse(stored)[server.baseUrl]).toMatch(/^safeStorage:/);
  void a.conn.receive({ type: 'generate', id: 'g', request: { prefix: 'const x =', n: 32, maxTokens: 6, seed: 2 } });
  expect(await a.next((e) => e.type === 'event' && e.event.type === 'done')).toMatchObject({ event: { cancelled: false } });
  expect(a.got.filter((e) => e.type === 'event' && e.event.type === 'finish')).toHaveLength(32);
  await a.session.close();

  const b = open();
  void b.conn.receive({ type: 'load', id: 'l2', model: { kind: 'remote', url: server.baseUrl, model: '', fim: 'suffix' } });
  expect(await b.next((e) => e.type === 'loaded' || e.type === 'error')).toMatchObject({ type: 'loaded' });
  await b.session.close();
}, 120_000);

test('aborting a streamed request cancels it in the main process', async () => {
  const backend = await RemoteBackend.connect({ baseUrl: server.baseUrl, apiKey: KEY, fim: 'suffix' }, ipcFetch(host.remoteFetch));
  const abort = new AbortController();
  let tokens = 0;
  const req: GenerateRequest = { prefix: 'function f() {', n: 16, maxTokens: 900, temperature: 1, topP: 1, topK: 0, seed: 1, stop: 'none', attention: 'bifurcated' };
  const started = Date.now();
  for await (const ev of backend.generate(req, abort.signal)) {
    if (ev.type === 'token' && ++tokens === 20) {
      expect(remote.size).toBe(1);
      abort.abort();
    }
  }
  for (let i = 0; i < 100 && remote.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(remote.size).toBe(0);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 120_000);

/** Raw events of one request made through the preload. */
function events(req: Parameters<EngineHostApi['remoteFetch']>[0]): Promise<RemoteFetchEvent[]> {
  return new Promise((resolve) => {
    const got: RemoteFetchEvent[] = [];
    host.remoteFetch(req, (ev) => {
      got.push(ev);
      if (ev.type === 'end' || ev.type === 'error') resolve(got);
    });
  });
}

test('what the main process refuses: other paths and schemes, other headers, redirects, silent servers, huge bodies', async () => {
  // Validated where it enters the main process; the page hears why.
  const bad = await events({ rid: 9001, url: 'file:///etc/passwd', method: 'GET', headers: {} } as never);
  expect(bad).toEqual([{ rid: 9001, type: 'error', message: expect.stringContaining('the app refused the request') }]);
  const path = await events({ rid: 9002, url: `${server.baseUrl}/../admin`, method: 'GET', headers: {} });
  expect(path.at(-1)).toMatchObject({ type: 'error' });
  const header = await events({ rid: 9003, url: `${server.baseUrl}/models`, method: 'GET', headers: { Cookie: 'a=b' } } as never);
  expect(header).toEqual([{ rid: 9003, type: 'error', message: expect.stringContaining('Cookie') }]);
  expect(logs.some((l) => l.includes('refused a remote request'))).toBe(true);

  const raw: HttpServer = createServer((req, res) => {
    if (req.url === '/v1/models') return void res.writeHead(302, { Location: 'http://127.0.0.1:9/v1/models' }).end();
    if (req.url === '/slow/v1/models') return; // never answers
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('x'.repeat(5 * 1024 * 1024));
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  try {
    expect((await events({ rid: 9004, url: `${base}/v1/models`, method: 'GET', headers: {} })).at(-1)).toMatchObject({ type: 'error', message: expect.stringContaining('redirect') });
    limits.headMs = 1500;
    expect((await events({ rid: 9005, url: `${base}/slow/v1/models`, method: 'GET', headers: {} })).at(-1)).toMatchObject({ type: 'error', message: expect.stringContaining('did not answer within 1.5 s') });
    const huge = await events({ rid: 9006, url: `${base}/big/v1/completions`, method: 'POST', headers: {}, body: '{}' });
    expect(huge[0]).toMatchObject({ type: 'head', status: 200 });
    expect(huge.at(-1)).toMatchObject({ type: 'error', message: expect.stringContaining('larger than 4 MiB') });
    // The engine window is gone: its request stops at the next chunk instead of streaming into nothing.
    fake.__engineWc.gone = true;
    host.remoteFetch({ rid: 9007, url: `${base}/big/v1/completions`, method: 'POST', headers: {}, body: '{}' }, () => {});
    await new Promise((r) => setTimeout(r, 500));
    expect(remote.size).toBe(0);
  } finally {
    fake.__engineWc.gone = false;
    limits.headMs = 60_000;
    raw.closeAllConnections();
    await new Promise((r) => raw.close(r));
  }
  expect(remote.size).toBe(0);
}, 60_000);

test('only the engine page may ask', () => {
  const on = fake.__mainListeners.get(IPC.remoteFetch)!;
  const before = remote.size;
  on({ sender: {}, senderFrame: { url: 'fanout://app/index.html', parent: null } }, { rid: 1, url: `${server.baseUrl}/models`, method: 'GET', headers: {} });
  expect(remote.size).toBe(before);
  expect(logs.at(-1)).toContain(`refused ${IPC.remoteFetch}`);
});

test('API keys: kept only for the engine page, only well-formed ones', async () => {
  await expect(host.remoteKey.set('http://10.0.0.1:8000/v1', 'short')).rejects.toThrow(/16 to 512 printable characters/);
  await expect(host.remoteKey.set('http://10.0.0.1:8000/v1', 'a key with spaces in it')).rejects.toThrow(/without spaces/);
  await host.remoteKey.set('http://10.0.0.1:8000/v1', 'sk-0123456789abcdef');
  expect(await host.remoteKey.get('http://10.0.0.1:8000/v1')).toBe('sk-0123456789abcdef');
  expect(await host.remoteKey.get('http://10.0.0.2:8000/v1')).toBeUndefined();
  const get = fake.__mainHandlers.get(IPC.remoteKeyGet)!;
  expect(() => get({ sender: {}, senderFrame: { url: 'fanout://app/index.html', parent: null } }, 'http://10.0.0.1:8000/v1')).toThrow('refused');
});
