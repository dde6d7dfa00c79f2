// The engine INSIDE the browser: /engine-test.html runs a HostSession on Chromium's WebGPU (navigator.gpu)
// and loads the bundled model over HTTP (Range requests to /models/). For the same request and seed it
// must produce the same samples (token ids) as the Node host. Both use f32 storage: Chromium's
// SwiftShader has no shader-f16, and the e2e host runs with --storage f32.
import { test, expect } from './fixtures.ts';
import { HostClient, samplesOf } from './host-client.ts';
import type { HostEvent } from '../protocol/host.ts';
import type { GenerateEvent } from '../protocol/engine.ts';

const REQUEST = { prefix: 'function add(a, b) {\n  return', n: 4, maxTokens: 8, temperature: 0.8, topP: 0.95, seed: 11, stop: 'none' as const };

test('the engine in Chromium (WebGPU) gives the same samples as the Node host', async ({ app }) => {
  const { page } = app;
  page.on('console', (m) => m.type() === 'error' && console.log(`[engine page] ${m.text()}`));
  await page.goto(new URL('/engine-test.html?storage=f32', app.hostUrl).href);
  await expect(page.locator('#status')).toHaveText('ready');

  const send = async (msg: Record<string, unknown>): Promise<HostEvent[]> =>
    page.evaluate(async (m) => {
      const api = (window as unknown as { fanoutEngine: { send(m: unknown): Promise<void>; take(): unknown[] } }).fanoutEngine;
      await api.send(m);
      return api.take() as HostEvent[];
    }, msg);

  const loaded = await send({ type: 'load', id: 'load', model: { kind: 'url', url: '/models/fanout-code-4m' } });
  // The reply that ends the load (state broadcasts may come after it).
  const end = loaded.filter((m) => m.type === 'loaded' || m.type === 'error').at(-1)!;
  if (end.type === 'error') throw new Error(`the browser engine could not load the model: ${end.code}: ${end.message} (${end.hint})`);
  expect(end).toMatchObject({ type: 'loaded', model: { name: 'fanout-code-4m', dtype: 'f32' } });
  expect(loaded.some((m) => m.type === 'progress')).toBe(true);
  if (end.type === 'loaded') console.log(`[engine page] WebGPU adapter: ${end.model.device}`);

  const t0 = Date.now();
  const replies = await send({ type: 'generate', id: 'gen', request: REQUEST });
  const failed = replies.find((m) => m.type === 'error');
  if (failed?.type === 'error') throw new Error(`the browser engine failed: ${failed.code}: ${failed.message}`);
  const browserEvents = replies.flatMap((m) => (m.type === 'event' ? [m.event] : [])) as GenerateEvent[];
  console.log(`[engine page] generate n=${REQUEST.n} × ${REQUEST.maxTokens} tokens: ${Date.now() - t0} ms`);
  expect(browserEvents.at(-1)).toMatchObject({ type: 'done', cancelled: false });

  const host = await HostClient.open(app.hostUrl);
  let nodeEvents: GenerateEvent[];
  try {
    await host.ensureModel('fanout-code-4m', 120_000);
    nodeEvents = await host.generate(REQUEST, 120_000);
  } finally {
    await host.close();
  }

  const inBrowser = samplesOf(browserEvents);
  const inNode = samplesOf(nodeEvents);
  expect(inBrowser).toHaveLength(REQUEST.n);
  expect(inBrowser.map((s) => s.tokens)).toEqual(inNode.map((s) => s.tokens));
  expect(inBrowser.map((s) => s.text)).toEqual(inNode.map((s) => s.text));
  for (let i = 0; i < REQUEST.n; i++) {
    for (let t = 0; t < inNode[i].logprobs.length; t++) expect(inBrowser[i].logprobs[t]).toBeCloseTo(inNode[i].logprobs[t], 2);
  }
});
