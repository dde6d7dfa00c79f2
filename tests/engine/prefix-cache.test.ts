// Prompt K/V kept across requests (engine/prefix-cache.ts): the cache's bookkeeping on its own, then an
// engine that reuses a kept prefix against one that prefills every prompt from scratch.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { rm } from 'node:fs/promises';
import { PrefixCache, commonPrefix } from '../../engine/prefix-cache.ts';
import type { KvSeqStore } from '../../engine/kv-cache.ts';
import { makeModelDir, engineFor, collect, candidates } from './helpers.ts';
import { testSeed } from '../gpu.ts';
import { DEFAULT_REQUEST, type GenerateRequest } from '../../protocol/engine.ts';
import type { Engine } from '../../engine/engine.ts';

/** One layer's store of `bytes` (K and V each bytes/2), whose buffers count their destroy() calls. */
function store(bytes: number, destroyed: { n: number }): KvSeqStore {
  const buf = () => ({ size: bytes / 2, destroy: () => void destroyed.n++ }) as unknown as GPUBuffer;
  return { samples: 1, seqLen: 1, segs: [{ sampleStart: 0, samples: 1, tokenStart: 0, tokens: 1, k: buf(), v: buf() }] };
}
const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);

describe('PrefixCache', () => {
  test('commonPrefix counts the leading tokens two prompts share', () => {
    expect(commonPrefix([1, 2, 3], [1, 2, 4, 5])).toBe(2);
    expect(commonPrefix([1, 2], [1, 2, 3])).toBe(2);
    expect(commonPrefix([], [1])).toBe(0);
    expect(commonPrefix([7], [8])).toBe(0);
  });

  test('match: the kept prompt sharing the most leading tokens, at least minTokens', () => {
    const d = { n: 0 };
    const c = new PrefixCache(1 << 20, 4);
    c.put(range(0, 10), [store(100, d)], 4);
    c.put([...range(0, 6), ...range(50, 10)], [store(100, d)], 4);
    expect(c.match([...range(0, 8), 99])?.tokens).toBe(8);
    expect(c.match([...range(0, 6), 50, 51, 52])?.tokens).toBe(9);
    expect(c.match([0, 1, 2, 9])).toBeUndefined(); // 3 < minTokens
    expect(c.match(range(0, 5))?.tokens).toBe(5); // a prompt shorter than the kept one
  });

  test('put keeps no prompt beside one that starts with it; too big or too short is released, not kept', () => {
    const d = { n: 0 };
    const c = new PrefixCache(1000, 4);
    c.put(range(0, 10), [store(100, d)], 4);
    c.put(range(0, 20), [store(200, d)], 4); // extends the first: it goes
    expect(c.size).toBe(1);
    expect(d.n).toBe(2); // K and V of the first
    c.put(range(0, 15), [store(100, d)], 4); // a prefix of the kept one (the cursor moved back): the kept one serves it
    expect(c.size).toBe(1);
    expect(d.n).toBe(4);
    c.put([...range(0, 5), 99], [store(100, d)], 4); // parts from it after 5 tokens: kept beside it
    expect(c.size).toBe(2);
    c.put(range(100, 30), [store(2000, d)], 4); // over maxBytes
    c.put(range(200, 3), [store(10, d)], 4); // shorter than minTokens (4): no use to anyone
    expect(c.size).toBe(2);
    expect(d.n).toBe(8);
    expect(c.bytes).toBe(300);
  });

  test('least recently used prompts go first when over maxBytes or when a request makes room', () => {
    const d = { n: 0 };
    const c = new PrefixCache(300, 4);
    c.put(range(0, 8), [store(100, d)], 4);
    c.put(range(100, 8), [store(100, d)], 4);
    c.put(range(200, 8), [store(100, d)], 4);
    c.match(range(0, 8)); // the oldest is used again
    c.put(range(300, 8), [store(100, d)], 4); // over 300: the least recently used (100..) goes
    expect(c.match(range(100, 8))).toBeUndefined();
    expect(c.match(range(0, 8))?.tokens).toBe(8);
    c.makeRoom(150);
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(100);
    expect(c.match(range(0, 8))?.tokens).toBe(8); // the most recently used stays
    c.clear();
    expect(c.size).toBe(0);
    expect(d.n).toBe(8);
  });
});

const seed = testSeed();
let model: Awaited<ReturnType<typeof makeModelDir>>;
let warm: Engine;
let cold: Engine;

beforeAll(async () => {
  model = await makeModelDir({ arch: 'qwen2', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: true, seed, maxPositions: 512 });
  // Small KV buffers and prefill chunks, so kept prompts cross buffers and reuse starts mid-chunk.
  warm = await engineFor(model.dir, 'f32', { prefillChunk: 24, kvChunkBytes: 2048 });
  cold = await engineFor(model.dir, 'f32', { prefillChunk: 24, kvChunkBytes: 2048, prefixCacheBytes: 0 });
});
afterAll(async () => {
  warm?.destroy();
  cold?.destroy();
  await rm(model.dir, { recursive: true, force: true });
});

const req = (over: Partial<GenerateRequest> & { prefix: string }): GenerateRequest => ({ ...DEFAULT_REQUEST, stop: 'none', maxTokens: 8, seed: 99, ...over });


/** Same request on the warm engine (after `before` ran there) and on the cold one: same tokens and log-probs. */
async function sameAsCold(r: GenerateRequest) {
  const a = candidates(await collect(warm.generate(r)));
  const b = candidates(await collect(cold.generate(r)));
  expect(a.done.timings.promptTokens).toBe(b.done.timings.promptTokens);
  expect(b.done.timings.reusedTokens).toBe(0);
  // Reuse starts prefill at another row than a cold chunking does; sums in another order may move a
  // seeded draw across a near tie, so one sample may part (see generate.test.ts).
  let parted = 0;
  for (const [s, tb] of b.tokens) {
    const ta = a.tokens.get(s) ?? [];
    let i = 0;
    while (i < tb.length && ta[i] === tb[i]) i++;
    if (i < tb.length || ta.length !== tb.length) parted++;
    for (let j = 0; j < i; j++) expect(Math.abs(a.logprobs.get(s)![j] - b.logprobs.get(s)![j]), `seed ${seed}, sample ${s}, token ${j}`).toBeLessThan(1e-4);
  }
  expect(parted, `seed ${seed}`).toBeLessThanOrEqual(r.temperature === 0 ? 0 : 1);
  lastPromptTokens = a.done.timings.promptTokens;
  return a.done.timings.reusedTokens ?? 0;
}
let lastPromptTokens = 0;

describe('an engine that keeps prompt K/V', () => {
  const file = 'const values = [1, 2, 3];\nfunction total(xs) {\n  let sum = 0;\n  for (const x of xs) sum += x;\n  return sum;\n}\n';

  test('a prompt that goes on from the last one prefills only the new tokens, with the samples a cold engine gives', async () => {
    const first = await sameAsCold(req({ prefix: file, n: 32 }));
    expect(first).toBe(0);
    const reused = await sameAsCold(req({ prefix: file + 'console.log(total(', n: 32 }));
    expect(reused).toBeGreaterThan(file.length / 2);
    // greedy, standard attention: the kept K/V is copied into every sample's own copy
    const again = await sameAsCold(req({ prefix: file + 'console.log(total(values', n: 2, temperature: 0, attention: 'standard' }));
    expect(again).toBeGreaterThan(reused);
  });

  test('an edit in the middle reuses the tokens before it; a prompt shorter than a kept one reuses all but its last token', async () => {
    const edited = file.replace('let sum = 0', 'let acc = 0');
    const atEdit = await sameAsCold(req({ prefix: edited, n: 8 }));
    expect(atEdit).toBeGreaterThan(16);
    expect(atEdit).toBeLessThan(file.indexOf('let sum') + 1);
    const shorter = edited.slice(0, 80);
    expect(await sameAsCold(req({ prefix: shorter, n: 8 }))).toBe(lastPromptTokens - 1);
  });

  test('fill-in-the-middle: typing before the suffix reuses the prompt up to the cursor', async () => {
    const suffix = '\n}\nexport { total };\n';
    await sameAsCold(req({ prefix: file + 'function mean(xs) {\n  return', suffix, n: 8 }));
    const reused = await sameAsCold(req({ prefix: file + 'function mean(xs) {\n  return total', suffix, n: 8 }));
    expect(reused).toBeGreaterThan(file.length / 2);
  });

  test('a request cancelled during prefill keeps the tokens it prefilled; scoring beside kept prompts gives the logits of a cold engine', async () => {
    const prompt = 'let unrelated = "a prompt no earlier request started with";\n'.repeat(3);
    const ac = new AbortController();
    for await (const e of warm.generate(req({ prefix: prompt, n: 4, maxTokens: 64 }), ac.signal)) if (e.type === 'start') ac.abort();
    // aborted after its first prefill chunk (24 rows): those 24 tokens' K/V are kept, and give the same samples
    expect(await sameAsCold(req({ prefix: prompt + 'x', n: 4 }))).toBe(24);
    const ids = warm.tokenizer.encode(file, { specials: false });
    const lw = await warm.logits(ids);
    const lc = await cold.logits(ids);
    let worst = 0;
    for (let i = 0; i < lw.length; i++) worst = Math.max(worst, Math.abs(lw[i] - lc[i]));
    expect(worst).toBeLessThan(1e-4);
  });
});
