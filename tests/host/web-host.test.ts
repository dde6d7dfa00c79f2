// The web host end to end under Node: a real HTTP server on port 0, real WebSockets, the real engine on
// the test GPU with a small random-weight model folder. Load, generate, cancel, bad messages, a broken
// model folder, the queue across connections (the policy in detail: queue.test.ts), the Origin and Host
// checks, static files with the CSP header and Range.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile, copyFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { testSeed } from '../gpu.ts';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import { NoGpuError } from '../../engine/gpu/context.ts';
import { startWebHost, type WebHost } from '../../engine/host/web-host.ts';
import type { GenerateEvent } from '../../protocol/engine.ts';
import type { HostEvent } from '../../protocol/host.ts';
import { WsClient, isDone, isEnd } from './ws-client.ts';

const CSP = "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'";
const seed = testSeed();
let tmp: string;
let modelsDir: string;
let rendererDir: string;
let host: WebHost;
let wsUrl: string;

const events = (msgs: HostEvent[]): GenerateEvent[] => msgs.flatMap((m) => (m.type === 'event' ? [m.event] : []));
const PREFIX = 'function add(a, b) {\n  return';

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fanout-web-'));
  modelsDir = join(tmp, 'models');
  await writeRandomModel(join(modelsDir, 'tiny'), { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, tie: true, seed, maxPositions: 2048 });
  // A broken folder: the weights and tokenizer are fine, config.json is not JSON.
  await mkdir(join(modelsDir, 'broken'));
  for (const f of ['tokenizer.json', 'model.safetensors']) await copyFile(join(modelsDir, 'tiny', f), join(modelsDir, 'broken', f));
  await writeFile(join(modelsDir, 'broken', 'config.json'), '{"architectures": ["LlamaForCausalLM"], "hidden_size": 64,');
  rendererDir = join(tmp, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="${CSP}" /><title>t</title>`);
  host = await startWebHost({ port: 0, rendererDir, modelsDir, modelBaseDir: modelsDir, session: { gpu: () => acquireNodeGpu() } });
  wsUrl = host.wsUrl;
}, 60_000);

afterAll(async () => {
  await host?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('web host: protocol over a WebSocket', () => {
  test('state on connect and in status before any load; generate without a model → no-model error', async () => {
    const c = await WsClient.open(wsUrl);
    const idle = { phase: 'idle', model: null, device: '', loading: null, generating: false, queued: 0 };
    expect(await c.next((m) => m.type === 'state', 5_000, true)).toEqual({ type: 'state', state: idle });
    c.send({ type: 'status', id: 's0' });
    expect(await c.next((m) => m.id === 's0')).toEqual({ type: 'status', id: 's0', model: null, device: '', busy: false, state: idle, protocol: 2 });
    c.send({ type: 'generate', id: 'g0', request: { prefix: 'x' } });
    const err = await c.next((m) => m.id === 'g0');
    expect(err).toMatchObject({ type: 'error', code: 'no-model', hint: expect.stringMatching(/load/i) });
    await c.close();
  });

  test('bad messages → bad-message errors naming each field; the connection stays open', async () => {
    const c = await WsClient.open(wsUrl);
    c.send('{not json');
    const e1 = await c.next((m) => m.type === 'error');
    expect(e1).toMatchObject({ id: null, code: 'bad-message', message: expect.stringContaining('not valid JSON') });

    c.send({ type: 'generate', id: 'b1', request: { prefix: 7, n: 0, temperature: -1, bogus: true } });
    const e2 = await c.next((m) => m.id === 'b1');
    expect(e2.type).toBe('error');
    if (e2.type !== 'error') return;
    expect(e2.code).toBe('bad-message');
    expect(e2.message).toContain('request.prefix: must be a string');
    expect(e2.message).toContain('request.n: must be from 1 to 256');
    expect(e2.message).toContain('request.temperature: must be ≥ 0');
    expect(e2.message).toContain('unknown field "bogus"');
    expect(e2.hint).toContain('protocol/host.ts');

    c.send({ type: 'launch', id: 'b2' });
    expect(await c.next((m) => m.id === 'b2')).toMatchObject({ code: 'bad-message', message: expect.stringContaining('type: must be one of load, generate, cancel, status, list-models') });

    c.send({ type: 'load', id: 'b3', model: { kind: 'ftp', path: '/x' } });
    expect(await c.next((m) => m.id === 'b3')).toMatchObject({ code: 'bad-message', message: expect.stringContaining('model') });

    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await c.next((m) => m.type === 'error' && m.message.includes('binary'))).toMatchObject({ id: null, code: 'bad-message' });

    // Still usable after all of that.
    c.send({ type: 'status', id: 'b4' });
    expect(await c.next((m) => m.id === 'b4')).toMatchObject({ type: 'status', busy: false });
    await c.close();
  });

  test('load → progress, then loaded (sent to every connection)', async () => {
    const c = await WsClient.open(wsUrl);
    const other = await WsClient.open(wsUrl);
    c.send({ type: 'load', id: 'l1', model: { kind: 'dir', path: 'tiny' } });
    const end = await c.next(isEnd('l1'), 240_000);
    expect(end).toMatchObject({ type: 'loaded', model: { architecture: 'LlamaForCausalLM', layers: 2, hidden: 64, heads: 4, kvHeads: 2 } });
    const progress = c.forId('l1').filter((m) => m.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    if (last.type === 'progress') expect(last.progress.bytesDone).toBeLessThanOrEqual(last.progress.bytesTotal);
    // The other client hears about the new model, without the progress.
    expect(await other.next((m) => m.type === 'loaded', 5_000, true)).toMatchObject({ id: 'l1' });
    expect(other.forId('l1').some((m) => m.type === 'progress')).toBe(false);

    c.send({ type: 'status', id: 's1' });
    const st = await c.next((m) => m.id === 's1');
    expect(st).toMatchObject({ type: 'status', busy: false, model: { layers: 2 } });
    if (st.type === 'status') expect(st.device).not.toBe('');
    await Promise.all([c.close(), other.close()]);
  }, 180_000);

  test('generate n=4 → start, tokens, 4 finishes, done; tokens add up to each finish', async () => {
    const c = await WsClient.open(wsUrl);
    c.send({ type: 'generate', id: 'g1', request: { prefix: PREFIX, n: 4, maxTokens: 6, seed: 3, stop: 'none' } });
    await c.next(isDone('g1'), 290_000);
    const msgs = c.forId('g1');
    expect(msgs.every((m) => m.type === 'event')).toBe(true);
    const evs = events(msgs);
    expect(evs[0]).toMatchObject({ type: 'start', truncated: false });
    expect(evs.at(-1)).toMatchObject({ type: 'done', cancelled: false });
    const finishes = evs.filter((e) => e.type === 'finish');
    expect(finishes.map((f) => f.sample).sort()).toEqual([0, 1, 2, 3]);
    for (const f of finishes) {
      const toks = evs.filter((e) => e.type === 'token' && e.sample === f.sample);
      expect(toks.map((t) => (t.type === 'token' ? t.text : '')).join('')).toBe(f.text);
      expect(toks.filter((t) => t.type === 'token' && t.token >= 0)).toHaveLength(f.tokens);
      expect(['eos', 'length']).toContain(f.reason);
    }
    // The same request again gives the same samples (seeded).
    c.send({ type: 'generate', id: 'g1b', request: { prefix: PREFIX, n: 4, maxTokens: 6, seed: 3, stop: 'none' } });
    await c.next(isDone('g1b'), 240_000);
    const again = events(c.forId('g1b')).filter((e) => e.type === 'finish');
    const bySample = (fs: GenerateEvent[]) => fs.map((f) => (f.type === 'finish' ? [f.sample, f.text] : [])).sort();
    expect(bySample(again)).toEqual(bySample(finishes));
    await c.close();
  }, 420_000);

  test('cancel mid-generation → cancelled finishes and done { cancelled: true }; another client\'s generate meanwhile waits, then runs', async () => {
    const c = await WsClient.open(wsUrl);
    const other = await WsClient.open(wsUrl);
    c.send({ type: 'generate', id: 'g2', request: { prefix: PREFIX, n: 3, maxTokens: 400, stop: 'none', temperature: 1 } });
    await c.next((m) => m.id === 'g2' && m.type === 'event' && m.event.type === 'token', 240_000);
    other.send({ type: 'generate', id: 'o1', request: { prefix: 'x', n: 1, maxTokens: 2 } });
    expect(await other.next((m) => m.id === 'o1')).toEqual({ type: 'queued', id: 'o1', position: 1, reason: 'queue' });
    // Both clients see one running and one waiting.
    await c.next((m) => m.type === 'state' && m.state.generating && m.state.queued === 1, 5_000, true);
    // Cancelling someone else's request id does nothing.
    other.send({ type: 'cancel', id: 'g2' });
    c.send({ type: 'cancel', id: 'g2' });
    const done = await c.next(isDone('g2'), 60_000);
    expect(done).toMatchObject({ type: 'event', event: { type: 'done', cancelled: true } });
    const evs = events(c.forId('g2'));
    const finishes = evs.filter((e) => e.type === 'finish');
    expect(finishes).toHaveLength(3);
    expect(finishes.some((f) => f.type === 'finish' && f.reason === 'cancelled')).toBe(true);
    const tokens = evs.filter((e) => e.type === 'token' && e.token >= 0).length;
    expect(tokens).toBeLessThan(3 * 400);
    // The waiting request runs once g2 has ended.
    expect(await other.next(isDone('o1'), 240_000)).toMatchObject({ type: 'event', event: { type: 'done', cancelled: false } });
    // A late cancel is ignored; the host is free again.
    c.send({ type: 'cancel', id: 'g2' });
    c.send({ type: 'status', id: 's2' });
    expect(await c.next((m) => m.id === 's2')).toMatchObject({ type: 'status', busy: false });
    expect(c.forId('g2').filter((m) => m.type === 'error')).toEqual([]);
    await Promise.all([c.close(), other.close()]);
  }, 180_000);

  test('closing the socket cancels its generation', async () => {
    const c = await WsClient.open(wsUrl);
    c.send({ type: 'generate', id: 'g3', request: { prefix: PREFIX, n: 2, maxTokens: 1000, stop: 'none' } });
    await c.next((m) => m.id === 'g3' && m.type === 'event' && m.event.type === 'token', 240_000);
    await c.close();
    const probe = await WsClient.open(wsUrl);
    const t0 = Date.now();
    for (;;) {
      probe.send({ type: 'status', id: `p${Date.now()}` });
      const st = await probe.next((m) => m.type === 'status');
      if (st.type === 'status' && !st.busy) break;
      expect(Date.now() - t0).toBeLessThan(30_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    await probe.close();
  }, 180_000);

  test('a broken model folder → load-failed naming config.json; the host stays usable and loads a good model again', async () => {
    const c = await WsClient.open(wsUrl);
    c.send({ type: 'status', id: 's2' });
    const before = await c.next((m) => m.id === 's2');
    if (before.type !== 'status' || !before.model) throw new Error(`expected the model loaded by an earlier test, got ${JSON.stringify(before)}`);
    c.send({ type: 'load', id: 'l2', model: { kind: 'dir', path: join(modelsDir, 'broken') } });
    const err = await c.next(isEnd('l2'), 60_000);
    expect(err).toMatchObject({ type: 'error', code: 'load-failed', message: expect.stringContaining(`Cannot load ${join(modelsDir, 'broken')}: config.json`) });
    // The broken folder was refused before anything was unloaded: the previous model is still there.
    expect(err).toMatchObject({ model: before.model, hint: expect.stringContaining(`${before.model.name} is still loaded`) });
    if (err.type === 'error') expect(err.hint).toMatch(/model folder/i);
    c.send({ type: 'status', id: 's3' });
    expect(await c.next((m) => m.id === 's3')).toMatchObject({ model: before.model });

    c.send({ type: 'load', id: 'l3', model: { kind: 'dir', path: join(tmp, 'no-such-folder') } });
    expect(await c.next(isEnd('l3'))).toMatchObject({ code: 'load-failed', message: expect.stringContaining('No such folder'), hint: expect.stringContaining(modelsDir) });

    c.send({ type: 'load', id: 'l4', model: { kind: 'synthetic', name: 'tiny' } });
    expect(await c.next(isEnd('l4'))).toMatchObject({ code: 'load-failed', hint: expect.stringContaining('bench') });

    c.send({ type: 'load', id: 'l5', model: { kind: 'url', url: `http://127.0.0.1:${host.port}/models/tiny` } });
    expect(await c.next(isEnd('l5'), 240_000)).toMatchObject({ type: 'loaded', model: { layers: 2 } });
    c.send({ type: 'generate', id: 'g4', request: { prefix: PREFIX, n: 2, maxTokens: 3 } });
    expect(await c.next(isDone('g4'), 240_000)).toMatchObject({ type: 'event', event: { type: 'done', cancelled: false } });
    await c.close();
  }, 300_000);

  test('a request too large for the memory budget → generate-failed with a hint to lower n', async () => {
    const small = await startWebHost({
      port: 0,
      rendererDir,
      modelBaseDir: modelsDir,
      session: { gpu: () => acquireNodeGpu(), engine: { memoryBudget: 3 << 20 } },
    });
    try {
      const c = await WsClient.open(small.wsUrl);
      c.send({ type: 'load', id: 'l', model: { kind: 'dir', path: 'tiny' } });
      expect(await c.next(isEnd('l'), 240_000)).toMatchObject({ type: 'loaded' });
      c.send({ type: 'generate', id: 'big', request: { prefix: PREFIX, n: 256, maxTokens: 1000 } });
      const err = await c.next((m) => m.id === 'big', 60_000);
      expect(err).toMatchObject({ type: 'error', code: 'generate-failed', message: expect.stringContaining('GPU memory'), hint: expect.stringContaining('Lower the number of samples (n)') });
      c.send({ type: 'generate', id: 'long', request: { prefix: PREFIX, n: 1, maxTokens: 4096 } });
      const tooLong = await c.next((m) => m.id === 'long', 60_000);
      expect(tooLong).toMatchObject({ type: 'error', code: 'generate-failed', message: expect.stringContaining('lower max tokens'), hint: expect.stringContaining('Max tokens') });
      // Still usable: a request that fits runs.
      c.send({ type: 'generate', id: 'fits', request: { prefix: PREFIX, n: 1, maxTokens: 2 } });
      expect(await c.next(isDone('fits'), 240_000)).toMatchObject({ type: 'event', event: { type: 'done' } });
      await c.close();
    } finally {
      await small.close();
    }
  }, 180_000);

  test('no GPU → no-gpu error with the driver hint, and the next load tries again', async () => {
    let tries = 0;
    const noGpu = await startWebHost({
      port: 0,
      rendererDir,
      modelBaseDir: modelsDir,
      session: {
        gpu: async () => {
          tries++;
          throw new NoGpuError('No WebGPU adapter found.');
        },
      },
    });
    try {
      const c = await WsClient.open(noGpu.wsUrl);
      for (const id of ['n1', 'n2']) {
        c.send({ type: 'load', id, model: { kind: 'dir', path: 'tiny' } });
        expect(await c.next(isEnd(id))).toMatchObject({ type: 'error', code: 'no-gpu', hint: expect.stringContaining('Vulkan') });
      }
      expect(tries).toBe(2);
      await c.close();
    } finally {
      await noGpu.close();
    }
  });
});

describe('web host: HTTP and connection checks', () => {
  test('WebSocket Origin: same host accepted; another origin, or a foreign Host, refused with 403', async () => {
    const ok = await WsClient.open(wsUrl, { Origin: `http://127.0.0.1:${host.port}` });
    await ok.close();
    await expect(WsClient.open(wsUrl, { Origin: 'http://evil.example' })).rejects.toThrow(/HTTP 403: Origin http:\/\/evil.example may not use this host/);
    await expect(WsClient.open(wsUrl, { Origin: `http://localhost:${host.port}` })).rejects.toThrow(/HTTP 403/);
    await expect(WsClient.open(wsUrl, { Origin: `https://127.0.0.1:${host.port}` })).rejects.toThrow(/HTTP 403/);
    await expect(WsClient.open(wsUrl, { Host: `evil.example:${host.port}` })).rejects.toThrow(/HTTP 403: Host/);
    await expect(WsClient.open(`ws://127.0.0.1:${host.port}/other`)).rejects.toThrow(/HTTP 404/);
  });

  test("/ws and the page need this launch's token (query, cookie or bearer); a local process without it is refused", async () => {
    const bare = `ws://127.0.0.1:${host.port}/ws`;
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(host.wsUrl).toBe(`${bare}?token=${host.token}`);
    // No token, a wrong one, one of the right length but different, a cookie for another port: refused.
    await expect(WsClient.open(bare)).rejects.toThrow(/HTTP 403: \/ws needs this launch's token/);
    await expect(WsClient.open(`${bare}?token=nope`)).rejects.toThrow(/HTTP 403/);
    const other = host.token.slice(0, -1) + (host.token.endsWith('A') ? 'B' : 'A');
    await expect(WsClient.open(`${bare}?token=${other}`)).rejects.toThrow(/HTTP 403/);
    await expect(WsClient.open(bare, { Cookie: `fanout-token-${host.port + 1}=${host.token}` })).rejects.toThrow(/HTTP 403/);
    await expect(WsClient.open(bare, { Authorization: `Bearer ${other}` })).rejects.toThrow(/HTTP 403/);
    // The refusal never echoes the token.
    await expect(WsClient.open(bare)).rejects.not.toThrow(host.token);
    for (const headers of [{ Cookie: `a=b; fanout-token-${host.port}=${host.token}` }, { Authorization: `Bearer ${host.token}` }] as Record<string, string>[]) {
      const c = await WsClient.open(bare, headers);
      c.send({ type: 'status', id: 'tok' });
      expect(await c.next((m) => m.id === 'tok')).toMatchObject({ type: 'status' });
      await c.close();
    }

    // The page: 403 with directions without the token; with it, the page and a cookie for this port only.
    const base = `http://127.0.0.1:${host.port}`;
    for (const p of ['/', '/index.html', '/?token=nope']) {
      const r = await fetch(base + p);
      expect(r.status, p).toBe(403);
      const text = await r.text();
      expect(text).toContain('?token=…');
      expect(text).not.toContain(host.token);
    }
    const page = await fetch(host.pageUrl);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!;
    expect(cookie).toBe(`fanout-token-${host.port}=${host.token}; Path=/; HttpOnly; SameSite=Strict`);
    const again = await fetch(base + '/', { headers: { Cookie: cookie.split(';')[0] } });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  test('binds to 127.0.0.1 only', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
  });

  test('static files carry the CSP header; models are served with Range; no path escapes its folder', async () => {
    const base = `http://127.0.0.1:${host.port}`;
    const index = await fetch(host.pageUrl);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(`${CSP}; frame-ancestors 'none'`);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await index.text()).toContain('<title>t</title>');

    const part = await fetch(base + '/models/tiny/config.json', { headers: { Range: 'bytes=0-0' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 0-0\/\d+$/);
    expect(await part.text()).toBe('{');
    const past = await fetch(base + '/models/tiny/config.json', { headers: { Range: 'bytes=999999-' } });
    expect(past.status).toBe(416);

    expect((await fetch(base + '/models/../renderer/index.html')).status).toBe(404);
    expect((await fetch(base + '/models/%2e%2e/renderer/index.html')).status).toBe(404);
    // Only model files, no dotfiles, no symlink out of the folder.
    await writeFile(join(modelsDir, 'tiny', 'notes.sh'), 'echo hi\n');
    await writeFile(join(modelsDir, 'tiny', '.env.json'), '{"key": "secret"}');
    await symlink(join(modelsDir, '..', 'outside.json'), join(modelsDir, 'tiny', 'link.json')).catch(() => undefined);
    await writeFile(join(modelsDir, '..', 'outside.json'), '{"outside": true}');
    for (const p of ['/models/tiny/notes.sh', '/models/tiny/.env.json', '/models/tiny/link.json']) expect((await fetch(base + p)).status, p).toBe(404);
    expect((await fetch(base + '/models/tiny/config.json')).status).toBe(200);
    expect((await fetch(base + '/nope.js')).status).toBe(404);
    expect((await fetch(host.pageUrl, { method: 'POST' })).status).toBe(405);
    expect((await fetch(base + '/engine-test.html')).status).toBe(404);
  });
});
