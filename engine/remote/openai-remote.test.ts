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
