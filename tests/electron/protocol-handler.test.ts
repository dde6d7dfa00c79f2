// The fanout:// protocol handler as a pure function: which file answers a URL, path traversal, model
// folder and GGUF file registration, Range requests (what the engine's httpSource sends), HEAD and the headers.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isModelFile, parseRange, resolveRequest, safeJoin, toResponse, type ProtocolContext, type ProtocolRequest } from '../../electron/protocol-handler.ts';
import { ModelFolders } from '../../electron/model-folders.ts';
import { httpSource } from '../../engine/model/http-source.ts';
import { readGgufHeader } from '../../engine/model/gguf.ts';
import { writeGguf } from '../fixtures/gguf-writer.ts';

let root: string;
let ctx: ProtocolContext;
let folders: ModelFolders;
let modelId: string;
/** A registered GGUF file without an extension (as Ollama stores them), its id and served name. */
let blob: { id: string; name: string; path: string };
const GGUF = writeGguf({ metadata: [['general.architecture', { type: 'string', value: 'llama' }]], tensors: [{ name: 'token_embd.weight', type: 0, ne: [4, 2], data: new Uint8Array(32) }] });
const WEIGHTS = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

function req(url: string, headers: Record<string, string> = {}, method = 'GET'): ProtocolRequest {
  const h = new Headers(headers);
  return { method, url, headers: { get: (n) => h.get(n) } };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-protocol-'));
  await mkdir(join(root, 'renderer', 'assets'), { recursive: true });
  await writeFile(join(root, 'renderer', 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(root, 'renderer', 'app.js'), 'console.log(1)');
  await writeFile(join(root, 'renderer', 'assets', 'font-abc.woff2'), 'font');
  await writeFile(join(root, 'secret.txt'), 'secret');
  await mkdir(join(root, 'engine'));
  await writeFile(join(root, 'engine', 'index.html'), '<!doctype html><title>engine</title>');
  await writeFile(join(root, 'engine', 'engine-page.js'), 'export {}');
  await mkdir(join(root, 'model', 'sub'), { recursive: true });
  await writeFile(join(root, 'model', 'config.json'), '{"a":1}');
  await writeFile(join(root, 'model', 'model.safetensors'), WEIGHTS);
  await writeFile(join(root, 'model', 'notes.txt'), 'not a model file');
  await writeFile(join(root, 'model', '.hidden.json'), '{}');
  await writeFile(join(root, 'model', 'sub', 'x.json'), '{}');
  await writeFile(join(root, 'model', 'empty.safetensors'), '');
  await mkdir(join(root, 'ollama', 'blobs'), { recursive: true });
  await writeFile(join(root, 'ollama', 'blobs', 'sha256-abc'), GGUF);
  await writeFile(join(root, 'ollama', 'blobs', 'sha256-def'), 'another model beside it');
  await writeFile(join(root, 'ollama', 'blobs', 'config.json'), '{}');
  folders = new ModelFolders();
  modelId = folders.register(join(root, 'model'));
  blob = { ...folders.registerFile(join(root, 'ollama', 'blobs', 'sha256-abc')), path: join(root, 'ollama', 'blobs', 'sha256-abc') };
  ctx = { appDir: join(root, 'renderer'), engineDir: join(root, 'engine'), modelDir: (id) => folders.dirFor(id), modelFile: (id) => folders.fileFor(id), csp: "default-src 'self'" };
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parseRange', () => {
  it('parses the forms httpSource and browsers send', () => {
    expect(parseRange('bytes=0-0', 100)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    // The end is clamped to the file.
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
  });
  it('is unsatisfiable past the end or for an empty file', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
  });
  it('ignores missing, malformed, reversed and multi-range headers (whole file)', () => {
    expect(parseRange(null, 100)).toBeNull();
    expect(parseRange('bytes=-', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
    expect(parseRange('bytes=5-2', 100)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
  });
});

describe('safeJoin and isModelFile', () => {
  it('stays inside the root', () => {
    expect(safeJoin('/srv/app', 'index.html')).toBe(join('/srv/app', 'index.html'));
    expect(safeJoin('/srv/app', 'assets/x.woff2')).toBe(join('/srv/app', 'assets', 'x.woff2'));
    for (const bad of ['', '../secret', 'a/../../b', 'a//b', './x', 'a\\..\\b', 'x\0', '.env', 'assets/.git']) expect(safeJoin('/srv/app', bad), bad).toBeNull();
  });
  it('serves only top-level json and safetensors files of a model folder', () => {
    for (const ok of ['config.json', 'tokenizer.json', 'model.safetensors', 'model-00001-of-00002.safetensors', 'model.safetensors.index.json']) expect(isModelFile(ok), ok).toBe(true);
    for (const bad of ['notes.txt', '.hidden.json', 'sub/x.json', '..\\x.json', 'x.json/..', 'model.bin']) expect(isModelFile(bad), bad).toBe(false);
  });
});

describe('resolveRequest', () => {
  it('serves the renderer at fanout://app/ with the CSP header', async () => {
    const r = await resolveRequest(req('fanout://app/'), ctx);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(r.headers['Content-Security-Policy']).toBe("default-src 'self'");
    expect(r.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(r.body).toEqual({ kind: 'file', path: join(root, 'renderer', 'index.html'), start: 0, end: 32 });
    expect((await resolveRequest(req('fanout://app/app.js'), ctx)).headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect((await resolveRequest(req('fanout://app/assets/font-abc.woff2'), ctx)).status).toBe(200);
  });

  it('serves the engine page at fanout://engine/', async () => {
    const r = await resolveRequest(req('fanout://engine/index.html'), ctx);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ kind: 'file', path: join(root, 'engine', 'index.html') });
    // The app's files are not the engine's and vice versa.
    expect((await resolveRequest(req('fanout://engine/app.js'), ctx)).status).toBe(404);
    expect((await resolveRequest(req('fanout://app/engine-page.js'), ctx)).status).toBe(404);
  });

  it('rejects path traversal in every spelling', async () => {
    for (const url of [
      'fanout://app/../secret.txt',
      'fanout://app/%2e%2e/secret.txt',
      'fanout://app/..%2fsecret.txt',
      'fanout://app/..%5csecret.txt',
      'fanout://app/assets/%2e%2e/%2e%2e/secret.txt',
      'fanout://app/%00',
      `fanout://engine/models/${'x'}/../../secret.txt`,
    ]) {
      const r = await resolveRequest(req(url), ctx);
      expect(r.status, url).toBe(404);
      if (r.body?.kind === 'file') expect(r.body.path, url).not.toContain('secret');
    }
  });

  it('refuses other hosts, schemes and methods', async () => {
    expect((await resolveRequest(req('fanout://evil/index.html'), ctx)).status).toBe(404);
    expect((await resolveRequest(req('https://app/index.html'), ctx)).status).toBe(404);
    const post = await resolveRequest(req('fanout://app/index.html', {}, 'POST'), ctx);
    expect(post.status).toBe(405);
    expect(post.headers.Allow).toBe('GET, HEAD');
    expect((await resolveRequest(req('fanout://app/missing.js'), ctx)).status).toBe(404);
    expect((await resolveRequest(req('fanout://app/assets'), ctx)).status).toBe(404); // a folder
  });

  it('serves registered model folders only, with Range support', async () => {
    const base = `fanout://engine/models/${modelId}`;
    const whole = await resolveRequest(req(`${base}/model.safetensors`), ctx);
    expect(whole.status).toBe(200);
    expect(whole.headers['Accept-Ranges']).toBe('bytes');
    expect(whole.headers['Content-Length']).toBe('1000');

    const part = await resolveRequest(req(`${base}/model.safetensors`, { Range: 'bytes=100-199' }), ctx);
    expect(part.status).toBe(206);
    expect(part.headers['Content-Range']).toBe('bytes 100-199/1000');
    expect(part.headers['Content-Length']).toBe('100');
    expect(part.body).toEqual({ kind: 'file', path: join(root, 'model', 'model.safetensors'), start: 100, end: 199 });

    const past = await resolveRequest(req(`${base}/model.safetensors`, { Range: 'bytes=1000-' }), ctx);
    expect(past.status).toBe(416);
    expect(past.headers['Content-Range']).toBe('bytes */1000');
    expect(past.body).toBeUndefined();

    const empty = await resolveRequest(req(`${base}/empty.safetensors`, { Range: 'bytes=0-0' }), ctx);
    expect(empty.status).toBe(416);

    expect((await resolveRequest(req(`fanout://engine/models/${'0'.repeat(24)}/config.json`), ctx)).status).toBe(404);
    for (const f of ['notes.txt', '.hidden.json', 'sub/x.json']) expect((await resolveRequest(req(`${base}/${f}`), ctx)).status, f).toBe(404);
    // The renderer's files are not reachable through a model id.
    expect((await resolveRequest(req(`fanout://app/models/${modelId}/config.json`), ctx)).status).toBe(404);
  });

  it('serves a registered GGUF file under its one name, with Range support, and nothing beside it', async () => {
    expect(blob.name).toBe('sha256-abc');
    const base = `fanout://engine/models/${blob.id}`;
    const whole = await resolveRequest(req(`${base}/sha256-abc`), ctx);
    expect(whole.status).toBe(200);
    expect(whole.headers['Accept-Ranges']).toBe('bytes');
    expect(whole.headers['Content-Length']).toBe(String(GGUF.length));
    const part = await resolveRequest(req(`${base}/sha256-abc`, { Range: 'bytes=0-3' }), ctx);
    expect(part.status).toBe(206);
    expect(part.body).toEqual({ kind: 'file', path: blob.path, start: 0, end: 3 });
    // Its folder's other files, model files by name, and traversal: not served.
    for (const f of ['sha256-def', 'config.json', '../blobs/sha256-def', 'sha256-abc/x', '%2e%2e/sha256-def', 'model.gguf']) {
      const r = await resolveRequest(req(`${base}/${f}`), ctx);
      expect(r.status, f).toBe(404);
      if (r.body?.kind === 'file') expect(r.body.path, f).toBe(blob.path);
    }
    // The file's id is not a folder id: the folder's files are not reachable through it, nor the file through the folder's.
    expect((await resolveRequest(req(`fanout://engine/models/${modelId}/sha256-abc`), ctx)).status).toBe(404);
    expect((await resolveRequest(req(`${base}/sha256-abc`, { Origin: 'fanout://app' }), ctx)).status).toBe(403);
  });

  it('refuses model files to other origins', async () => {
    const url = `fanout://engine/models/${modelId}/config.json`;
    expect((await resolveRequest(req(url, { Origin: 'fanout://app' }), ctx)).status).toBe(403);
    expect((await resolveRequest(req(url, { Origin: 'https://example.com' }), ctx)).status).toBe(403);
    expect((await resolveRequest(req(url, { Origin: 'fanout://engine' }), ctx)).status).toBe(200);
    expect((await resolveRequest(req(url), ctx)).status).toBe(200);
  });

  it('answers HEAD without a body', async () => {
    const r = await resolveRequest(req(`fanout://engine/models/${modelId}/config.json`, {}, 'HEAD'), ctx);
    expect(r.status).toBe(200);
    expect(r.headers['Content-Length']).toBe('7');
    expect(r.body).toBeUndefined();
  });
});

describe('toResponse + httpSource', () => {
  it('streams exactly the requested bytes; the engine reads a model through it', async () => {
    // httpSource (the engine's model reader) against the handler, as in the engine window.
    const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      return toResponse(await resolveRequest({ method: init?.method ?? 'GET', url: String(input), headers }, ctx));
    }) as typeof fetch;
    const src = httpSource(`fanout://engine/models/${modelId}`, fetchFn);
    expect(await src.exists('config.json')).toBe(true);
    expect(await src.exists('missing.json')).toBe(false);
    expect(await src.readText('config.json', 1 << 20)).toBe('{"a":1}');
    expect(await src.size('model.safetensors')).toBe(1000);
    expect(await src.read('model.safetensors', 250, 500)).toEqual(WEIGHTS.slice(250, 750));
    expect(await src.read('model.safetensors', 999, 1)).toEqual(WEIGHTS.slice(999));
    await expect(src.read('model.safetensors', 990, 20)).rejects.toThrow(/truncated/);
    // A registered GGUF file: the engine reads its header through the handler as the engine page does.
    const one = httpSource(`fanout://engine/models/${blob.id}`, fetchFn);
    const h = await readGgufHeader(one, blob.name);
    expect(h.metadata.get('general.architecture')).toBe('llama');
    expect(h.tensors.get('token_embd.weight')?.shape).toEqual([2, 4]);
  });
});
