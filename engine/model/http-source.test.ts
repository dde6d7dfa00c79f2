import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
      expect(JSON.parse(await s.readText('config.json'))).toEqual({ a: 1 });
      expect([...(await s.read('blob.bin', 990, 10))]).toEqual([...bytes.subarray(990, 1000)]);
      expect([...(await s.read('blob.bin', 5, 0))]).toEqual([]);
      expect(await code(s.readText('nope.json'))).toMatch(/^missing-file: .*nope\.json/);
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
