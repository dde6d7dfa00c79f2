// Fuzz: protocol frames sent to a HostSession connection (receiveFrame, as the web host's WebSocket
// delivers them): random JSON, text that is not JSON, wrong types, unknown types, huge strings,
// out-of-range numbers, deep nesting, odd ids and model references. Each gets the reply the protocol
// promises, errors with a clear bounded message, and the same host answers `status` after every frame.
// Then a handful of valid but odd generate requests on a loaded model (the only cases that run the GPU).
// Seeded and replayable: see tests/fuzz/harness.ts (FANOUT_FUZZ_SEED, FANOUT_FUZZ_CASE).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { testGpu } from '../gpu.ts';
import { HostSession } from '../../engine/host/session.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import { expectNoFailures, FUZZ_SEED, FuzzClient, runCategory, type Kind } from './harness.ts';
import { checkFrame, protocolKinds, type ProtocolCtx } from './protocol-kinds.ts';

let root: string;
let session: HostSession;
let ctx: ProtocolCtx;
const failures: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fanout-fuzz-protocol-'));
  const emptyDir = join(root, 'empty');
  await mkdir(emptyDir);
  session = new HostSession({
    gpu: () => testGpu('f16'),
    source: nodeModelSource({ baseDir: emptyDir }),
    flushMs: 0,
    onFailure: (e, code) => failures.push(`${code}: ${String((e as Error)?.stack ?? e).slice(0, 400)}`),
  });
  ctx = { client: new FuzzClient(session), emptyDir, noModel: true };
}, 60_000);

afterAll(async () => {
  await session?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Valid generate requests with odd but allowed values, on the loaded model: small n and maxTokens. */
const generateKinds: Kind<ProtocolCtx>[] = [
  ['empty prefix, greedy', { prefix: '', temperature: 0 }],
  ['lone surrogates and specials in the prefix', { prefix: '\ud800x = "\udfff";\n<|endoftext|><|fim_prefix|>', suffix: '<|fim_suffix|>\n' }],
  ['tiny temperature and topP', { prefix: 'let x =', temperature: 1e-300, topP: 1e-300 }],
  ['huge topK, extreme seeds', { prefix: 'for (', topK: 1e9, seed: 2 ** 53 - 1 }],
  ['negative seed, temperature 10', { prefix: 'if (a', seed: -(2 ** 53 - 1), temperature: 10 }],
  ['minTokens past maxTokens, stop strings', { prefix: 'const', minTokens: 4096, stopStrings: ['\n', ';', 'x'.repeat(64)], stop: 'none' }],
  ['standard attention, context chunks and file name', { prefix: 'import', attention: 'standard', context: [{ name: '\u0000\ud800', text: 'qxzjk'.repeat(500) }], contextTokens: 16_384, fileName: 'x'.repeat(256) }],
  ['a long prompt past the context window', { prefix: 'a = 1;\n'.repeat(3000), suffix: 'b'.repeat(5000) }],
].map(([name, request]) => ({
  name: name as string,
  run: (rng, c) => checkFrame(c, JSON.stringify({ type: 'generate', id: `g-${rng.int(1000)}`, request: { n: 3, maxTokens: 3, ...(request as object) } })),
}));

describe(`fuzz: protocol messages (seed ${FUZZ_SEED})`, () => {
  test('frames of every kind, no model loaded: 165 cases', async () => {
    const r = await runCategory('protocol', 165, protocolKinds, ctx);
    expect(failures, 'the host reported internal failures').toEqual([]);
    expectNoFailures('protocol', r);
  });

  test('odd generate requests on a loaded model, then frames of every kind again', async () => {
    const dir = join(root, 'tiny');
    await writeRandomModel(dir, { arch: 'llama', dtype: 'F16', hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 48, tie: true, seed: FUZZ_SEED, maxPositions: 2048 });
    const sent = await ctx.client.frame(JSON.stringify({ type: 'load', id: 'tiny', model: { kind: 'dir', path: dir } }), 60_000);
    expect(sent.replies.find((m) => m.type === 'loaded' || m.type === 'error')).toMatchObject({ type: 'loaded' });
    const withModel = { ...ctx, noModel: false };
    // The first one compiles every kernel a request uses (tens of seconds on a cold lavapipe cache).
    const r = await runCategory('generate', generateKinds.length, generateKinds, withModel, 240_000);
    expectNoFailures('generate', r);
    // Invalid frames while a model is loaded; valid generates among them run (n = 2, maxTokens = 2).
    const again = await runCategory('protocol-loaded', 32, protocolKinds, withModel);
    expect(failures, 'the host reported internal failures').toEqual([]);
    expectNoFailures('protocol-loaded', again);
    expect(ctx.client.lastState?.phase).toBe('ready');
  }, 600_000);
});
