// `fanout complete --remote`: the same request through `fanout serve` (the real engine behind the
// OpenAI-compatible API, engine/remote/openai-remote.ts on the client side) gives the same candidates
// as the local engine: same seed, same texts, log-probabilities within float rounding; line stops are
// cut on the client. Bad remotes are one error line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, fanout, startServeProcess, type ServeProcess } from './helpers.ts';

let dir: string;
let serve: ServeProcess;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-remote-'));
  await writeFile(join(dir, 'p.js'), 'function fibonacci(n) {\n  if (n < 2) return n;\n  return');
  await writeFile(join(dir, 's.js'), ';\n}\n');
  serve = await startServeProcess();
}, 120_000);
afterAll(async () => {
  await serve?.stop();
  await rm(dir, { recursive: true, force: true });
});

type Out = { model: { name: string; device: string }; candidates: { text: string; meanLogprob: number; finishReason: string; tokens: number }[] };

it('the same candidates as the local engine, for line stops, stop strings and fill-in-the-middle', async () => {
  for (const extra of [['--stop', 'line'], ['--stop', 'none', '--max-tokens', '12'], ['--suffix-file', join(dir, 's.js'), '--stop', 'block', '--max-tokens', '10']]) {
    const args = ['complete', '--prompt-file', join(dir, 'p.js'), '--n', '6', '--seed', '5', '--temperature', '0.8', '--json', ...extra];
    const local = await fanout(args);
    const remote = await fanout([...args, '--remote', serve.baseUrl]);
    expect(local.code, local.stderr).toBe(0);
    expect(remote.code, remote.stderr).toBe(0);
    const a = JSON.parse(local.stdout) as Out;
    const b = JSON.parse(remote.stdout) as Out;
    expect(b.model.name).toBe('fanout-code-4m');
    expect(b.model.device).toBe(`remote: ${serve.baseUrl}`);
    const key = (o: Out) => o.candidates.map((c) => `${c.text}|${c.tokens}|${c.finishReason === 'length' ? 'length' : 'end'}`).sort();
    expect(key(b), extra.join(' ')).toEqual(key(a));
    const lp = (o: Out) => new Map(o.candidates.map((c) => [c.text, c.meanLogprob]));
    for (const [t, v] of lp(a)) expect(Math.abs(v - lp(b).get(t)!), t).toBeLessThan(1e-3);
  }
}, 300_000);

it('a server that cannot be reached, a model it does not serve, and a URL that is not a server: one error line each', async () => {
  const base = ['complete', '--prompt-file', join(dir, 'p.js'), '--n', '1'];
  const down = await fanout([...base, '--remote', 'http://127.0.0.1:9/v1']);
  expect(down.code).toBe(2);
  expect(down.stderr).toMatch(/^fanout: error: --remote cannot reach http:\/\/127\.0\.0\.1:9\/v1 \(.*\): is the server running, and is the URL its OpenAI base \(…\/v1\)\?\n$/);
  const model = await fanout([...base, '--remote', serve.baseUrl, '--remote-model', 'gpt-4']);
  expect(model.stderr).toBe(`fanout: error: --remote ${serve.baseUrl} does not serve gpt-4; it serves fanout-code-4m.\n`);
  const notApi = await fanout([...base, '--remote', serve.baseUrl.replace(/\/v1$/, '')]);
  expect(notApi.stderr).toMatch(/answered 404 .*is this the server's OpenAI base URL/);
  const both = await fanout([...base, '--remote', serve.baseUrl, '--model', 'models/fanout-code-4m']);
  expect(both.stderr).toMatch(/leave out --model/);
}, 120_000);
