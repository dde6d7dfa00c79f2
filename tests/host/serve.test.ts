// `fanout serve` end to end under Node: a real HTTP server on port 0, the real engine on the test GPU with
// the bundled model, driven by the official `openai` npm client (completions, n = 8, logprobs, streaming,
// cancel by abort, an API key) and by raw HTTP for the error cases.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import OpenAI from 'openai';
import { join } from 'node:path';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import { nodeModelSource } from '../../engine/host/web-host.ts';
import { startServe, type Server } from '../../engine/host/serve.ts';
import { packageRoot } from '../../engine/host/cli-model.ts';

const root = packageRoot(join(import.meta.dirname, '..', '..', 'engine', 'host'));
const session = () => ({ gpu: () => acquireNodeGpu(), source: nodeModelSource({ baseDir: root }) });
const model = { kind: 'dir' as const, path: 'models/fanout-code-4m' };
const PROMPT = 'function add(a, b) {\n  return';
const M = 'fanout-code-4m';
let server: Server;
let client: OpenAI;

beforeAll(async () => {
  server = await startServe({ session: session(), model, port: 0 });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'unused', maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

/** Raw HTTP: status and parsed JSON body. */
async function http(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: any }> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { ...init, headers, body });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

describe('fanout serve with the openai client', () => {
  test('GET /v1/models names the loaded model', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['fanout-code-4m']);
  });

  test('completions: n = 8 with logprobs; the same seed gives the same choices', async () => {
    const req = { model: M, prompt: PROMPT, n: 8, max_tokens: 10, temperature: 0.8, seed: 7, logprobs: 1, stop: ['\n'] };
    const a = await client.completions.create(req);
    expect(a.object).toBe('text_completion');
    expect(a.choices.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    let tokens = 0;
    for (const c of a.choices) {
      expect(['stop', 'length']).toContain(c.finish_reason);
      expect(c.text).not.toContain('\n');
      const lp = c.logprobs!;
      expect(lp.tokens!.join('')).toBe(c.text);
      expect(lp.token_logprobs!.length).toBe(lp.tokens!.length);
      for (const x of lp.token_logprobs!) expect(x <= 0 && Number.isFinite(x)).toBe(true);
      // offsets are where each piece starts in the text
      lp.text_offset!.forEach((o, i) => expect(c.text.slice(o, o + lp.tokens![i].length)).toBe(lp.tokens![i]));
      if (c.finish_reason === 'length') expect(lp.tokens!.length).toBe(10);
      tokens += lp.tokens!.length;
    }
    expect(new Set(a.choices.map((c) => c.text)).size).toBeGreaterThan(1);
    expect(a.usage!.completion_tokens).toBe(tokens);
    expect(a.usage!.prompt_tokens).toBeGreaterThan(3);
    expect(a.usage!.total_tokens).toBe(a.usage!.prompt_tokens + tokens);
    const b = await client.completions.create(req);
    expect(b.choices.map((c) => c.text)).toEqual(a.choices.map((c) => c.text));
  }, 120_000);

  test('streaming: chunks per token per choice add up to the non-streamed choices, then [DONE]; usage on request', async () => {
    const req = { model: M, prompt: PROMPT, n: 4, max_tokens: 8, temperature: 0.9, seed: 11, logprobs: 0 };
    const whole = await client.completions.create(req);
    const stream = await client.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
    const text = ['', '', '', ''];
    const finish: (string | null)[] = [null, null, null, null];
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      chunks++;
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text[c.index] += c.text;
        if (c.finish_reason) finish[c.index] = c.finish_reason;
        if (c.text) expect(c.logprobs?.token_logprobs?.length).toBe(1);
      }
    }
    expect(text).toEqual(whole.choices.map((c) => c.text));
    expect(finish).toEqual(whole.choices.map((c) => c.finish_reason));
    expect(chunks).toBeGreaterThan(4);
    expect(usage).toEqual(whole.usage);
  }, 120_000);

  test('fill-in-the-middle: suffix is laid out with the model\'s FIM tokens', async () => {
    const r = await client.completions.create({ model: M, prompt: 'function add(a, b) {\n  return ', suffix: ';\n}\n', max_tokens: 6, temperature: 0, n: 2 });
    expect(r.choices).toHaveLength(2);
    // greedy: both choices are the same
    expect(r.choices[1].text).toBe(r.choices[0].text);
  }, 60_000);

  test('a client that aborts a stream cancels its request; the next request runs', async () => {
    const ac = new AbortController();
    const stream = await client.completions.create({ model: M, prompt: PROMPT, n: 32, max_tokens: 1000, temperature: 1, stream: true, stop: [] }, { signal: ac.signal });
    let seen = 0;
    try {
      for await (const _ of stream) {
        if (++seen === 3) ac.abort();
      }
    } catch (e) {
      expect(String(e)).toMatch(/abort/i);
    }
    expect(seen).toBeLessThan(32 * 100); // chunks already received may still be read after the abort
    // 32 choices × 1000 tokens take minutes here: idle within seconds means the request was cancelled.
    const t0 = Date.now();
    while (server.session.busy && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(server.session.busy).toBe(false);
    const r = await client.completions.create({ model: M, prompt: PROMPT, max_tokens: 2 });
    expect(r.choices).toHaveLength(1);
  }, 120_000);

  test('requests from several clients queue and all complete', async () => {
    const rs = await Promise.all([1, 2, 3].map((seed) => client.completions.create({ model: M, prompt: PROMPT, n: 2, max_tokens: 4, seed })));
    for (const r of rs) expect(r.choices).toHaveLength(2);
  }, 120_000);
});

describe('fanout serve: errors as OpenAI error bodies', () => {
  test.each([
    [{ prompt: 'x', n: 0 }, 'n'],
    [{ prompt: 'x', n: 257 }, 'n'],
    [{ n: 2 }, 'prompt'],
    [{ prompt: ['a', 'b'] }, 'prompt'],
    [{ prompt: 'x', temperature: -1 }, 'temperature'],
    [{ prompt: 'x', top_p: 0 }, 'top_p'],
    [{ prompt: 'x', max_tokens: 0 }, 'max_tokens'],
    [{ prompt: 'x', stop: [''] }, 'stop.0'],
    [{ prompt: 'x', echo: true }, 'echo'],
    [{ prompt: 'x', n: 2, best_of: 4 }, 'best_of'],
    [{ prompt: 'x', presence_penalty: 0.5 }, 'presence_penalty'],
    [{ prompt: 'x', logit_bias: { '1': 5 } }, 'logit_bias'],
  ])('%j → 400 naming %s', async (json, param) => {
    const r = await http('/v1/completions', { method: 'POST', json });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect(r.body.error.message).toMatch(new RegExp(`^${param.replace('.', '\\.')}: `));
  });

  test('unknown fields are ignored', async () => {
    const r = await http('/v1/completions', { method: 'POST', json: { prompt: 'x', max_tokens: 1, user: 'me', some_future_field: { a: 1 } } });
    expect(r.status).toBe(200);
    expect(r.body.choices).toHaveLength(1);
  }, 60_000);

  test('not JSON, not application/json, a wrong model, unknown routes and methods', async () => {
    const bad = await http('/v1/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"prompt":' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/not JSON/);
    const plain = await http('/v1/completions', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"prompt":"x"}' });
    expect(plain.status).toBe(415);
    const wrong = await http('/v1/completions', { method: 'POST', json: { model: 'gpt-4', prompt: 'x' } });
    expect(wrong.status).toBe(404);
    expect(wrong.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(wrong.body.error.message).toContain('fanout-code-4m');
    expect((await http('/v1/chat/completions', { method: 'POST', json: {} })).status).toBe(404);
    expect((await http('/nothing')).status).toBe(404);
    expect((await http('/v1/completions')).status).toBe(405);
    const health = await http('/health');
    expect(health).toEqual({ status: 200, body: { status: 'ok', model: 'fanout-code-4m', queued: 0, generating: false } });
  });

  test('on loopback without a key, a Host header naming another host is refused (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/v1/models', headers: { Host: `evil.example:${server.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('fanout serve with an API key', () => {
  test('/v1 needs the key as a Bearer token; /health does not; other hosts than loopback need a key', async () => {
    await expect(startServe({ session: session(), model, port: 0, host: '0.0.0.0' })).rejects.toThrow(/--api-key-file/);
    await expect(startServe({ session: session(), model, port: 0, apiKey: 'short' })).rejects.toThrow(/16 to 512/);
    const key = 'k'.repeat(24);
    const s = await startServe({ session: session(), model, port: 0, apiKey: key });
    try {
      const noKey = await fetch(`${s.baseUrl}/models`);
      expect(noKey.status).toBe(401);
      expect(((await noKey.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
      const wrong = new OpenAI({ baseURL: s.baseUrl, apiKey: 'x'.repeat(24), maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
      const right = new OpenAI({ baseURL: s.baseUrl, apiKey: key, maxRetries: 0 });
      const r = await right.completions.create({ model: M, prompt: PROMPT, max_tokens: 2 });
      expect(r.choices).toHaveLength(1);
      expect((await fetch(`${s.baseUrl.replace(/\/v1$/, '')}/health`)).status).toBe(200);
    } finally {
      await s.close();
    }
  }, 120_000);
});
