// `fanout serve` as a user starts it: the first stdout line names the base URL, a completion works,
// SIGINT stops it with exit code 0; bad options are one error line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, fanout, startServeProcess } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-serve-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('serves completions on the printed URL and exits 0 on SIGINT', async () => {
  const serve = await startServeProcess();
  expect(serve.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const r = await fetch(`${serve.baseUrl}/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ prompt: 'const x = ', max_tokens: 3, n: 2 }) });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { choices: { text: string }[] };
  expect(body.choices).toHaveLength(2);
  expect(await serve.stop()).toBe(0);
}, 120_000);

it('refuses a non-loopback host without a key, and a bad key file, in one error line each', async () => {
  const open = await fanout(['serve', '--host', '0.0.0.0', '--port', '0']);
  expect(open.code).toBe(2);
  expect(open.stderr.trim().split('\n')).toHaveLength(1);
  expect(open.stderr).toMatch(/^fanout: error: --host 0\.0\.0\.0 makes the engine reachable from other machines: give an API key with --api-key-file FILE/);
  const keyFile = join(dir, 'key');
  await writeFile(keyFile, 'too short\n');
  const bad = await fanout(['serve', '--api-key-file', keyFile, '--port', '0']);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toEqual([`fanout: error: --api-key-file ${keyFile}: its first line must be the key, 16 to 512 printable characters without spaces (e.g. openssl rand -hex 24 > ${keyFile}).`]);
  const missing = await fanout(['serve', '--api-key-file', join(dir, 'nope'), '--port', '0']);
  expect(missing.stderr).toMatch(/^fanout: error: --api-key-file .*nope: cannot read it \(ENOENT\)/);
}, 120_000);
