// Fuzz: malformed model folders (model.safetensors header length, header JSON, tensor entries and
// offsets; the sharded index; config.json; tokenizer.json) and GGUF files (header, metadata, tensor
// infos, data: tests/fuzz/gguf-kinds.ts), each loaded by the engine and through a HostSession on the
// test GPU. Each one loads (some mutations are harmless) or is refused with a ModelError / a
// load-failed error whose message is clear, bounded and quotes no file content; the same host answers
// `status` after every case and loads the intact folder at the end.
// Seeded and replayable: see tests/fuzz/harness.ts (FANOUT_FUZZ_SEED, FANOUT_FUZZ_CASE).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testGpu } from '../gpu.ts';
import { Engine } from '../../engine/engine.ts';
import { HostSession } from '../../engine/host/session.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import { expectNoFailures, FUZZ_SEED, FuzzClient, messageProblems, runCategory, type Kind } from './harness.ts';
import { baseFiles, makeBase } from './model-folder.ts';
import { configKinds, indexKinds, safetensorsKinds, tokenizerKinds } from './model-kinds.ts';
import { makeGgufBase, type GgufCtx } from './gguf-base.ts';
import { ggufKinds } from './gguf-kinds.ts';

let ctx: GgufCtx;
let session: HostSession;
let root: string;
const failures: unknown[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-fuzz-'));
  const gpu = await testGpu('f16');
  session = new HostSession({
    gpu: async () => gpu,
    source: nodeModelSource({ baseDir: root }),
    flushMs: 0,
    onFailure: (e, code) => failures.push(`${code}: ${String((e as Error)?.stack ?? e).slice(0, 400)}`),
  });
  ctx = { root, base: await makeBase(join(root, 'base')), gguf: await makeGgufBase(), generates: 0, nonFinite: 0, engine: await Engine.create(gpu), client: new FuzzClient(session), n: 0 };
}, 120_000);

afterAll(async () => {
  ctx?.engine.unload();
  await session?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe(`fuzz: model folders (seed ${FUZZ_SEED})`, () => {
  // (A Kind<ModelCtx> runs on a GgufCtx too: it is a ModelCtx with the GGUF base added.)
  const category = (name: string, count: number, kinds: readonly Kind<GgufCtx>[]) =>
    test(`${name}: ${count} cases`, async () => {
      const r = await runCategory(name, count, kinds, ctx);
      if (name === 'gguf') console.log(`fuzz gguf: ${ctx.generates} generates after a load, ${ctx.nonFinite} of them ended in the non-finite-logits error`);
      expect(failures, 'the host reported internal failures').toEqual([]);
      expectNoFailures(name, r);
    });

  category('safetensors', 105, safetensorsKinds);
  category('index', 24, indexKinds);
  category('config', 75, configKinds);
  category('tokenizer', 80, tokenizerKinds);
  category('gguf', 128, ggufKinds);

  test('the same host then loads the intact folder and answers status with it ready', async () => {
    const dir = join(root, 'intact');
    await mkdir(dir, { recursive: true });
    for (const [name, content] of baseFiles(ctx.base)) await writeFile(join(dir, name), content);
    const sent = await ctx.client.frame(JSON.stringify({ type: 'load', id: 'intact', model: { kind: 'dir', path: dir } }), 30_000);
    const end = sent.replies.find((r) => r.type === 'loaded' || r.type === 'error');
    expect(end, JSON.stringify(end)).toMatchObject({ type: 'loaded', id: 'intact' });
    expect(await ctx.client.statusProblems()).toEqual([]);
    expect(ctx.client.lastState?.phase).toBe('ready');
    // And a broken folder after it is refused with the intact model still loaded (named in the hint).
    await writeFile(join(dir, 'config.json'), '{"architectures": [');
    const bad = await ctx.client.frame(JSON.stringify({ type: 'load', id: 'broken', model: { kind: 'dir', path: dir } }), 30_000);
    const err = bad.replies.find((r) => r.type === 'error');
    expect(err).toMatchObject({ type: 'error', code: 'load-failed', model: { name: 'intact' } });
    if (err?.type === 'error') expect(messageProblems('message', err.message)).toEqual([]);
    expect(await ctx.client.statusProblems()).toEqual([]);
  });
});
