import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST } from './engine.ts';
import { parseClientFrame, parseClientMessage, parseHostEvent, ProtocolError, type HostEvent } from './host.ts';

/** The ProtocolError thrown by parsing `raw`. */
function issuesOf(raw: unknown): ProtocolError {
  try {
    parseClientMessage(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

const gen = (request: Record<string, unknown>) => ({ type: 'generate', id: 'r1', request: { prefix: 'def f(', ...request } });

describe('parseClientMessage', () => {
  it('fills every generate default from DEFAULT_REQUEST', () => {
    const m = parseClientMessage(gen({}));
    expect(m).toEqual({ type: 'generate', id: 'r1', request: { prefix: 'def f(', ...DEFAULT_REQUEST } });
  });

  it('keeps given values', () => {
    const request = {
      prefix: 'a',
      suffix: 'b',
      n: 256,
      maxTokens: 4096,
      temperature: 0,
      topP: 1,
      topK: 40,
      seed: -5,
      stop: 'block',
      stopStrings: ['\n\n'],
      attention: 'standard',
      minTokens: 1,
      context: [{ name: 'src/util.ts', text: 'export const x = 1;\n' }],
      contextTokens: 512,
      fileName: 'src/main.ts',
    };
    expect(parseClientMessage({ type: 'generate', id: 'x', request })).toEqual({ type: 'generate', id: 'x', request });
  });

  it.each([
    [{ n: 0 }, 'request.n: must be from 1 to 256'],
    [{ n: 257 }, 'request.n: must be from 1 to 256'],
    [{ n: 2.5 }, 'request.n: must be an integer'],
    [{ n: '4' }, 'request.n: must be a number'],
    [{ maxTokens: 0 }, 'request.maxTokens: must be from 1 to 4096'],
    [{ maxTokens: 5000 }, 'request.maxTokens: must be from 1 to 4096'],
    [{ temperature: -0.1 }, 'request.temperature: must be ≥ 0'],
    [{ temperature: 11 }, 'request.temperature: must be ≤ 10'],
    [{ topP: 0 }, 'request.topP: must be > 0 and ≤ 1'],
    [{ topP: 1.01 }, 'request.topP: must be > 0 and ≤ 1'],
    [{ topK: -1 }, 'request.topK: must be an integer ≥ 0'],
    [{ topK: 1.5 }, 'request.topK: must be an integer ≥ 0'],
    [{ stop: 'word' }, 'request.stop: must be one of line, block, none'],
    [{ attention: 'flash' }, 'request.attention: must be one of bifurcated, standard'],
    [{ stopStrings: [''] }, 'request.stopStrings.0: must not be empty'],
    [{ prefix: 3 }, 'request.prefix: must be a string'],
    [{ maxtokens: 3 }, 'request: unknown field "maxtokens"'],
    [{ context: 'a.ts' }, 'request.context: must be an array of { name, text } chunks'],
    [{ context: [{ name: 'a.ts' }] }, 'request.context.0.text: is required'],
    [{ context: [{ name: 'a.ts', text: 'x'.repeat(16_385) }] }, 'request.context.0.text: must be at most 16384 characters'],
    [{ context: Array.from({ length: 33 }, () => ({ name: 'a', text: 'b' })) }, 'request.context: at most 32 chunks'],
    [{ contextTokens: -1 }, 'request.contextTokens: must be from 0 to 16384'],
    [{ fileName: 7 }, 'request.fileName: must be a string'],
  ])('rejects %j with "%s"', (fields, expected) => {
    const e = issuesOf(gen(fields));
    expect(e.message).toContain(expected);
    expect(e.id).toBe('r1');
  });

  it('lists every problem at once, as "field: problem"', () => {
    const e = issuesOf({ type: 'generate', id: 'r', request: { n: 0, temperature: -1 } });
    expect(e.issues).toEqual([
      'request.prefix: is required; must be a string (the text before the cursor)',
      'request.n: must be from 1 to 256 (number of samples)',
      'request.temperature: must be ≥ 0 (0 = greedy)',
    ]);
    expect(e.message).toBe(`invalid message: ${e.issues.join('; ')}`);
  });

  it('parses load, cancel and status messages', () => {
    expect(parseClientMessage({ type: 'load', id: 'a', model: { kind: 'dir', path: '/m' } })).toEqual({
      type: 'load',
      id: 'a',
      model: { kind: 'dir', path: '/m' },
    });
    expect(parseClientMessage({ type: 'load', id: 'a', model: { kind: 'url', url: 'http://h/m/' } }).type).toBe('load');
    expect(parseClientMessage({ type: 'load', id: 'a', model: { kind: 'url', url: 'https://models.example/qwen' } }).type).toBe('load');
    expect(parseClientMessage({ type: 'load', id: 'a', model: { kind: 'url', url: '/models/fanout-code-4m' } }).type).toBe('load');
    // Only http(s) model folders, and no credentials: a host is never made to read data:, file: or other schemes.
    for (const url of ['data:application/json,{}', 'file:///etc/passwd', 'ftp://h/m', 'blob:http://h/x', 'http://user:pw@h/m', 'not a url', '//evil.example/m', '/\\evil.example/m', 'http://h/' + 'x'.repeat(2100)]) {
      expect(() => parseClientMessage({ type: 'load', id: 'a', model: { kind: 'url', url } }), url.slice(0, 40)).toThrow(/model\.url: must be/);
    }
    expect(parseClientMessage({ type: 'load', id: 'a', model: { kind: 'synthetic', name: 'tiny' } }).type).toBe('load');
    expect(parseClientMessage({ type: 'cancel', id: 'r1' })).toEqual({ type: 'cancel', id: 'r1' });
    expect(parseClientMessage({ type: 'status', id: 's' })).toEqual({ type: 'status', id: 's' });
  });

  it('rejects bad envelopes with the id when there is one', () => {
    expect(issuesOf(null).message).toMatch(/must be a JSON object.*got null/);
    expect(issuesOf([1]).message).toMatch(/got an array/);
    const t = issuesOf({ type: 'fly', id: 'q' });
    expect(t.message).toBe('invalid message: type: must be one of load, generate, cancel, status, list-models, got "fly"');
    expect(t.id).toBe('q');
    expect(issuesOf({ type: 'cancel' }).issues).toEqual(['id: is required; must be a string (the request id echoed in replies)']);
    expect(issuesOf({ type: 'status', id: '' }).id).toBeNull();
    expect(issuesOf({ type: 'load', id: 'a', model: { kind: 'zip' } }).message).toMatch(/model\.kind: .*dir/);
    expect(issuesOf({ type: 'load', id: 'a', model: { kind: 'dir' } }).message).toContain('model.path: is required');
  });

  it('turns a ProtocolError into an error event carrying the id', () => {
    const e = issuesOf(gen({ n: 0 }));
    expect(e.toEvent()).toMatchObject({ type: 'error', id: 'r1', code: 'bad-message', message: e.message });
    expect((e.toEvent() as { hint: string }).hint).not.toBe('');
  });
});

describe('parseClientMessage: bad messages get short replies (found by tests/fuzz)', () => {
  it('names at most five unknown fields, each cut to 40 characters', () => {
    const raw: Record<string, unknown> = { type: 'status', id: 's', ['k'.repeat(100_000)]: 1 };
    for (let i = 0; i < 20_000; i++) raw[`f${i}`] = i;
    const e = issuesOf(raw);
    expect(e.message).toMatch(/unknown fields "k{40}"…, "f0", "f1", "f2", "f3" and 19996 more/);
    expect(e.message.length).toBeLessThan(400);
  });

  it('describes a bad type without quoting or recursing into it, and echoes only a valid id', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(issuesOf({ type: deep, id: 'x' }).message).toMatch(/got an array$/);
    expect(issuesOf({ type: 'q'.repeat(1_000_000), id: 'x' }).message).toMatch(/got a string of 1000000 characters$/);
    expect(issuesOf({ type: 'nope', id: 'x'.repeat(201) }).id).toBeNull();
    expect(issuesOf({ type: 'nope', id: 'x'.repeat(200) }).id).toBe('x'.repeat(200));
  });

  it('says where a frame stops being JSON without quoting it', () => {
    expect(() => parseClientFrame('{"type": root:x:0:0:root')).toThrow(/not valid JSON \((parsing stopped at line 1, column \d+|it holds text that is not JSON)\)$/);
    try {
      parseClientFrame('{"type": root:x:0:0:root');
    } catch (e) {
      expect((e as Error).message).not.toContain('root');
    }
  });
});

describe('parseClientFrame', () => {
  it('parses JSON text and reports bad JSON as a ProtocolError', () => {
    expect(parseClientFrame('{"type":"status","id":"1"}')).toEqual({ type: 'status', id: '1' });
    expect(() => parseClientFrame('{type:')).toThrow(/not valid JSON/);
  });
});

describe('parseHostEvent', () => {
  const info = {
    name: 'm',
    architecture: 'Qwen2ForCausalLM',
    parameters: 1,
    layers: 1,
    hidden: 8,
    heads: 1,
    kvHeads: 1,
    vocab: 10,
    contextLength: 32,
    dtype: 'f16',
    weights: 'f16 100%',
    device: 'gpu',
    fim: true,
  };
  it('accepts each event kind', () => {
    const events: HostEvent[] = [
      { type: 'progress', id: 'l', progress: { file: 'model.safetensors', bytesDone: 1, bytesTotal: 2 } },
      { type: 'loaded', id: 'l', model: info },
      { type: 'event', id: 'r', event: { type: 'token', sample: 0, token: 5, text: 'x', logprob: -0.5 } },
      { type: 'event', id: 'r', event: { type: 'finish', sample: 0, reason: 'line', text: 'x', tokens: 1, sumLogprob: -0.5 } },
      { type: 'status', id: 's', model: null, device: 'gpu', busy: false, state: { phase: 'idle', model: null, device: 'gpu', loading: null, generating: false, queued: 0 } },
      {
        type: 'state',
        state: { phase: 'loading', model: null, device: 'gpu', loading: { model: '/m', progress: { file: 'model.safetensors', bytesDone: 1, bytesTotal: 2 } }, generating: false, queued: 1 },
      },
      { type: 'state', state: { phase: 'ready', model: info, device: 'gpu', loading: null, generating: true, queued: 0 } },
      { type: 'queued', id: 'r', position: 1, reason: 'model-loading' },
      { type: 'error', id: 'r', code: 'queue-full', message: 'm', hint: 'h' },
      { type: 'error', id: null, code: 'bad-message', message: 'm', hint: 'h' },
    ];
    for (const e of events) expect(parseHostEvent(e)).toEqual(e);
  });

  it('rejects malformed events', () => {
    expect(() => parseHostEvent({ type: 'event', id: 'r', event: { type: 'finish', sample: 0, reason: 'tired' } })).toThrow(
      /event\.reason/,
    );
    expect(() => parseHostEvent({ type: 'error', id: 'x', code: 'oops', message: '', hint: '' })).toThrow(/code/);
    expect(() => parseHostEvent({ type: 'state', state: { phase: 'warming', model: null, device: '', loading: null, generating: false, queued: 0 } })).toThrow(/state\.phase/);
    expect(() => parseHostEvent({ type: 'queued', id: 'r', position: 1, reason: 'lunch' })).toThrow(/reason/);
    // A status without the state is an older host's: this protocol requires it.
    expect(() => parseHostEvent({ type: 'status', id: 's', model: null, device: '', busy: false })).toThrow(/state/);
  });
});

describe('list-models and the models event', () => {
  const model = {
    name: 'qwen2.5-coder:7b',
    path: '/home/u/.ollama/models/blobs/sha256-ab',
    bytes: 4_683_087_332,
    source: 'ollama',
    architecture: 'qwen2',
    quantization: 'Q4_K_M',
    parameters: 7_615_616_512,
    splitParts: null,
    loadable: { ok: true },
    error: null,
  };
  const event = (models: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'models', id: 'm', list: { models, searched: [{ source: 'ollama', path: '/home/u/.ollama/models', found: true }], truncated: false, ...extra } });

  it('takes list-models with an id and nothing else', () => {
    expect(parseClientMessage({ type: 'list-models', id: 'm1' })).toEqual({ type: 'list-models', id: 'm1' });
    expect(issuesOf({ type: 'list-models', id: 'm1', roots: ['/etc'] }).issues).toEqual(['(message): unknown field "roots"']);
    expect(issuesOf({ type: 'list-models' }).issues[0]).toMatch(/^id: is required/);
  });

  it('checks each listed model: a source it knows, a reason when it cannot be loaded, bounded strings and counts', () => {
    expect(parseHostEvent(event([model]))).toEqual(event([model]));
    const bad = (m: Record<string, unknown>) => () => parseHostEvent(event([{ ...model, ...m }]));
    expect(bad({ loadable: { ok: false } })).toThrow(/loadable/);
    expect(bad({ loadable: { ok: true, why: 'x' } })).toThrow(/loadable/);
    expect(bad({ source: 'huggingface' })).toThrow(/source/);
    expect(bad({ bytes: -1 })).toThrow(/bytes/);
    expect(bad({ splitParts: 1 })).toThrow(/splitParts/);
    expect(bad({ name: 'x'.repeat(513) })).toThrow(/name/);
    expect(bad({ error: 'e'.repeat(2001) })).toThrow(/error/);
    expect(() => parseHostEvent(event(Array.from({ length: 201 }, () => model)))).toThrow(/models/);
    expect(() => parseHostEvent(event([model], { secret: 1 }))).toThrow(/secret/);
  });
});
