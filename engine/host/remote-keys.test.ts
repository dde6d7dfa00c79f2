// The remote servers' key file with and without a sealing codec (the desktop app's OS keychain).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { fileKeyStore, type KeyCodec } from './remote-keys.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function file(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fanout-keys-'));
  dirs.push(d);
  return join(d, 'sub', 'remote-keys.json');
}
// A stand-in keychain: reversible, and the stored text is not the key.
const codec: KeyCodec = { name: 'safeStorage', seal: (k) => Buffer.from(k).toString('hex'), open: (s) => Buffer.from(s, 'hex').toString() };
const URL_A = 'http://gpu-box:8000/v1';
const KEY = 'sk-test-0123456789abcdef';

test('with a codec: sealed on disk, opened on read; a key written without one is still read', async () => {
  const f = await file();
  let available: KeyCodec | undefined;
  const store = fileKeyStore(f, () => available);
  await store.set(URL_A, KEY); // no keychain yet: as it is
  expect(JSON.parse(await readFile(f, 'utf8'))).toEqual({ [URL_A]: KEY });
  available = codec;
  expect(await store.get(URL_A)).toBe(KEY);
  await store.set('http://other/v1', 'sk-other-0123456789');
  const disk = JSON.parse(await readFile(f, 'utf8'));
  expect(disk['http://other/v1']).toBe(`safeStorage:${Buffer.from('sk-other-0123456789').toString('hex')}`);
  expect(await store.get('http://other/v1')).toBe('sk-other-0123456789');
});

test('a sealed key without its keychain, or one it cannot open, reads as absent (entered again)', async () => {
  const f = await file();
  await fileKeyStore(f, () => codec).set(URL_A, KEY);
  expect(await fileKeyStore(f).get(URL_A)).toBeUndefined();
  const broken: KeyCodec = { ...codec, open: () => { throw new Error('cannot decrypt'); } };
  expect(await fileKeyStore(f, () => broken).get(URL_A)).toBeUndefined();
  await writeFile(f, 'not json');
  expect(await fileKeyStore(f, () => codec).get(URL_A)).toBeUndefined();
});
