// The remote backend against a stand-in server (a fetch that answers like llama-server: no log-probabilities,
// choices interleaved): FIM templates in the request body, client-side line stops, nothing taken from a choice after
// it stopped, and `logprobs` false. The real end-to-end path (fanout serve) is in
// tests/cli/remote.test.ts.
import { expect, it } from 'vitest';
import { DEFAULT_REQUEST, type GenerateEvent } from '../../protocol/engine.ts';
import { FIM_MODES, RemoteBackend, RemoteError } from './openai-remote.ts';

function standIn(chunks: object[], seen: { bodies: any[]; aborted: boolean }): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    if (String(url).endsWith('/models')) return new Response(JSON.stringify({ data: [{ id: 'coder', max_model_len: 4096 }] }));
    seen.bodies.push(JSON.parse(String(init!.body)));
    init!.signal!.addEventListener('abort', () => (seen.aborted = true));
    const text = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
    return new Response(text, { headers: { 'Content-Type': 'text/event-stream' } });
  }) as typeof fetch;
}

it('builds FIM prompts from the named template, or sends suffix', async () => {
  const seen = { bodies: [] as any[], aborted: false };
  for (const fim of FIM_MODES) {
    const b = await RemoteBackend.connect({ baseUrl: 'http://gpu:8000/v1/', fim }, standIn([], seen));
    const body = b.body({ ...DEFAULT_REQUEST, prefix: 'a(', suffix: ')' });
    if (fim === 'suffix') expect(body).toMatchObject({ prompt: 'a(', suffix: ')' });
    else if (fim === 'none') expect(body.prompt).toBe('a(');
    else expect(body.prompt).toMatch(/^<.*a\(.*\).*>$/s);
    if (fim !== 'suffix') expect(body.suffix).toBeUndefined();
    expect(body).toMatchObject({ model: 'coder', n: 32, logprobs: 1, stream: true });
  }
  expect((await RemoteBackend.connect({ baseUrl: 'http://gpu:8000/v1', fim: 'qwen2.5-coder' }, standIn([], seen))).body({ ...DEFAULT_REQUEST, prefix: 'p', suffix: 's' }).prompt).toBe(
    '<|fim_prefix|>p<|fim_suffix|>s<|fim_middle|>',
  );
  await expect(RemoteBackend.connect({ baseUrl: 'ftp://x', fim: 'suffix' })).rejects.toThrow(RemoteError);
  await expect(RemoteBackend.connect({ baseUrl: 'http://u:p@x/v1', fim: 'suffix' })).rejects.toThrow(/not in the URL/);
});

it('cuts line stops on the client, ignores what comes after a choice stopped, and reports missing log-probabilities', async () => {
  const seen = { bodies: [] as any[], aborted: false };
  const chunks = [
    { choices: [{ index: 0, text: ' a + b;' }] },
    { choices: [{ index: 1, text: '\n  x' }] },
    { choices: [{ index: 0, text: '\n}' }] },
    { choices: [{ index: 1, text: ';\ny' }] },
    { choices: [{ index: 1, text: 'never seen' }] },
  ];
  const b = await RemoteBackend.connect({ baseUrl: 'http://gpu:8000/v1', fim: 'suffix' }, standIn(chunks, seen));
  const events: GenerateEvent[] = [];
  for await (const ev of b.generate({ ...DEFAULT_REQUEST, prefix: 'return', n: 2, stop: 'line' })) events.push(ev);
  const fin = events.filter((e) => e.type === 'finish');
  expect(fin.map((e) => [e.sample, e.reason, e.text])).toEqual([
    [0, 'line', ' a + b;'],
    [1, 'line', '\n  x;'],
  ]);
  expect(b.logprobs).toBe(false);
  expect(events.at(-1)).toMatchObject({ type: 'done', cancelled: false, noLogprobs: true });
});

it('a server that allows one choice per request (older llama-server) gets n requests, merged, from then on', async () => {
  const bodies: any[] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    if (String(url).endsWith('/models')) return new Response(JSON.stringify({ data: [{ id: 'coder' }] }));
    const body = JSON.parse(String(init!.body));
    bodies.push(body);
    if (body.n > 1) return new Response(JSON.stringify({ error: { code: 400, message: 'Only one completion choice is allowed', type: 'invalid_request_error' } }), { status: 400 });
    const text = ` v${body.seed};`;
    const sse = [{ choices: [{ index: 0, text, logprobs: { token_logprobs: [-0.5] } }] }, { choices: [{ index: 0, text: '', finish_reason: 'stop' }] }];
    return new Response(sse.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n');
  }) as typeof fetch;
  const b = await RemoteBackend.connect({ baseUrl: 'http://llama:8080/v1', fim: 'qwen2.5-coder' }, fetchImpl);
  const run = async () => {
    const fin: [number, string][] = [];
    for await (const ev of b.generate({ ...DEFAULT_REQUEST, prefix: 'x =', n: 3, seed: 5, stop: 'line' })) if (ev.type === 'finish') fin.push([ev.sample, ev.text]);
    return fin.sort((x, y) => x[0] - y[0]);
  };
  expect(await run()).toEqual([[0, ' v5;'], [1, ' v6;'], [2, ' v7;']]);
  expect(bodies.map((x) => x.n)).toEqual([3, 1, 1, 1]);
  expect(await run()).toEqual([[0, ' v5;'], [1, ' v6;'], [2, ' v7;']]);
  expect(bodies.map((x) => x.n)).toEqual([3, 1, 1, 1, 1, 1, 1]);
  expect(b.logprobs).toBe(true);
});

it('other refusals are errors naming the server and its message', async () => {
  const fetchImpl = (async (url: string) => {
    if (String(url).endsWith('/models')) return new Response(JSON.stringify({ data: [{ id: 'coder' }] }));
    return new Response(JSON.stringify({ error: { message: 'prompt is too long' } }), { status: 400 });
  }) as typeof fetch;
  const b = await RemoteBackend.connect({ baseUrl: 'http://vllm:8000/v1', fim: 'suffix' }, fetchImpl);
  await expect(
    (async () => {
      for await (const _ of b.generate({ ...DEFAULT_REQUEST, prefix: 'x', n: 4 }));
    })(),
  ).rejects.toThrow('http://vllm:8000/v1/completions answered 400: prompt is too long');
});
