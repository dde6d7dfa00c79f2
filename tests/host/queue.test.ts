// The host's request queue and state (engine/host/session.ts over engine/scheduler.ts) against the real
// engine on the test GPU with random-weight model folders: requests sent while a model loads or its
// kernels compile wait and then run; a page's new generate supersedes its previous one; pages queue
// FIFO, bounded; cancel and close remove waiting requests; every page sees the host's state.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { testSeed } from '../gpu.ts';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import { HostSession } from '../../engine/host/session.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import type { LocalModelRef } from '../../protocol/host.ts';
import { SessionClient } from './session-client.ts';
import { isDone, isEnd, type Reply } from './ws-client.ts';

const seed = testSeed();
const PREFIX = 'function add(a, b) {\n  return';
/** A generate that runs until it is cancelled (tests end it). */
const LONG = { prefix: PREFIX, n: 2, maxTokens: 2000, stop: 'none', temperature: 1 };
const SHORT = { prefix: PREFIX, n: 2, maxTokens: 3, stop: 'none', seed: 1 };

let tmp: string;
const sessions: HostSession[] = [];

/** A model source that holds every load until open() (a slow disk or network, made deterministic). */
function gatedSource(baseDir: string) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const inner = nodeModelSource({ baseDir });
  return { source: async (ref: LocalModelRef) => (await gate, inner(ref)), open };
}

function session(opts: Partial<ConstructorParameters<typeof HostSession>[0]> = {}): HostSession {
  const s = new HostSession({ gpu: () => acquireNodeGpu(), source: nodeModelSource({ baseDir: tmp }), flushMs: 0, ...opts });
  sessions.push(s);
  return s;
}

const isToken = (id: string) => (m: Reply) => m.type === 'event' && m.id === id && m.event.type === 'token';
const doneOf = (c: SessionClient, id: string) => c.forId(id).find((m) => m.type === 'event' && m.event.type === 'done');

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fanout-queue-'));
  await writeRandomModel(join(tmp, 'tiny'), { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 128, tie: true, seed, maxPositions: 4096 });
  // A broken folder: config.json is not JSON (refused before the loaded model is unloaded).
  await mkdir(join(tmp, 'broken'));
  for (const f of ['tokenizer.json', 'model.safetensors']) await copyFile(join(tmp, 'tiny', f), join(tmp, 'broken', f));
  await writeFile(join(tmp, 'broken', 'config.json'), '{"architectures": ["LlamaForCausalLM"],');
}, 60_000);

afterAll(async () => {
  for (const s of sessions) await s.close();
  await rm(tmp, { recursive: true, force: true });
});

describe(`host queue and state (seed ${seed})`, () => {
  test('every page sees idle → loading → compiling → ready; a generate sent while loading waits and runs when ready; status carries the state', async () => {
    const gated = gatedSource(tmp);
    // Progress-only state changes wait a minute here: none may reach the pages before compiling starts.
    const s = session({ source: gated.source, warmUp: true, stateIntervalMs: 60_000 });
    const a = new SessionClient(s, 'A');
    const b = new SessionClient(s, 'B');
    // The state comes at once on connect.
    const idle = { phase: 'idle', model: null, device: '', loading: null, generating: false, queued: 0 };
    expect(b.received).toEqual([{ type: 'state', state: idle }]);
    await b.send({ type: 'status', id: 's0' });
    expect(b.forId('s0')).toEqual([{ type: 'status', id: 's0', model: null, device: '', busy: false, state: idle, protocol: 2 }]);

    const loaded = a.send({ type: 'load', id: 'l1', model: { kind: 'dir', path: 'tiny' } });
    await b.next((m) => m.type === 'state' && m.state.phase === 'loading', 10_000, true);
    await b.send({ type: 'status', id: 's1' });
    expect(b.forId('s1')[0]).toMatchObject({ busy: true, state: { phase: 'loading', loading: { model: 'tiny', progress: null }, model: null } });

    // Ctrl+Enter while the model loads: it waits for the model instead of failing.
    const generated = b.send({ type: 'generate', id: 'g1', request: SHORT });
    expect(b.forId('g1')).toEqual([{ type: 'queued', id: 'g1', position: 1, reason: 'model-loading' }]);
    await b.next((m) => m.type === 'state' && m.state.queued === 1, 10_000, true);

    gated.open();
    const compiling = await b.next((m) => m.type === 'state' && m.state.phase === 'compiling', 240_000, true);
    // Compiling: the weights are in, the model is named; the progress says what is being done.
    expect(compiling).toMatchObject({ state: { model: { layers: 2 }, loading: { model: join(tmp, 'tiny'), progress: { phase: 'compile' } }, queued: 1 } });
    await loaded;
    await generated;
    expect(a.forId('l1').at(-1)).toMatchObject({ type: 'loaded' });
    const g1 = b.forId('g1');
    expect(g1.filter((m) => m.type === 'error')).toEqual([]);
    expect(g1.at(-1)).toMatchObject({ type: 'event', event: { type: 'done', cancelled: false } });
    expect(g1.filter((m) => m.type === 'event' && m.event.type === 'finish')).toHaveLength(2);

    for (const c of [a, b]) expect(c.phases()).toEqual(['idle', 'loading', 'compiling', 'ready']);
    // The requester got every progress event; the other pages' states were not driven by them.
    expect(a.forId('l1').filter((m) => m.type === 'progress' && m.progress.phase !== 'compile').length).toBeGreaterThan(1);
    const loadingStates = b.received.filter((m) => m.type === 'state' && m.state.phase === 'loading');
    expect(loadingStates.every((m) => m.type === 'state' && m.state.loading?.progress === null)).toBe(true);
    // The generate ran only after the host said ready (its kernels compiled) and the model was announced.
    const firstEvent = b.received.findIndex((m) => m.type === 'event' && m.id === 'g1');
    const ready = b.received.findIndex((m) => m.type === 'state' && m.state.phase === 'ready');
    expect(ready).toBeLessThan(firstEvent);
    expect(b.received.findIndex((m) => m.type === 'loaded')).toBeLessThan(firstEvent);
    expect(b.received.some((m, i) => i > ready && m.type === 'state' && m.state.generating)).toBe(true);
    expect(b.lastState()).toMatchObject({ phase: 'ready', generating: false, queued: 0, model: { layers: 2 } });
    await b.send({ type: 'status', id: 's2' });
    const s2 = b.forId('s2')[0];
    expect(s2).toMatchObject({ busy: false, state: { phase: 'ready', loading: null } });
    if (s2.type === 'status') expect(s2.state.device).not.toBe('');
    a.close();
    b.close();
  }, 400_000);

  test('load progress reaches every page in state events (here at every change: stateIntervalMs 0)', async () => {
    const s = session({ stateIntervalMs: 0 });
    const a = new SessionClient(s, 'A');
    const b = new SessionClient(s, 'B');
    await a.send({ type: 'load', id: 'l', model: { kind: 'dir', path: 'tiny' } });
    expect(a.forId('l').at(-1)).toMatchObject({ type: 'loaded' });
    const done = b.received.flatMap((m) => (m.type === 'state' && m.state.loading?.progress ? [m.state.loading.progress.bytesDone] : []));
    expect(done.length).toBeGreaterThan(1);
    expect([...done].sort((x, y) => x - y)).toEqual(done);
    // The other page never got the progress events themselves (they are the requester's).
    expect(b.received.some((m) => m.type === 'progress')).toBe(false);
    expect(b.phases()).toEqual(['idle', 'loading', 'ready']);
    a.close();
    b.close();
  }, 240_000);

  describe('with a model loaded', () => {
    let s: HostSession;
    beforeAll(async () => {
      s = session({ maxQueued: 2 });
      const boot = new SessionClient(s, 'boot');
      await boot.send({ type: 'load', id: 'l', model: { kind: 'dir', path: 'tiny' } });
      expect(boot.forId('l').at(-1)).toMatchObject({ type: 'loaded' });
      boot.close();
    }, 240_000);

    /** A client whose generate `id` runs (its first token is out) until the test cancels it. */
    async function runningLong(name: string, id: string, order?: string[]) {
      const c = new SessionClient(s, name, order);
      const ended = c.send({ type: 'generate', id, request: LONG });
      await c.next(isToken(id), 240_000);
      return { c, ended };
    }

    test("a page's second generate supersedes its first: the running one is cancelled, a waiting one ends at once", async () => {
      const a = new SessionClient(s, 'A');
      const first = a.send({ type: 'generate', id: 'g1', request: LONG });
      await a.next(isToken('g1'), 240_000);
      const second = a.send({ type: 'generate', id: 'g2', request: SHORT });
      await first;
      expect(doneOf(a, 'g1')).toMatchObject({ event: { type: 'done', cancelled: true } });
      const finishes = a.forId('g1').filter((m) => m.type === 'event' && m.event.type === 'finish');
      expect(finishes).toHaveLength(2);
      await second;
      expect(a.forId('g2').filter((m) => m.type === 'error')).toEqual([]);
      expect(doneOf(a, 'g2')).toMatchObject({ event: { type: 'done', cancelled: false } });

      // Waiting behind another page's request: the newer generate replaces the waiting one.
      const { c: b, ended: bEnded } = await runningLong('B', 'b1');
      const waiting = a.send({ type: 'generate', id: 'g3', request: SHORT });
      const replacing = a.send({ type: 'generate', id: 'g4', request: SHORT });
      await waiting;
      expect(a.forId('g3')).toEqual([
        { type: 'queued', id: 'g3', position: 1, reason: 'queue' },
        {
          type: 'event',
          id: 'g3',
          event: { type: 'done', cancelled: true, timings: { prefillMs: 0, decodeMs: 0, steps: 0, msPerStep: 0, tokensPerSecond: 0, promptTokens: 0, kvBytesPerStep: 0, kvBytesPerStepOther: 0 } },
        },
      ]);
      expect(a.forId('g4')).toEqual([{ type: 'queued', id: 'g4', position: 1, reason: 'queue' }]);
      // Another page's running request is never cancelled by it.
      expect(doneOf(b, 'b1')).toBeUndefined();
      await b.send({ type: 'cancel', id: 'b1' });
      await bEnded;
      await replacing;
      expect(doneOf(a, 'g4')).toMatchObject({ event: { type: 'done', cancelled: false } });
      a.close();
      b.close();
    }, 400_000);

    test('requests of several pages run one at a time in the order sent; past the bound: queue-full', async () => {
      const order: string[] = [];
      const { c: b, ended: bEnded } = await runningLong('B', 'b1', order);
      const a = new SessionClient(s, 'A', order);
      const c = new SessionClient(s, 'C', order);
      const d = new SessionClient(s, 'D', order);
      const aEnded = a.send({ type: 'generate', id: 'a1', request: SHORT });
      const cEnded = c.send({ type: 'generate', id: 'c1', request: SHORT });
      expect(a.forId('a1')).toEqual([{ type: 'queued', id: 'a1', position: 1, reason: 'queue' }]);
      expect(c.forId('c1')).toEqual([{ type: 'queued', id: 'c1', position: 2, reason: 'queue' }]);
      await b.next((m) => m.type === 'state' && m.state.queued === 2 && m.state.generating, 10_000, true);
      // maxQueued 2: a third waiting request is refused with what to do; nothing else changes.
      await d.send({ type: 'generate', id: 'd1', request: SHORT });
      expect(d.forId('d1')).toEqual([{ type: 'error', id: 'd1', code: 'queue-full', message: expect.stringContaining('2 requests'), hint: expect.stringMatching(/wait|cancel/i) }]);
      // A page that supersedes its waiting request keeps its place and still fits.
      const cAgain = c.send({ type: 'generate', id: 'c2', request: SHORT });
      await cEnded;
      expect(c.forId('c2')).toEqual([{ type: 'queued', id: 'c2', position: 2, reason: 'queue' }]);

      await b.send({ type: 'cancel', id: 'b1' });
      await Promise.all([bEnded, aEnded, cAgain]);
      for (const [cl, id] of [[a, 'a1'], [c, 'c2']] as const) expect(doneOf(cl, id)).toMatchObject({ event: { cancelled: false } });
      // c2 heard it moved up when b1 ended, and started only after a1 was done.
      expect(c.forId('c2').filter((m) => m.type === 'queued').map((m) => (m.type === 'queued' ? m.position : 0))).toEqual([2, 1]);
      const at = (line: string) => order.indexOf(line);
      expect(at('B b1 done')).toBeLessThan(at('A a1 start'));
      expect(at('A a1 done')).toBeLessThan(at('C c2 start'));
      for (const cl of [a, b, c, d]) cl.close();
    }, 400_000);

    test('cancel removes a waiting request; a page that closes drops its waiting requests and cancels its running one', async () => {
      const { c: b, ended: bEnded } = await runningLong('B', 'b1');
      const a = new SessionClient(s, 'A');
      const c = new SessionClient(s, 'C');
      const aEnded = a.send({ type: 'generate', id: 'a1', request: SHORT });
      const cEnded = c.send({ type: 'generate', id: 'c1', request: SHORT });
      await a.send({ type: 'cancel', id: 'a1' });
      await aEnded;
      expect(a.forId('a1').map((m) => m.type)).toEqual(['queued', 'event']);
      expect(doneOf(a, 'a1')).toMatchObject({ event: { type: 'done', cancelled: true, timings: { steps: 0 } } });
      expect(c.forId('c1').filter((m) => m.type === 'queued').map((m) => (m.type === 'queued' ? m.position : 0))).toEqual([2, 1]);

      // A closes with a new request waiting: it is dropped (C moves up, the state says one fewer waits).
      const a2 = a.send({ type: 'generate', id: 'a2', request: SHORT });
      expect(a.forId('a2')).toEqual([{ type: 'queued', id: 'a2', position: 2, reason: 'queue' }]);
      await c.next((m) => m.type === 'state' && m.state.queued === 2, 10_000, true);
      a.close();
      await a2;
      await c.next((m) => m.type === 'state' && m.state.queued === 1, 10_000, true);
      // B closes while its generate runs: it is cancelled and C's request runs.
      b.close();
      await bEnded;
      await cEnded;
      expect(doneOf(c, 'c1')).toMatchObject({ event: { cancelled: false } });
      expect(a.forId('a2').some((m) => m.type === 'event')).toBe(false);
      await c.next((m) => m.type === 'state' && !m.state.generating && m.state.queued === 0, 10_000, true);
      c.close();
    }, 400_000);

    test('a load that fails while a model is loaded: the generates waiting for it run on the model still loaded', async () => {
      const a = new SessionClient(s, 'A');
      const b = new SessionClient(s, 'B');
      const loading = a.send({ type: 'load', id: 'bad', model: { kind: 'dir', path: 'broken' } });
      const generating = b.send({ type: 'generate', id: 'g', request: SHORT });
      expect(b.forId('g')).toEqual([{ type: 'queued', id: 'g', position: 1, reason: 'model-loading' }]);
      await loading;
      expect(a.forId('bad').at(-1)).toMatchObject({ type: 'error', code: 'load-failed', model: { layers: 2 } });
      await generating;
      expect(doneOf(b, 'g')).toMatchObject({ event: { cancelled: false } });
      a.close();
      b.close();
    }, 240_000);
  });

  test('a load that fails with no model loaded: the generates waiting for it get no-model saying why', async () => {
    const s = session();
    const a = new SessionClient(s, 'A');
    const b = new SessionClient(s, 'B');
    // Nothing loaded or loading: refused at once, as before.
    await b.send({ type: 'generate', id: 'g0', request: SHORT });
    expect(b.forId('g0')).toEqual([{ type: 'error', id: 'g0', code: 'no-model', message: 'No model is loaded.', hint: expect.stringMatching(/load/i) }]);

    const loading = a.send({ type: 'load', id: 'bad', model: { kind: 'dir', path: 'broken' } });
    const generating = b.send({ type: 'generate', id: 'g1', request: SHORT });
    expect(b.forId('g1')).toEqual([{ type: 'queued', id: 'g1', position: 1, reason: 'model-loading' }]);
    await loading;
    await generating;
    const err = await a.next(isEnd('bad'), 1000, true);
    expect(err).toMatchObject({ type: 'error', code: 'load-failed', model: null });
    const noModel = await b.next(isDone('g1'), 1000, true);
    expect(noModel).toMatchObject({ type: 'error', code: 'no-model', message: expect.stringContaining('config.json') });
    if (noModel.type === 'error' && err.type === 'error') expect(noModel.message).toContain(err.message);
    expect(b.lastState()).toMatchObject({ phase: 'idle', queued: 0 });
    a.close();
    b.close();
  }, 240_000);
});
