// A host session pointed at a remote server (a `remote` model reference): `fanout serve` with an API key
// as the server, the key kept in a 0600 file between sessions (engine/host/remote-keys.ts), generates
// through engine/remote/openai-remote.ts, and the errors a bad URL or key give.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import { startServe, type Server } from '../../engine/host/serve.ts';
import { HostSession } from '../../engine/host/session.ts';
import { fileKeyStore } from '../../engine/host/remote-keys.ts';
import { packageRoot } from '../../engine/host/cli-model.ts';
import type { HostEvent } from '../../protocol/host.ts';

const root = packageRoot(join(import.meta.dirname, '..', '..', 'engine', 'host'));
const KEY = 'remote-test-key-0123456789';
let server: Server;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-remote-session-'));
  server = await startServe({ session: { gpu: () => acquireNodeGpu(), source: nodeModelSource({ baseDir: root }) }, model: { kind: 'dir', path: 'models/fanout-code-4m' }, port: 0, apiKey: KEY });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A session that needs no GPU of its own, and a client that collects its replies. */
function open(keys = fileKeyStore(join(dir, 'keys.json'))) {
  const session = new HostSession({ gpu: () => Promise.reject(new Error('a remote session must not open the GPU')), source: () => Promise.reject(new Error('unused')), remoteKeys: keys, flushMs: 0 });
  const got: HostEvent[] = [];
  const waiters: { pred: (e: HostEvent) => boolean; resolve: (e: HostEvent) => void }[] = [];
  const conn = session.connect((batch) => {
    for (const e of batch) {
      got.push(e);
      for (const w of [...waiters]) if (w.pred(e)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(e));
    }
  });
  const next = (pred: (e: HostEvent) => boolean) => {
    const hit = got.find(pred);
    return hit ? Promise.resolve(hit) : new Promise<HostEvent>((resolve) => waiters.push({ pred, resolve }));
  };
  return { session, conn, got, next };
}

test('load a remote server with its key, generate through it, and load it again later with the kept key', async () => {
  const a = open();
  void a.conn.receive({ type: 'load', id: 'l1', model: { kind: 'remote', url: server.baseUrl, model: '', fim: 'suffix', apiKey: KEY } });
  const loaded = await a.next((e) => e.type === 'loaded' || e.type === 'error');
  expect(loaded).toMatchObject({ type: 'loaded', model: { name: 'fanout-code-4m', device: `remote: ${server.baseUrl}`, architecture: 'remote', fim: true } });
  const file = join(dir, 'keys.json');
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ [server.baseUrl]: KEY });

  void a.conn.receive({ type: 'generate', id: 'g1', request: { prefix: 'function add(a, b) {\n  return', n: 4, maxTokens: 8, seed: 3 } });
  const done = await a.next((e) => e.type === 'event' && e.id === 'g1' && e.event.type === 'done');
  expect(done).toMatchObject({ event: { cancelled: false } });
  const finishes = a.got.flatMap((e) => (e.type === 'event' && e.id === 'g1' && e.event.type === 'finish' ? [e.event] : []));
  expect(finishes.map((f) => f.sample).sort()).toEqual([0, 1, 2, 3]);
  for (const f of finishes) expect(f.sumLogprob).toBeLessThan(0);
  await a.session.close();

  // A new session (the host restarted): no key in the message, the kept one is used.
  const b = open();
  void b.conn.receive({ type: 'load', id: 'l2', model: { kind: 'remote', url: server.baseUrl, model: 'fanout-code-4m', fim: 'qwen2.5-coder' } });
  expect(await b.next((e) => e.type === 'loaded' || e.type === 'error')).toMatchObject({ type: 'loaded', model: { name: 'fanout-code-4m' } });
  await b.session.close();
}, 120_000);

test('a wrong key, a server that is not there, and a URL that is not http(s) fail with what to do', async () => {
  const c = open(fileKeyStore(join(dir, 'other-keys.json')));
  void c.conn.receive({ type: 'load', id: 'k', model: { kind: 'remote', url: server.baseUrl, model: '', fim: 'suffix' } });
  expect(await c.next((e) => e.type === 'error' && e.id === 'k')).toMatchObject({ code: 'load-failed', message: expect.stringContaining('refused the API key (401'), hint: expect.stringContaining('Settings → Engine → Remote') });
  void c.conn.receive({ type: 'load', id: 'd', model: { kind: 'remote', url: 'http://127.0.0.1:9/v1', model: '', fim: 'suffix' } });
  expect(await c.next((e) => e.type === 'error' && e.id === 'd')).toMatchObject({ code: 'load-failed', message: expect.stringContaining('cannot reach http://127.0.0.1:9/v1') });
  void c.conn.receive({ type: 'load', id: 'f', model: { kind: 'remote', url: 'ftp://x/v1', model: '', fim: 'suffix' } });
  expect(await c.next((e) => e.type === 'error' && e.id === 'f')).toMatchObject({ code: 'bad-message' });
  expect(c.session.model).toBeNull();
  await c.session.close();
}, 60_000);

test('a host that cannot use remote servers (the desktop app) refuses a remote load with its reason', async () => {
  const session = new HostSession({ gpu: () => Promise.reject(new Error('unused')), source: () => Promise.reject(new Error('unused')), flushMs: 0, noRemote: 'Use the web version.' });
  const got: HostEvent[] = [];
  const conn = session.connect((b) => got.push(...b));
  await conn.receive({ type: 'load', id: 'r', model: { kind: 'remote', url: server.baseUrl, model: '', fim: 'suffix' } });
  expect(got.find((e) => e.type === 'error')).toMatchObject({ id: 'r', code: 'unsupported', message: expect.stringContaining(server.baseUrl), hint: 'Use the web version.' });
  await session.close();
});
