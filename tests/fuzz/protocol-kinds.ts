// Protocol frames for the fuzz suite: random JSON, text that is not JSON, wrong types, unknown types,
// huge strings, out-of-range numbers, deep nesting, odd ids and model references, and valid messages,
// each sent as one text frame to a HostConnection (receiveFrame, as the web host's WebSocket does).
// Every frame is answered as the protocol says (a bad-message error with a clear, bounded message for
// one that does not validate; status, no-model, load-failed for valid ones) and the host still answers
// `status` afterwards.
import { parseClientMessage, type HostEvent } from '../../protocol/host.ts';
import { deep, jsonText, messageProblems, type FuzzClient, type Kind, type Rand } from './harness.ts';
import { mutateJson, randomPath, setAt } from './model-kinds.ts';

export interface ProtocolCtx {
  client: FuzzClient;
  /** A folder that does not hold a model (relative paths resolve against it). */
  emptyDir: string;
  /** Generates get 'no-model' (true) or run on a loaded model (false). */
  noModel: boolean;
}

type K = Kind<ProtocolCtx>;
const kind = (name: string, frame: (rng: Rand, ctx: ProtocolCtx) => string): K => ({ name, run: (rng, ctx) => checkFrame(ctx, frame(rng, ctx)) });

/** Longest bad-message message accepted: it lists every problem of the message, so it may be longer than a load error. */
const MAX_PROTOCOL_MESSAGE = 1000;
// Generous: the first request of a kind compiles its pipelines, which on lavapipe under a loaded CI machine can take tens of seconds.
const FRAME_TIMEOUT_MS = 90_000;

/** Valid messages of each type, to start mutations from. */
export function templates(rng: Rand, ctx: ProtocolCtx): Record<string, unknown>[] {
  const id = `m${rng.int(1000)}`;
  return [
    { type: 'status', id },
    { type: 'cancel', id },
    { type: 'load', id, model: { kind: 'dir', path: rng.pick(['nope', `${ctx.emptyDir}/missing`, ctx.emptyDir]) } },
    { type: 'load', id, model: { kind: 'synthetic', name: 'tiny' } },
    {
      type: 'generate',
      id,
      request: {
        prefix: 'function f(a) {\n  return',
        suffix: '\n}',
        n: 2,
        maxTokens: 2,
        temperature: 0.8,
        topP: 0.95,
        topK: 0,
        seed: 1,
        stop: 'line',
        stopStrings: ['\n\n'],
        attention: 'bifurcated',
        minTokens: 0,
        context: [{ name: 'a.ts', text: 'export const a = 1;\n' }],
        contextTokens: 64,
        fileName: 'f.ts',
      },
    },
  ];
}

/**
 * Sends `text`; checks the replies against what the protocol promises for it (decided with
 * parseClientMessage, the host's own validator) and the messages of any error; then status.
 */
export async function checkFrame(ctx: ProtocolCtx, text: string): Promise<string[]> {
  const problems: string[] = [];
  let raw: unknown;
  let parsed: ReturnType<typeof parseClientMessage> | undefined;
  try {
    raw = JSON.parse(text);
    parsed = parseClientMessage(raw);
  } catch {
    parsed = undefined;
  }
  const sent = await ctx.client.frame(text, FRAME_TIMEOUT_MS);
  problems.push(...sent.invalid.map((s) => `unreadable reply: ${s}`));
  const replies = sent.replies;
  const show = () => JSON.stringify(replies).slice(0, 400);
  const errors = replies.filter((r): r is Extract<HostEvent, { type: 'error' }> => r.type === 'error');
  for (const e of errors) {
    // V8's JSON error quotes a few characters of the frame itself ("NaN}" is not valid JSON): the client's own text, bounded.
    const message = e.message.replace(/\(Unexpected token .{0,80}is not valid JSON\)$/s, '(Unexpected token …)');
    problems.push(...messageProblems(`${e.code} message`, message, e.code === 'bad-message' ? MAX_PROTOCOL_MESSAGE : undefined), ...messageProblems(`${e.code} hint`, e.hint));
    if (e.code === 'internal') problems.push(`an internal error: ${e.message.slice(0, 300)}`);
  }
  if (parsed === undefined) {
    const rawId = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { id?: unknown }).id : undefined;
    if (replies.length !== 1 || errors.length !== 1 || errors[0]!.code !== 'bad-message') problems.push(`an invalid frame should get one bad-message error, got ${show()}`);
    else {
      const id = errors[0]!.id;
      if (id !== null && id !== rawId) problems.push(`the error's id ${JSON.stringify(id).slice(0, 80)} is not the message's`);
      if (id !== null && id.length > 200) problems.push(`the error echoes an id of ${id.length} characters (ids are at most 200)`);
    }
  } else {
    const id = parsed.id;
    const forId = replies.filter((r) => !('id' in r) || r.id === id);
    if (forId.length !== replies.length) problems.push(`replies to other ids: ${show()}`);
    switch (parsed.type) {
      case 'status':
        if (replies.length !== 1 || replies[0]!.type !== 'status') problems.push(`status should get one status reply, got ${show()}`);
        break;
      case 'cancel':
        if (replies.length !== 0) problems.push(`a cancel of nothing should get no reply, got ${show()}`);
        break;
      case 'load': {
        const end = replies.filter((r) => r.type === 'loaded' || r.type === 'error');
        if (end.length !== 1 || end[0]!.type !== 'error' || end[0]!.code !== 'load-failed') problems.push(`a load of no model folder should fail with load-failed, got ${show()}`);
        break;
      }
      case 'generate': {
        if (ctx.noModel) {
          if (replies.length !== 1 || errors[0]?.code !== 'no-model') problems.push(`a generate without a model should get no-model, got ${show()}`);
        } else problems.push(...generateProblems(replies));
        break;
      }
    }
  }
  problems.push(...(await ctx.client.statusProblems()));
  return problems;
}

/** A generate on a loaded model ends with one done event (or a generate-failed error); every number in it is finite. */
export function generateProblems(replies: HostEvent[]): string[] {
  const out: string[] = [];
  const events = replies.flatMap((r) => (r.type === 'event' ? [r.event] : []));
  const dones = events.filter((e) => e.type === 'done');
  const failed = replies.filter((r) => r.type === 'error');
  if (failed.length) {
    for (const f of failed) if (f.type === 'error' && f.code !== 'generate-failed') out.push(`a generate failed with ${f.code}: ${f.message.slice(0, 200)}`);
    if (failed.length !== 1 || dones.length !== 0) out.push(`a failed generate should get one error and no done, got ${JSON.stringify(replies).slice(0, 400)}`);
    return out;
  }
  if (dones.length !== 1 || events.at(-1)?.type !== 'done') out.push(`a generate should end with one done event, got ${JSON.stringify(replies).slice(0, 400)}`);
  for (const e of events) {
    const nums = Object.values(e).concat(e.type === 'done' ? Object.values(e.timings) : []).filter((v) => typeof v === 'number');
    if (!nums.every(Number.isFinite)) out.push(`a ${e.type} event carries a number that is not finite: ${JSON.stringify(e).slice(0, 200)}`);
  }
  return out;
}

const OUT_OF_RANGE = [0, -1, -0, 0.5, 1.5, 257, 4097, 2 ** 31, 2 ** 53, 2 ** 64, 1e300, -1e300, 1e-300, Number.MAX_VALUE, '1', null, true, [], {}];
const GENERATE_NUMBERS = ['n', 'maxTokens', 'temperature', 'topP', 'topK', 'seed', 'minTokens', 'contextTokens'];

export const protocolKinds: K[] = [
  kind('random JSON value', (rng) => jsonText(rng.value(3))),
  kind('text that is not JSON', (rng, ctx) => {
    const valid = JSON.stringify(rng.pick(templates(rng, ctx)));
    return rng.pick([
      '',
      ' ',
      '{',
      valid.slice(0, rng.int(valid.length)),
      '\ufeff' + valid,
      valid + rng.pick([' x', ',', '}', '\u0000']),
      rng.junk(rng.range(1, 3000)),
      rng.junk(1 << 20),
      "{'type': 'status', 'id': 'x'}",
      '{"type": "status", "id": "x",}',
      '{"type": "status", "id": NaN}',
      String.fromCharCode(...Array.from({ length: 200 }, () => rng.int(0x3000))),
      '['.repeat(200_000),
    ]);
  }),
  kind('unknown or odd type', (rng) =>
    jsonText({ type: rng.pick<unknown>(['Status', 'launch', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 7, null, ['status'], { status: 1 }, rng.junk(rng.range(100, 1 << 20)), deep(100_000)]), id: 'x' }),
  ),
  kind('a field of the wrong type', (rng, ctx) => jsonText(mutateJson(rng, rng.pick(templates(rng, ctx))))),
  kind('a field missing', (rng, ctx) => {
    const t = rng.pick(templates(rng, ctx));
    const path = randomPath(rng, t, 0.9);
    return jsonText(path.length ? setAt(t, path, undefined) : {});
  }),
  kind('unknown fields, many or huge', (rng, ctx) => {
    const t = rng.pick(templates(rng, ctx)) as Record<string, unknown>;
    const target = t.type === 'generate' && rng.chance(0.5) ? (t.request as Record<string, unknown>) : t;
    const v = rng.int(3);
    if (v === 0) target[rng.junk(rng.range(1, 12))] = rng.value();
    else if (v === 1) for (let i = 0; i < rng.pick([50, 20_000]); i++) target[`${rng.junk(4)}${i}`] = rng.small();
    else target[rng.junk(rng.range(1000, 1 << 20))] = 1;
    return jsonText(t);
  }),
  kind('odd ids', (rng, ctx) => {
    const t = rng.pick(templates(rng, ctx)) as Record<string, unknown>;
    t.id = rng.pick<unknown>(['', 'x'.repeat(200), rng.junk(201), rng.junk(rng.range(1000, 1 << 20)), 7, null, {}, ['a'], '\ud800', '\u0000', ' ', deep(100_000)]);
    return jsonText(t);
  }),
  kind('generate: numbers out of range or of the wrong type', (rng, ctx) => {
    const t = templates(rng, ctx)[4] as { request: Record<string, unknown> };
    for (let i = rng.range(1, 3); i > 0; i--) t.request[rng.pick(GENERATE_NUMBERS)] = rng.pick(OUT_OF_RANGE);
    return jsonText(t);
  }),
  kind('generate: numbers as text literals (1e400, -1e400, 1e-400)', (rng, ctx) => {
    const key = rng.pick(GENERATE_NUMBERS);
    const lit = rng.pick(['1e400', '-1e400', '1e-400', '-0', '1E2', '123456789012345678901234567890']);
    return JSON.stringify(templates(rng, ctx)[4]).replace(new RegExp(`("${key}":)[^,}]+`), `$1${lit}`);
  }),
  kind('generate: huge strings and lists', (rng, ctx) => {
    const t = templates(rng, ctx)[4] as { request: Record<string, unknown> };
    const r = t.request;
    const v = rng.int(6);
    if (v === 0) r[rng.pick(['prefix', 'suffix', 'fileName'])] = rng.junk(rng.pick([300, 100_000, 1 << 20]));
    else if (v === 1) r.stopStrings = rng.pick([new Array(17).fill('x'), [rng.junk(65)], [''], [rng.junk(1 << 20)], new Array(100_000).fill('x')]);
    else if (v === 2) r.context = new Array(rng.pick([33, 100_000])).fill({ name: 'a', text: 'b' });
    else if (v === 3) r.context = [{ name: rng.junk(rng.pick([257, 1 << 20])), text: rng.junk(rng.pick([16_385, 1 << 20])) }];
    else if (v === 4) r.stop = rng.pick(['lines', rng.junk(1 << 20), 7]);
    else r.attention = rng.pick(['fast', rng.junk(1 << 20), null]);
    return jsonText(t);
  }),
  kind('deep nesting', (rng, ctx) => {
    const t = rng.pick(templates(rng, ctx));
    const path = randomPath(rng, t, 0.8);
    return jsonText(setAt(t, path.length ? path : ['extra'], deep(rng.pick([10_000, 200_000]), rng.pick(['array', 'object'] as const))));
  }),
  kind('load: odd model references', (rng) => {
    const model = rng.pick<unknown>([
      { kind: 'dir', path: '' },
      { kind: 'dir', path: rng.junk(4097) },
      { kind: 'dir', path: rng.junk(rng.range(300, 4096)) },
      { kind: 'dir', path: 7 },
      { kind: 'dir' },
      { kind: 'url', url: 'file:///etc/passwd' },
      { kind: 'url', url: 'data:application/json,{}' },
      { kind: 'url', url: rng.junk(3000) },
      { kind: 'url', url: 'http://127.0.0.1:1/' + rng.junk(rng.range(1, 2000)) },
      { kind: 'synthetic', name: rng.junk(rng.range(1, 100_000)) },
      { kind: 'hf', repo: 'x' },
      { kind: rng.junk(100_000) },
      { path: '/' },
      'models/tiny',
      null,
      [],
      { kind: 'dir', path: '/', extra: 1 },
    ]);
    return jsonText({ type: 'load', id: `l${rng.int(100)}`, model });
  }),
  kind('load: valid references to no model folder', (rng, ctx) =>
    jsonText({ type: 'load', id: 'l', model: { kind: 'dir', path: rng.pick(['.', 'nope', '../nope', ctx.emptyDir, `${ctx.emptyDir}/${rng.junk(rng.range(1, 200))}`, '\u0000', ' ', rng.junk(rng.range(300, 4000))]) } }),
  ),
  kind('prototype keys', (rng) =>
    rng.pick([
      '{"type":"status","id":"p","__proto__":{"type":"load"}}',
      '{"__proto__":{"type":"status","id":"p"}}',
      '{"type":"status","id":"p","constructor":{"prototype":{"x":1}}}',
      '{"type":"generate","id":"p","request":{"prefix":"x","__proto__":{"n":1000}}}',
      '{"type":"load","id":"p","model":{"kind":"dir","path":"x","__proto__":{"kind":"url"}}}',
    ]),
  ),
  kind('valid messages', (rng, ctx) => {
    const t = rng.pick(templates(rng, ctx)) as Record<string, unknown>;
    if (t.type === 'generate' && rng.chance(0.5)) t.request = { prefix: rng.pick(['', 'x', '<|endoftext|>', '\ud800']) };
    return JSON.stringify(t);
  }),
];
