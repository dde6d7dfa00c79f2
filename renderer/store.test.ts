import { describe, expect, it } from 'vitest';
import type { GenerateEvent, ModelInfo, Timings } from '../protocol/engine.ts';
import { afterEach, vi } from 'vitest';
import type { ClientMessage, HostMessage, HostState } from './protocol.ts';
import { BUSY_RETRY_MS, createAppStore, enginePhase, rankedGroups, selectedText } from './store.ts';
import { DEFAULT_SETTINGS, SETTINGS_KEY } from './settings.ts';
import { NotConnectedError } from './transport.ts';

const model: ModelInfo = {
  name: 'tiny',
  architecture: 'llama',
  parameters: 1e6,
  layers: 2,
  hidden: 64,
  heads: 4,
  kvHeads: 2,
  vocab: 100,
  contextLength: 512,
  dtype: 'f32',
  weights: 'f32 100%',
  device: 'lavapipe',
  fim: false,
};
const timings: Timings = { prefillMs: 1, decodeMs: 2, steps: 2, msPerStep: 1, tokensPerSecond: 9, promptTokens: 3, kvBytesPerStep: 1, kvBytesPerStepOther: 2 };
/** A host state: ready with `model` unless told otherwise. */
const hostState = (patch: Partial<HostState> = {}): HostState => ({ phase: 'ready', model, device: 'lavapipe', loading: null, generating: false, queued: 0, ...patch });
const IDLE = hostState({ phase: 'idle', model: null });
/** A status reply from a host that knows `state` (busy as the host derives it). */
const status = (state: HostState, id = 'x'): HostMessage => ({ type: 'status', id, model: state.model, device: state.device, busy: state.phase === 'loading' || state.phase === 'compiling' || state.generating, state });
const prompt = { prefix: 'function f() {\n  ', suffix: '\n}\n', fileName: 'a.ts' };

function setup(opts: { reset?: (keyof typeof DEFAULT_SETTINGS)[]; connected?: boolean } = {}) {
  const sent: ClientMessage[] = [];
  const stored = new Map<string, string>();
  let connected = opts.connected ?? true;
  const syntaxCalls: unknown[] = [];
  const store = createAppStore({
    transport: {
      send(m) {
        if (!connected) throw new NotConnectedError('not connected to the engine host at ws://x/ws');
        sent.push(m);
      },
    },
    storage: { setItem: (k, v) => void stored.set(k, v) },
    initialSettings: { settings: { ...DEFAULT_SETTINGS, n: 3 }, reset: opts.reset ?? [] },
    checkSyntax: async (req) => {
      syntaxCalls.push(req);
      return new Map(req.texts.map((t) => [t, t.includes('(')] as const));
    },
    newSeed: () => 42,
  });
  const s = () => store.getState();
  const connect = () => {
    connected = true;
    s().setConnection({ kind: 'open' });
  };
  return { store, s, sent, stored, syntaxCalls, connect, disconnect: () => (connected = false) };
}

/** Connects, answers status with a loaded model, generates, returns the generate id. */
function ready(h: ReturnType<typeof setup>) {
  h.connect();
  h.s().receive(status(hostState()));
  h.s().generate(prompt);
  const gen = h.sent.find((m) => m.type === 'generate');
  if (!gen) throw new Error('no generate sent');
  return gen.id;
}

describe('store: connection and model', () => {
  it('asks for status on connect and loads the chosen model when none is loaded', () => {
    const h = setup();
    h.s().updateSettings({ model: 'models/small' });
    h.connect();
    expect(h.sent[0]).toMatchObject({ type: 'status' });
    h.s().receive(status(IDLE, h.sent[0]!.id));
    const load = h.sent[1]!;
    expect(load).toEqual({ type: 'load', id: load.id, model: { kind: 'dir', path: 'models/small' } });
    expect(h.s().device).toBe('lavapipe');
    h.s().receive({ type: 'progress', id: load.id, progress: { file: 'model.safetensors', bytesDone: 5, bytesTotal: 10 } });
    expect(h.s().loading?.progress?.bytesDone).toBe(5);
    h.s().receive({ type: 'loaded', id: load.id, model });
    expect(h.s().loading).toBeNull();
    expect(h.s().model).toBe(model);
  });

  it('shows a load failure with its hint and clears the progress bar', () => {
    const h = setup();
    h.connect();
    h.s().receive(status(IDLE));
    const load = h.sent[1]!;
    h.s().receive({ type: 'error', id: load.id, code: 'load-failed', message: 'config.json missing', hint: 'Pick a Hugging Face model folder.' });
    expect(h.s().loading).toBeNull();
    expect(h.s().errors.at(-1)).toMatchObject({ code: 'load-failed', hint: 'Pick a Hugging Face model folder.' });
    expect(h.s().model).toBeNull();
  });

  it('keeps the previous model when the host says it is still loaded after a refused folder', () => {
    const h = setup();
    h.connect();
    const model2 = { name: 'm', architecture: 'llama', parameters: 1, layers: 1, hidden: 8, heads: 1, kvHeads: 1, vocab: 9, contextLength: 16, dtype: 'f32', weights: 'f32 100%', device: 'd', fim: false };
    h.s().receive(status(hostState({ model: model2 })));
    h.s().updateSettings({ model: 'broken' });
    h.s().loadModel();
    const load = h.sent.filter((m) => m.type === 'load').at(-1)!;
    h.s().receive({ type: 'error', id: load.id, code: 'load-failed', message: 'config.json missing', hint: 'm is still loaded.', model: model2 });
    expect(h.s().loading).toBeNull();
    expect(h.s().model).toEqual(model2);
    h.s().updateSettings({ model: 'broken2' });
    h.s().loadModel();
    const load2 = h.sent.filter((m) => m.type === 'load').at(-1)!;
    h.s().receive({ type: 'error', id: load2.id, code: 'load-failed', message: 'truncated', hint: 'No model is loaded now.', model: null });
    expect(h.s().model).toBeNull();
  });

  it('does not load while the host is busy, and explains an empty model field', () => {
    const h = setup();
    h.connect();
    h.s().receive(status(hostState({ phase: 'loading', model: null, loading: { model: '/m/other', progress: null } })));
    expect(h.sent.filter((m) => m.type === 'load')).toHaveLength(0);
    h.s().updateSettings({ model: '  ' });
    h.s().loadModel();
    expect(h.sent.filter((m) => m.type === 'load')).toHaveLength(0);
    expect(h.s().errors.at(-1)).toMatchObject({ code: 'no-model-chosen' });
  });

  it('reports invalid saved settings once at start', () => {
    const h = setup({ reset: ['n'] });
    expect(h.s().errors).toHaveLength(1);
    expect(h.s().errors[0]!.message).toContain('n');
  });

  it('persists settings changes', () => {
    const h = setup();
    h.s().updateSettings({ temperature: 0.3 });
    expect(JSON.parse(h.stored.get(SETTINGS_KEY)!)).toMatchObject({ temperature: 0.3, n: 3 });
  });
});

describe('store: generate lifecycle', () => {
  it('refuses to generate without a connection or a model, saying what to do', () => {
    const h = setup({ connected: false });
    h.s().generate(prompt);
    expect(h.sent).toHaveLength(0);
    expect(h.s().errors.at(-1)).toMatchObject({ code: 'not-connected' });
    h.connect();
    h.s().receive(status(IDLE, h.sent[0]!.id));
    h.s().receive({ type: 'error', id: h.sent.find((m) => m.type === 'load')!.id, code: 'load-failed', message: 'x', hint: 'y', model: null });
    h.s().generate(prompt);
    expect(h.s().errors.at(-1)).toMatchObject({ code: 'no-model' });
    expect(h.s().run).toBeNull();
  });

  it('before the host has said what it does, the panel does not claim "no model", and Ctrl+Enter waits', () => {
    const h = setup();
    h.connect();
    expect(enginePhase(h.s())).toBe('connecting');
    h.s().generate(prompt);
    expect(h.s().run?.waiting).toEqual({ reason: 'model-loading', position: 0 });
    expect(h.s().errors).toEqual([]);
    h.s().receive({ type: 'state', state: hostState() });
    expect(enginePhase(h.s())).toBe('ready');
  });

  it('sends the request built from settings and folds events into ranked candidates', () => {
    const h = setup();
    const id = ready(h);
    expect(h.sent.at(-1)).toEqual({
      type: 'generate',
      id,
      request: { prefix: prompt.prefix, suffix: prompt.suffix, n: 3, maxTokens: 64, temperature: 0.8, topP: 0.95, topK: 0, seed: 42, stop: 'line', stopStrings: [], attention: 'bifurcated', minTokens: 1, context: [], contextTokens: 512, fileName: 'a.ts' },
    });
    expect(h.s().run?.status).toBe('generating');
    const ev = (event: GenerateEvent) => h.s().receive({ type: 'event', id, event });
    ev({ type: 'token', sample: 0, token: 1, text: 'return 1;', logprob: -2 });
    expect(h.s().run?.candidates[0]?.text).toBe('return 1;');
    ev({ type: 'finish', sample: 0, reason: 'line', text: 'return 1;', tokens: 1, sumLogprob: -2 });
    ev({ type: 'finish', sample: 1, reason: 'line', text: 'return  1;', tokens: 1, sumLogprob: -3 });
    ev({ type: 'finish', sample: 2, reason: 'line', text: 'return g();', tokens: 2, sumLogprob: -1 });
    // Events for another request are ignored.
    h.s().receive({ type: 'event', id: 'other', event: { type: 'done', timings, cancelled: false } });
    expect(h.s().run?.status).toBe('generating');
    // Progressive: the finished samples are ranked while the run still decodes.
    expect(rankedGroups(h.s()).map((g) => g.text)).toEqual(['return g();', 'return 1;']);
    ev({ type: 'done', timings, cancelled: false });
    expect(h.s().run?.status).toBe('done');
    expect(h.s().panelActive).toBe(true);
    expect(h.s().lastTimings).toEqual({ timings, attention: 'bifurcated' });
    expect(rankedGroups(h.s()).map((g) => [g.text, g.count])).toEqual([
      ['return g();', 1],
      ['return 1;', 2],
    ]);
    h.s().moveSelection(1);
    expect(selectedText(h.s())).toBe('return 1;');
    h.s().moveSelection(1);
    expect(selectedText(h.s())).toBe('return g();'); // wraps
    h.s().updateSettings({ rerank: 'agreement' });
    expect(selectedText(h.s())).toBe('return 1;');
  });

  it('receiveAll folds a batch into the same state as receiving its messages one by one, with one update per run of token events', () => {
    const msgs = (id: string): HostMessage[] => [
      { type: 'event', id, event: { type: 'start', promptTokens: 3, truncated: false, fim: true } },
      { type: 'event', id, event: { type: 'token', sample: 0, token: 1, text: 'return', logprob: -1 } },
      { type: 'event', id, event: { type: 'token', sample: 1, token: 2, text: 'x', logprob: -2 } },
      { type: 'event', id: 'other', event: { type: 'token', sample: 0, token: 2, text: 'ignored', logprob: -2 } },
      { type: 'event', id, event: { type: 'token', sample: 0, token: 3, text: ' 1;', logprob: -0.5 } },
      { type: 'event', id, event: { type: 'finish', sample: 0, reason: 'line', text: 'return 1;', tokens: 2, sumLogprob: -1.5 } },
      { type: 'event', id, event: { type: 'finish', sample: 1, reason: 'eos', text: 'x', tokens: 1, sumLogprob: -2 } },
      { type: 'event', id, event: { type: 'finish', sample: 2, reason: 'eos', text: '', tokens: 0, sumLogprob: 0 } },
      { type: 'event', id, event: { type: 'done', timings, cancelled: false } },
    ];
    const one = setup();
    const id1 = ready(one);
    for (const m of msgs(id1)) one.s().receive(m);
    const all = setup();
    const id2 = ready(all);
    let updates = 0;
    all.store.subscribe(() => updates++);
    all.s().receiveAll(msgs(id2));
    const strip = (h: ReturnType<typeof setup>) => ({ ...h.s().run!, id: '' });
    expect(strip(all)).toEqual(strip(one));
    expect(all.s().panelActive).toBe(one.s().panelActive);
    expect(rankedGroups(all.s()).map((g) => g.text)).toEqual(['return 1;', 'x']);
    // start..token..token folded into one update, then one per other message (and the done's own updates).
    expect(updates).toBeLessThan(msgs(id2).length);
  });

  it('runs the syntax check for parses-first and re-ranks with its result', async () => {
    const h = setup();
    const id = ready(h);
    h.s().receive({ type: 'event', id, event: { type: 'finish', sample: 0, reason: 'line', text: 'return g();', tokens: 1, sumLogprob: -0.1 } });
    h.s().receive({ type: 'event', id, event: { type: 'finish', sample: 1, reason: 'line', text: 'return 1;', tokens: 1, sumLogprob: -3 } });
    h.s().receive({ type: 'event', id, event: { type: 'done', timings, cancelled: false } });
    expect(h.syntaxCalls).toHaveLength(0);
    h.s().updateSettings({ rerank: 'parses' });
    expect(h.s().syntax.status).toBe('checking');
    expect(h.syntaxCalls[0]).toMatchObject({ ext: 'ts', prefix: prompt.prefix, suffix: prompt.suffix });
    await Promise.resolve();
    expect(h.s().syntax.status).toBe('done');
    // The fake checker says texts with "(" add errors.
    expect(rankedGroups(h.s()).map((g) => [g.text, g.addsSyntaxErrors])).toEqual([
      ['return 1;', false],
      ['return g();', true],
    ]);
  });

  it('cancel sends cancel for the running request; the cancelled run keeps its partial text', () => {
    const h = setup();
    const id = ready(h);
    h.s().receive({ type: 'event', id, event: { type: 'token', sample: 2, token: 1, text: 'par', logprob: -1 } });
    h.s().cancel();
    expect(h.sent.at(-1)).toEqual({ type: 'cancel', id });
    h.s().receive({ type: 'event', id, event: { type: 'done', timings, cancelled: true } });
    expect(h.s().run?.status).toBe('cancelled');
    expect(rankedGroups(h.s()).map((g) => g.text)).toEqual(['par']);
  });

  it('a request error fails the run with the host hint', () => {
    const h = setup();
    const id = ready(h);
    h.s().receive({ type: 'error', id, code: 'generate-failed', message: 'needs 9 GiB', hint: 'Lower n or max tokens.' });
    expect(h.s().run?.status).toBe('error');
    expect(h.s().errors.at(-1)).toMatchObject({ code: 'generate-failed', hint: 'Lower n or max tokens.' });
  });

  it('losing the connection mid-run fails it, keeps the text, and re-asks status on reconnect', () => {
    const h = setup();
    const id = ready(h);
    h.s().receive({ type: 'event', id, event: { type: 'token', sample: 0, token: 1, text: 'abc', logprob: -1 } });
    h.s().setConnection({ kind: 'closed', reason: 'gone', retryInMs: 500, attempts: 1 });
    expect(h.s().run?.status).toBe('error');
    expect(h.s().run?.candidates[0]?.text).toBe('abc');
    const before = h.sent.length;
    h.connect();
    expect(h.sent.slice(before)).toEqual([expect.objectContaining({ type: 'status' })]);
  });

  it('a send failure becomes a visible error instead of an exception', () => {
    const h = setup();
    ready(h);
    h.disconnect();
    expect(() => h.s().cancel()).not.toThrow();
    expect(h.s().errors.at(-1)?.code).toBe('not-connected');
  });
});

describe('store: the host state (readiness)', () => {
  afterEach(() => vi.useRealTimers());

  it("shows another page's load with its progress, and is ready only when the host says so", () => {
    const h = setup();
    h.connect();
    const loading = hostState({ phase: 'loading', model: null, loading: { model: '/pkg/models/m', progress: { file: 'model.safetensors', bytesDone: 3, bytesTotal: 12 } } });
    h.s().receive({ type: 'state', state: loading });
    expect(enginePhase(h.s())).toBe('loading');
    expect(h.s().loading).toMatchObject({ id: null, model: '/pkg/models/m', progress: { bytesDone: 3 } });
    // The status reply says a load runs: this page does not start a second one.
    h.s().receive(status(loading, h.sent[0]!.id));
    expect(h.sent.filter((m) => m.type === 'load')).toHaveLength(0);
    h.s().receive({ type: 'state', state: hostState({ phase: 'compiling', model: null, loading: { model: '/pkg/models/m', progress: null } }) });
    expect(enginePhase(h.s())).toBe('compiling');
    expect(h.s().model).toBeNull();
    h.s().receive({ type: 'state', state: hostState() });
    expect(enginePhase(h.s())).toBe('ready');
    expect(h.s().loading).toBeNull();
    expect(h.s().model).toBe(model);
    expect(h.s().errors).toEqual([]);
  });

  it("keeps this page's load in flight until its loaded event, whatever state arrives first", () => {
    const h = setup();
    h.connect();
    h.s().receive(status(IDLE, h.sent[0]!.id));
    const load = h.sent.find((m) => m.type === 'load')!;
    // A state sent before the host took the load (still idle) must not end it.
    h.s().receive({ type: 'state', state: IDLE });
    expect(enginePhase(h.s())).toBe('loading');
    h.s().receive({ type: 'progress', id: load.id, progress: { file: 'model.safetensors', bytesDone: 0, bytesTotal: 0, phase: 'compile' } });
    expect(enginePhase(h.s())).toBe('compiling');
    h.s().receive({ type: 'loaded', id: load.id, model });
    h.s().receive({ type: 'state', state: hostState() });
    expect(enginePhase(h.s())).toBe('ready');
  });

  it('Ctrl+Enter before the model is ready is sent and waits, then runs: never an error', () => {
    const h = setup();
    h.connect();
    h.s().receive(status(hostState({ phase: 'compiling', model: null, loading: { model: 'm', progress: null } }), h.sent[0]!.id));
    h.s().generate(prompt);
    const gen = h.sent.find((m) => m.type === 'generate');
    expect(gen).toBeDefined();
    expect(h.s().errors).toEqual([]);
    expect(h.s().run).toMatchObject({ status: 'generating', waiting: { reason: 'model-loading' } });
    h.s().receive({ type: 'queued', id: gen!.id, position: 1, reason: 'model-loading' });
    expect(h.s().run?.waiting).toEqual({ reason: 'model-loading', position: 1 });
    h.s().receive({ type: 'state', state: hostState({ generating: true }) });
    h.s().receive({ type: 'event', id: gen!.id, event: { type: 'start', promptTokens: 5, truncated: false, fim: false } });
    expect(h.s().run?.waiting).toBeUndefined();
    h.s().receive({ type: 'event', id: gen!.id, event: { type: 'finish', sample: 0, reason: 'line', text: 'return 1;', tokens: 2, sumLogprob: -1 } });
    h.s().receive({ type: 'event', id: gen!.id, event: { type: 'done', timings, cancelled: false } });
    expect(rankedGroups(h.s()).map((g) => g.text)).toEqual(['return 1;']);
    expect(h.s().errors).toEqual([]);
  });

  it('generating with nothing loaded and nothing loading says what to do', () => {
    const h = setup();
    h.connect();
    h.s().receive({ type: 'state', state: IDLE });
    h.s().generate(prompt);
    expect(h.sent.filter((m) => m.type === 'generate')).toHaveLength(0);
    expect(h.s().errors.at(-1)).toMatchObject({ code: 'no-model', hint: expect.stringContaining('Settings') });
  });

  it('a host that refuses as busy is asked again; busy is never shown; cancel while waiting ends the run', () => {
    vi.useFakeTimers();
    const h = setup();
    const id = ready(h);
    h.s().receive({ type: 'error', id, code: 'busy', message: 'Another request is running.', hint: 'Cancel it or wait.' });
    expect(h.s().errors).toEqual([]);
    expect(h.s().run).toMatchObject({ status: 'generating', waiting: { reason: 'queue' } });
    const count = () => h.sent.filter((m) => m.type === 'generate' && m.id === id).length;
    expect(count()).toBe(1);
    vi.advanceTimersByTime(BUSY_RETRY_MS);
    expect(count()).toBe(2);
    h.s().receive({ type: 'error', id, code: 'busy', message: 'Another request is running.', hint: 'Cancel it or wait.' });
    h.s().cancel();
    expect(h.s().run?.status).toBe('cancelled');
    vi.advanceTimersByTime(BUSY_RETRY_MS * 3);
    expect(count()).toBe(2);
    expect(h.s().errors).toEqual([]);
  });

  it('an older host without state still gets the chosen model loaded', () => {
    const h = setup();
    h.connect();
    h.s().receive({ type: 'status', id: h.sent[0]!.id, model: null, device: 'gpu', busy: false } as unknown as HostMessage);
    expect(h.sent.filter((m) => m.type === 'load')).toHaveLength(1);
  });
});

describe('store: the model setting', () => {
  it('a folder that fails to load is not saved; one that loads is', () => {
    const h = setup();
    h.connect();
    h.s().receive(status(hostState()));
    h.s().loadModel('/no/such/folder');
    const bad = h.sent.filter((m) => m.type === 'load').at(-1)!;
    expect(bad).toMatchObject({ model: { kind: 'dir', path: '/no/such/folder' } });
    expect(h.s().settings.model).toBe(DEFAULT_SETTINGS.model);
    h.s().receive({ type: 'error', id: bad.id, code: 'load-failed', message: 'No such folder on the host: /no/such/folder.', hint: 'tiny is still loaded.', model });
    expect(h.s().settings.model).toBe(DEFAULT_SETTINGS.model);
    expect(h.stored.get(SETTINGS_KEY) ?? '').not.toContain('/no/such/folder');
    h.s().loadModel(' models/other ');
    const good = h.sent.filter((m) => m.type === 'load').at(-1)!;
    h.s().receive({ type: 'loaded', id: good.id, model });
    expect(h.s().settings.model).toBe('models/other');
    expect(JSON.parse(h.stored.get(SETTINGS_KEY)!)).toMatchObject({ model: 'models/other' });
  });
});


describe('store: suggestions as you type', () => {
  const typed = { prefix: 'function f() {\n  retu', suffix: '\n}\n', fileName: 'a.ts' };
  /** Connected to a ready host on `device`; returns the generate messages sent so far, on demand. */
  function readyHost(device = 'llvmpipe (LLVM 19.1.7, 256 bits)') {
    const h = setup();
    h.connect();
    h.s().receive(status(hostState({ device })));
    const gens = () => h.sent.filter((m): m is Extract<ClientMessage, { type: 'generate' }> => m.type === 'generate');
    return { h, gens };
  }

  it('an automatic request takes the device n, single-line stopping (block after an opener) and no minTokens', () => {
    const { h, gens } = readyHost();
    h.s().generate(typed, { auto: true });
    expect(gens().at(-1)!.request).toMatchObject({ n: 8, stop: 'line', minTokens: 0 });
    expect(h.s().runKind).toBe('auto');
    h.s().generate({ ...typed, prefix: 'function f() {' }, { auto: true });
    expect(gens().at(-1)!.request).toMatchObject({ n: 8, stop: 'block' });
    h.s().updateSettings({ autoN: 3 });
    h.s().generate(typed, { auto: true });
    expect(gens().at(-1)!.request.n).toBe(3);

    const gpu = readyHost('NVIDIA GeForce RTX 4090');
    gpu.h.s().generate(typed, { auto: true });
    expect(gpu.gens().at(-1)!.request.n).toBe(32);
  });

  it('a newer request replaces a running automatic one; an automatic one never interrupts Ctrl+Enter', () => {
    const { h, gens } = readyHost();
    h.s().generate(typed, { auto: true });
    const first = gens().at(-1)!.id;
    h.s().generate({ ...typed, prefix: typed.prefix + 'r' }, { auto: true });
    expect(h.sent.find((m) => m.type === 'cancel')).toEqual({ type: 'cancel', id: first });
    const second = gens().at(-1)!.id;
    expect(second).not.toBe(first);
    expect(h.s().run?.id).toBe(second);
    // The superseded run's events are ignored.
    h.s().receive({ type: 'event', id: first, event: { type: 'finish', sample: 0, reason: 'line', text: 'old', tokens: 1, sumLogprob: -1 } });
    expect(rankedGroups(h.s())).toEqual([]);

    h.s().generate(prompt); // Ctrl+Enter
    const explicit = gens().at(-1)!;
    expect(explicit.request).toMatchObject({ n: 3, minTokens: 1 });
    expect(h.s().runKind).toBe('explicit');
    h.s().generate(typed, { auto: true });
    expect(gens().at(-1)!.id).toBe(explicit.id);
  });

  it('automatic requests are silent while the engine is not ready', () => {
    const h = setup({ connected: false });
    h.s().generate(typed, { auto: true });
    h.connect();
    h.s().receive(status(hostState({ phase: 'loading', model: null })));
    h.s().generate(typed, { auto: true });
    expect(h.sent.filter((m) => m.type === 'generate')).toHaveLength(0);
    expect(h.s().errors).toEqual([]);
  });

  it('ranks finished samples as they arrive; the ghost text fits the cursor as the user types through it', () => {
    const { h, gens } = readyHost();
    h.s().generate(typed, { auto: true });
    const id = gens().at(-1)!.id;
    const ev = (event: GenerateEvent) => h.s().receive({ type: 'event', id, event });
    expect(h.s().suggestionsAt(typed.prefix, typed.suffix)).toEqual([]);
    ev({ type: 'finish', sample: 3, reason: 'line', text: 'rn n;', tokens: 2, sumLogprob: -1 });
    // One sample finished, seven still decoding: already a suggestion.
    expect(h.s().run?.status).toBe('generating');
    expect(h.s().suggestionsAt(typed.prefix, typed.suffix)).toEqual(['rn n;']);
    ev({ type: 'finish', sample: 5, reason: 'line', text: 'rn fib(n - 1);', tokens: 5, sumLogprob: -0.5 });
    expect(h.s().suggestionsAt(typed.prefix, typed.suffix)).toEqual(['rn fib(n - 1);', 'rn n;']);
    expect(h.s().suggestionsAt(typed.prefix + 'rn f', typed.suffix)).toEqual(['ib(n - 1);']);
    expect(h.s().suggestionsAt(typed.prefix + 'rx', typed.suffix)).toEqual([]);
    // The auto run does not take Enter from the editor.
    ev({ type: 'done', timings, cancelled: false });
    expect(h.s().panelActive).toBe(false);
  });

  it('a finished run is reused when the cursor comes back to its prompt; a cancelled sample is not', () => {
    const { h, gens } = readyHost();
    h.s().generate(typed, { auto: true });
    let id = gens().at(-1)!.id;
    h.s().receive({ type: 'event', id, event: { type: 'finish', sample: 0, reason: 'line', text: 'rn n;', tokens: 2, sumLogprob: -1 } });
    h.s().receive({ type: 'event', id, event: { type: 'finish', sample: 1, reason: 'cancelled', text: 'rn fi', tokens: 2, sumLogprob: -0.1 } });
    h.s().receive({ type: 'event', id, event: { type: 'done', timings, cancelled: true } });
    // Elsewhere: another request replaces the run...
    const other = { ...typed, prefix: 'const x = ' };
    h.s().generate(other, { auto: true });
    id = gens().at(-1)!.id;
    h.s().receive({ type: 'event', id, event: { type: 'finish', sample: 0, reason: 'line', text: '1;', tokens: 1, sumLogprob: -1 } });
    h.s().receive({ type: 'event', id, event: { type: 'done', timings, cancelled: false } });
    // ...and back at the first prompt its finished suggestion shows without a request.
    const before = gens().length;
    expect(h.s().suggestionsAt(typed.prefix, typed.suffix)).toEqual(['rn n;']);
    expect(h.s().suggestionsAt(typed.prefix + 'r', typed.suffix)).toEqual(['n n;']);
    expect(gens().length).toBe(before);
  });

  it('dropAuto cancels a running automatic run and clears it; it leaves an explicit run alone', () => {
    const { h, gens } = readyHost();
    h.s().generate(typed, { auto: true });
    const id = gens().at(-1)!.id;
    h.s().dropAuto();
    expect(h.sent.at(-1)).toEqual({ type: 'cancel', id });
    expect(h.s().run).toBeNull();
    h.s().generate(prompt);
    h.s().dropAuto();
    expect(h.s().run?.status).toBe('generating');
  });

  it('accepting the whole ghost text ends the run: its cards clear (a running one is cancelled)', () => {
    const h = setup();
    const id = ready(h);
    h.s().receive({ type: 'event', id, event: { type: 'finish', sample: 0, reason: 'line', text: 'return 1;', tokens: 1, sumLogprob: -1 } });
    h.s().receive({ type: 'event', id, event: { type: 'done', timings, cancelled: false } });
    expect(rankedGroups(h.s())).toHaveLength(1);
    expect(h.s().panelActive).toBe(true);
    h.s().acceptedSuggestion();
    expect(h.s().run).toBeNull();
    expect(rankedGroups(h.s())).toEqual([]);
    expect(h.s().panelActive).toBe(false);

    h.s().generate(prompt);
    const id2 = h.sent.filter((m) => m.type === 'generate').at(-1)!.id;
    h.s().acceptedSuggestion();
    expect(h.sent.at(-1)).toEqual({ type: 'cancel', id: id2 });
    expect(h.s().run).toBeNull();
  });

  it('loading a model drops a running automatic request instead of refusing', () => {
    const { h, gens } = readyHost();
    h.s().generate(typed, { auto: true });
    const id = gens().at(-1)!.id;
    h.s().loadModel('models/other');
    expect(h.sent.some((m) => m.type === 'cancel' && m.id === id)).toBe(true);
    expect(h.sent.at(-1)).toMatchObject({ type: 'load' });
    expect(h.s().errors).toEqual([]);
  });
});

describe('store: tabs and context from other files', () => {
  const lib = Array.from({ length: 10 }, (_, i) => `export const k${i} = ${i};`).join('\n');

  it('adds tabs after the active one with free untitled names, renames and closes them; one tab always stays', () => {
    const h = setup();
    const first = h.s().activeTab;
    expect(h.s().tabs.map((t) => t.name)).toEqual(['untitled.ts']);
    const second = h.s().addTab();
    expect(h.s().tabs.map((t) => t.name)).toEqual(['untitled.ts', 'untitled-2.ts']);
    expect(h.s().activeTab).toBe(second);
    h.s().setFile({ name: 'math.ts', path: '/p/math.ts' });
    expect(h.s().tabs[1]).toMatchObject({ name: 'math.ts', path: '/p/math.ts' });
    expect(h.s().file).toEqual({ name: 'math.ts', path: '/p/math.ts' });
    expect(h.s().closeTab(second)).toBe(first);
    expect(h.s().file).toEqual({ name: 'untitled.ts' });
    const last = h.s().closeTab(first);
    expect(h.s().tabs).toHaveLength(1);
    expect(h.s().tabs[0]).toMatchObject({ id: last, name: 'untitled.ts', dirty: false });
  });

  it('starts from the draft\'s tabs', () => {
    const store = createAppStore({
      transport: { send() {} },
      storage: { setItem() {} },
      initialSettings: { settings: DEFAULT_SETTINGS, reset: [] },
      checkSyntax: async () => new Map(),
      initialTabs: [{ name: 'a.ts' }, { name: 'b.py', path: '/x/b.py', dirty: true }],
      initialActive: 1,
    });
    expect(store.getState().tabs.map((t) => [t.name, t.dirty])).toEqual([['a.ts', false], ['b.py', true]]);
    expect(store.getState().file).toEqual({ name: 'b.py', path: '/x/b.py' });
  });

  it('leaving a tab cancels its run and clears its cards', () => {
    const h = setup();
    const id = ready(h);
    const other = h.s().addTab();
    expect(h.sent.at(-1)).toEqual({ type: 'cancel', id });
    expect(h.s().run).toBeNull();
    expect(h.s().activeTab).toBe(other);
  });

  it("sends chunks of the other tabs with each request, within the setting's budget; never the current tab's", () => {
    const h = setup();
    const first = h.s().activeTab;
    h.s().pickContext(first, lib, 0);
    h.connect();
    h.s().receive(status(hostState()));
    h.s().generate(prompt);
    let gen = h.sent.filter((m) => m.type === 'generate').at(-1)!;
    // The chunk is from this very tab: nothing to send.
    expect(gen.type === 'generate' && gen.request.context).toEqual([]);
    const main = h.s().addTab({ name: 'main.ts' });
    h.s().generate({ ...prompt, fileName: 'main.ts' });
    gen = h.sent.filter((m) => m.type === 'generate').at(-1)!;
    if (gen.type !== 'generate') throw new Error('no generate');
    expect(gen.request.context).toEqual([{ name: 'untitled.ts', text: lib }]);
    expect(gen.request.contextTokens).toBe(DEFAULT_SETTINGS.contextTokens);
    expect(gen.request.fileName).toBe('main.ts');
    h.s().updateSettings({ contextTokens: 0 });
    h.s().activateTab(first); // ends the running request (a second explicit one would be ignored)
    h.s().activateTab(main);
    h.s().generate({ ...prompt, fileName: 'main.ts' });
    const off = h.sent.filter((m) => m.type === 'generate').at(-1)!;
    expect(off.type === 'generate' && off.request.context).toEqual([]);
  });

  it('the seed setting fixes every request\'s seed; -1 draws a new one', () => {
    const h = setup();
    h.connect();
    h.s().receive(status(hostState()));
    h.s().updateSettings({ seed: 7 });
    h.s().generate(prompt);
    const gen = h.sent.filter((m) => m.type === 'generate').at(-1)!;
    expect(gen.type === 'generate' && gen.request.seed).toBe(7);
  });

  it('marks tabs dirty and clean', () => {
    const h = setup();
    const id = h.s().activeTab;
    const before = h.s().tabs;
    h.s().setTabDirty(id, false);
    expect(h.s().tabs).toBe(before); // no change, no update
    h.s().setTabDirty(id, true);
    expect(h.s().tabs[0].dirty).toBe(true);
  });
});

describe('store: the models on the engine\'s machine', () => {
  const list = {
    models: [{ name: 'qwen2.5-coder:7b', path: '/home/u/.ollama/models/blobs/sha256-ab', bytes: 4.7e9, source: 'ollama' as const, architecture: 'qwen2', quantization: 'Q4_K_M', parameters: 7.6e9, splitParts: null, loadable: { ok: true as const }, error: null }],
    searched: [{ source: 'ollama' as const, path: '/home/u/.ollama/models', found: true }],
    truncated: false,
  };

  it('asks the host, keeps the previous list while it looks again, and takes only the answer to its own request', () => {
    const h = setup();
    h.connect();
    h.s().listLocalModels();
    const ask = h.sent.at(-1)!;
    expect(ask).toEqual({ type: 'list-models', id: ask.id });
    expect(h.s().localModels).toEqual({ status: 'listing', id: ask.id, list: null });
    // One listing at a time.
    h.s().listLocalModels();
    expect(h.sent.filter((m) => m.type === 'list-models')).toHaveLength(1);
    h.s().receive({ type: 'models', id: 'someone-else', list: { ...list, models: [] } });
    expect(h.s().localModels.status).toBe('listing');
    h.s().receive({ type: 'models', id: ask.id, list });
    expect(h.s().localModels).toEqual({ status: 'listed', list });
    h.s().listLocalModels();
    expect(h.s().localModels).toMatchObject({ status: 'listing', list });
  });

  it('shows a host that cannot list in the list itself, not as a notice; an older host too', () => {
    const h = setup();
    h.connect();
    h.s().listLocalModels();
    const id = h.sent.at(-1)!.id;
    h.s().receive({ type: 'error', id, code: 'unsupported', message: 'This host cannot list the models on its machine.', hint: 'Type the path.' });
    expect(h.s().localModels).toEqual({ status: 'failed', message: 'This host cannot list the models on its machine.', hint: 'Type the path.' });
    expect(h.s().errors).toEqual([]);
    h.s().listLocalModels();
    const again = h.sent.at(-1)!.id;
    h.s().receive({ type: 'error', id: again, code: 'bad-message', message: 'invalid message: type: must be one of load, generate, cancel, status, got "list-models"', hint: '' });
    expect(h.s().localModels).toMatchObject({ status: 'failed', message: expect.stringContaining('older than this page') });
    expect(h.s().errors).toEqual([]);
  });

  it('a lost connection or no connection ends the listing with what to do', () => {
    const h = setup();
    h.connect();
    h.s().listLocalModels();
    h.s().setConnection({ kind: 'closed', reason: 'gone', retryInMs: 500, attempts: 1 });
    expect(h.s().localModels).toMatchObject({ status: 'failed', message: expect.stringContaining('connection to the engine was lost') });
    h.disconnect();
    h.s().listLocalModels();
    expect(h.s().localModels).toMatchObject({ status: 'failed', message: expect.stringContaining('Engine not connected') });
  });

  it('loading a listed model makes its path the model setting once the host has loaded it', () => {
    const h = setup();
    h.connect();
    h.s().receive(status(hostState()));
    h.s().loadModel(list.models[0]!.path);
    const load = h.sent.at(-1)!;
    expect(load).toEqual({ type: 'load', id: load.id, model: { kind: 'dir', path: list.models[0]!.path } });
    expect(h.s().settings.model).toBe(DEFAULT_SETTINGS.model);
    h.s().receive({ type: 'loaded', id: load.id, model: { ...model, name: 'sha256-ab' } });
    expect(h.s().settings.model).toBe(list.models[0]!.path);
  });
});
