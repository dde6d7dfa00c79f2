import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveDir } from '../../tests/fixtures/range-server.ts';
import { ModelError } from './errors.ts';
import { dirSource } from './fs-source.ts';
import { httpSource } from './http-source.ts';

const dir = await mkdtemp(join(tmpdir(), 'fanout-http-'));
const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
await writeFile(join(dir, 'blob.bin'), bytes);
await writeFile(join(dir, 'config.json'), '{"a": 1}');
await writeFile(join(dir, 'empty.txt'), '');
const server = await serveDir(dir);
const naive = await serveDir(dir, { ignoreRange: true });
afterAll(async () => {
  await server.close();
  await naive.close();
  await rm(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof ModelError ? `${e.code}: ${e.message}` : `Error: ${(e as Error).message}`;
  }
  throw new Error('expected a failure');
}

describe('httpSource and dirSource agree', () => {
  for (const [name, make] of [
    ['http', () => httpSource(server.url)],
    ['dir', () => dirSource(dir)],
  ] as const) {
    it(`${name}: exists, size, readText, ranged read, missing and truncated files`, async () => {
      const s = make();
      expect(await s.exists('blob.bin')).toBe(true);
      expect(await s.exists('nope.bin')).toBe(false);
      expect(await s.size('blob.bin')).toBe(1000);
      expect(await s.size('empty.txt')).toBe(0);
      expect(JSON.parse(await s.readText('config.json', 1 << 20))).toEqual({ a: 1 });
      expect([...(await s.read('blob.bin', 990, 10))]).toEqual([...bytes.subarray(990, 1000)]);
      expect([...(await s.read('blob.bin', 5, 0))]).toEqual([]);
      expect(await code(s.readText('nope.json', 1 << 20))).toMatch(/^missing-file: .*nope\.json/);
      expect(await code(s.size('nope.bin'))).toMatch(/^missing-file: .*nope\.bin/);
      expect(await code(s.read('blob.bin', 995, 10))).toMatch(/^corrupt-safetensors: .*blob\.bin is truncated/);
      expect(await code(s.read('blob.bin', 2000, 10))).toMatch(/^corrupt-safetensors: .*blob\.bin is truncated/);
    });
  }

  it('http: sends Range requests and refuses servers that ignore them', async () => {
    server.log.length = 0;
    await httpSource(server.url + '/').read('blob.bin', 100, 50);
    expect(server.log).toEqual(['GET /blob.bin bytes=100-149']);
    expect(await code(httpSource(naive.url).read('blob.bin', 100, 50))).toMatch(/ignored the Range header.*supports Range requests/);
    expect(await httpSource(naive.url).size('blob.bin')).toBe(1000); // from Content-Length
  });
});

describe('httpSource: a server that cannot be reached', () => {
  it('is a missing-file ModelError naming the URL, not fetch\'s bare TypeError ("fetch failed")', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const s = httpSource('http://127.0.0.1:9/m', () => Promise.reject(refused));
    for (const p of [s.exists('config.json'), s.readText('config.json', 1 << 20), s.size('model.safetensors'), s.read('model.safetensors', 0, 8)]) {
      expect(await code(p)).toMatch(/^missing-file: http:\/\/127\.0\.0\.1:9\/m\/\S+ cannot be fetched \(ECONNREFUSED\); check that the model server runs/);
    }
    // A body that breaks off half way.
    const broken = httpSource('http://h/m', async () => new Response(new ReadableStream({ pull: (c) => c.error(new TypeError('terminated')) })));
    expect(await code(broken.readText('config.json', 1 << 20))).toMatch(/^missing-file: .*config\.json: the connection to the model server broke off/);
  });
});

describe('readText is bounded: a huge JSON file is refused before it is read whole', () => {
  it('dir: a file over the limit, a device behind a symlink and a FIFO are refused at once', async () => {
    const d = await mkdtemp(join(tmpdir(), 'fanout-bound-'));
    try {
      await writeFile(join(d, 'config.json'), 'x'.repeat(5000));
      const s = dirSource(d);
      expect(await code(s.readText('config.json', 4096))).toMatch(/^too-large: .*config\.json is 5,000 bytes; at most 4,096 bytes are read for this file\. It is not the file a model folder holds/);
      expect(await s.readText('config.json', 5000)).toHaveLength(5000);
      await symlink('/dev/zero', join(d, 'tokenizer.json'));
      expect(await code(s.readText('tokenizer.json', 1 << 20))).toMatch(/^missing-file: .*tokenizer\.json is not a regular file/);
      execFileSync('mkfifo', [join(d, 'pipe.json')]);
      // Opening a FIFO for reading blocks until a writer comes: nonblocking open is not offered by
      // fs/promises, so the test gives it a writer that writes nothing and stays open.
      const writer = spawn('sh', ['-c', `exec 3>"${join(d, 'pipe.json')}"; sleep 5`]);
      try {
        expect(await code(s.readText('pipe.json', 1 << 20))).toMatch(/^missing-file: .*pipe\.json is not a regular file/);
      } finally {
        writer.kill();
      }
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('http: a declared Content-Length over the limit, and a body that goes past it undeclared', async () => {
    let cancelled = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull: (c) => c.enqueue(new Uint8Array(64 << 10)),
        cancel: () => void cancelled++,
      });
    // A real server that declares 3 GiB (a Response built here would drop the header).
    const big = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(3 * 2 ** 30) });
      res.write('{');
    });
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    try {
      const port = (big.address() as AddressInfo).port;
      expect(await code(httpSource(`http://127.0.0.1:${port}/m`).readText('config.json', 1 << 20))).toMatch(
        /^too-large: http:\/\/127\.0\.0\.1:\d+\/m\/config\.json is 3,221,225,472 bytes; at most 1,048,576 bytes are read/,
      );
    } finally {
      big.closeAllConnections();
      big.close();
    }
    const undeclared = httpSource('http://h/m', async () => new Response(endless()));
    expect(await code(undeclared.readText('tokenizer.json', 1 << 20))).toMatch(/^too-large: http:\/\/h\/m\/tokenizer\.json is more than 1,048,576 bytes; at most 1,048,576 bytes/);
    expect(cancelled).toBe(1);
    // Within the limit, with multi-byte characters split across chunks.
    const text = 'é'.repeat(3000);
    const enc = new TextEncoder().encode(text);
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < enc.length; i += 1001) c.enqueue(enc.subarray(i, i + 1001));
        c.close();
      },
    });
    expect(await httpSource('http://h/m', async () => new Response(chunks)).readText('config.json', 1 << 20)).toBe(text);
  });
});

describe('modelUrlSource', () => {
  it('a URL ending in .gguf is that file of its folder; any other URL is a folder', async () => {
    const { modelUrlSource } = await import('./http-source.ts');
    const g = modelUrlSource('http://h/models/qwen%20coder.Q8_0.gguf');
    expect([g.name, g.gguf]).toEqual(['http://h/models', 'qwen coder.Q8_0.gguf']);
    const d = modelUrlSource('http://h/models/fanout-code-4m/');
    expect([d.name, d.gguf]).toEqual(['http://h/models/fanout-code-4m', undefined]);
  });
});
