// list-models through a HostSession (what the web host and the Electron engine page run): the reply is a
// valid `models` event listing a fake Ollama store's model; loading that model by its blob path (no .gguf
// extension) works and samples what the Hugging Face folder it was converted from samples; a file that is
// not GGUF is refused saying so; a host without a lister answers 'unsupported'; a lister that throws
// becomes an 'internal' error and the host keeps answering.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomModelToGguf } from '../fixtures/hf-to-gguf.ts';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { testSeed } from '../gpu.ts';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import { HostSession } from '../../engine/host/session.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import { LocalModelFinder } from '../../engine/host/local-models.ts';
import type { HostEvent } from '../../protocol/host.ts';
import { SessionClient } from './session-client.ts';

const seed = testSeed();
let tmp: string;
let store: string;
let blob: string;
const sessions: HostSession[] = [];

function session(opts: Partial<ConstructorParameters<typeof HostSession>[0]> = {}): HostSession {
  const s = new HostSession({ gpu: () => acquireNodeGpu(), source: nodeModelSource({ baseDir: tmp }), flushMs: 0, ...opts });
  sessions.push(s);
  return s;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fanout-local-models-host-'));
  const model = await writeRandomModel(join(tmp, 'hf'), { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: true, seed, maxPositions: 2048 });
  const gguf = randomModelToGguf(model, 'F16', JSON.parse(readFileSync(join(tmp, 'hf', 'tokenizer.json'), 'utf8')));
  const digest = createHash('sha256').update(gguf).digest('hex');
  store = join(tmp, 'ollama');
  blob = join(store, 'blobs', `sha256-${digest}`);
  await mkdir(join(store, 'blobs'), { recursive: true });
  await mkdir(join(store, 'manifests', 'registry.ollama.ai', 'library', 'tiny'), { recursive: true });
  await writeFile(blob, gguf);
  const manifest = { schemaVersion: 2, layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size: gguf.length }] };
  await writeFile(join(store, 'manifests', 'registry.ollama.ai', 'library', 'tiny', 'f16'), JSON.stringify(manifest));
  await writeFile(join(tmp, 'notes.txt'), 'not a model');
}, 60_000);

afterAll(async () => {
  for (const s of sessions) await s.close();
  await rm(tmp, { recursive: true, force: true });
});

const texts = (c: SessionClient, id: string) =>
  c.received.flatMap((m) => (m.type === 'event' && m.id === id && m.event.type === 'finish' ? [`${m.event.sample}:${m.event.text}`] : [])).sort();

describe(`list-models and loading what it lists (seed ${seed})`, () => {
  test('lists the Ollama model; its blob path loads and samples as its Hugging Face folder does', async () => {
    const finder = new LocalModelFinder({ roots: () => ({ ollama: [store], lmstudio: [], folders: [] }) });
    const s = session({ localModels: () => finder.list() });
    const c = new SessionClient(s, 'ui');
    await c.send({ type: 'list-models', id: 'l1' });
    const reply = (await c.next((m) => m.id === 'l1', 10_000, true)) as Extract<HostEvent, { type: 'models' }>;
    expect(reply.type).toBe('models');
    expect(reply.list.models).toEqual([expect.objectContaining({ name: 'tiny:f16', path: blob, source: 'ollama', quantization: 'F16', architecture: 'llama', loadable: { ok: true } })]);

    const request = { prefix: 'function add(a, b) {\n  return', n: 3, maxTokens: 6, temperature: 0.8, seed: 7, stop: 'none' };
    await c.send({ type: 'load', id: 'hf', model: { kind: 'dir', path: join(tmp, 'hf') } });
    await c.send({ type: 'generate', id: 'g-hf', request });
    await c.send({ type: 'load', id: 'blob', model: { kind: 'dir', path: blob } });
    // A content-addressed blob is named by the file's general.name, not sha256-<hex>.
    expect(c.received.find((m) => m.id === 'blob' && m.type !== 'progress')).toMatchObject({ type: 'loaded', model: { name: 'random test model' } });
    await c.send({ type: 'generate', id: 'g-blob', request });
    expect(texts(c, 'g-blob')).toHaveLength(3);
    expect(texts(c, 'g-blob')).toEqual(texts(c, 'g-hf'));
  }, 300_000);

  test('a file that is not GGUF is refused saying so; the loaded model stays', async () => {
    const s = session();
    const c = new SessionClient(s, 'ui');
    await c.send({ type: 'load', id: 'txt', model: { kind: 'dir', path: join(tmp, 'notes.txt') } });
    expect(c.received.find((m) => m.id === 'txt')).toMatchObject({ type: 'error', code: 'load-failed', message: expect.stringContaining('notes.txt is a file but not a GGUF file') });
  });

  test('a host without a lister answers unsupported; a lister that fails answers internal; the host keeps answering', async () => {
    const c = new SessionClient(session(), 'a');
    await c.send({ type: 'list-models', id: 'l' });
    expect(c.received.find((m) => m.id === 'l')).toMatchObject({ type: 'error', code: 'unsupported', hint: expect.stringContaining('.gguf') });
    const failures: string[] = [];
    const bad = session({
      localModels: async () => {
        throw new Error('disk on fire');
      },
      onFailure: (_e, code) => failures.push(code),
    });
    const d = new SessionClient(bad, 'b');
    await d.send({ type: 'list-models', id: 'l' });
    expect(d.received.find((m) => m.id === 'l')).toMatchObject({ type: 'error', code: 'internal', message: expect.stringContaining('disk on fire') });
    expect(failures).toEqual(['internal']);
    await d.send({ type: 'status', id: 's' });
    expect(d.received.find((m) => m.id === 's')).toMatchObject({ type: 'status' });
  });
});
