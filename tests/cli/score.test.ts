// `fanout score` against the float64 reference forward, and the no-GPU error, through the real bin.
import { test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fanout, ensureBuilt } from './helpers.ts';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { referenceLogits } from '../reference/forward64.ts';
import { Tokenizer } from '../../engine/tokenizer/tokenizer.ts';
import { testSeed } from '../gpu.ts';

let dir: string;
let fixture: Awaited<ReturnType<typeof writeRandomModel>>;
const seed = testSeed();

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-score-'));
  fixture = await writeRandomModel(join(dir, 'model'), { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: false, seed, maxPositions: 256 });
  await writeFile(join(dir, 'prompt.ts'), 'function add(a: number, b: number) {\n  return');
  await writeFile(join(dir, 'completion.ts'), ' a + b;\n}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('score prints the completion log-probabilities given the prompt, matching the float64 reference', async () => {
  const r = await fanout(['score', '--model', join(dir, 'model'), '--prompt-file', join(dir, 'prompt.ts'), '--completion-file', join(dir, 'completion.ts'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout) as { tokens: number[]; logprobs: number[]; sumLogprob: number };
  const tok = Tokenizer.fromJSON(JSON.parse(await readFile(join(dir, 'model', 'tokenizer.json'), 'utf8')));
  const p = tok.encode(await readFile(join(dir, 'prompt.ts'), 'utf8'), { specials: false });
  const c = tok.encode(await readFile(join(dir, 'completion.ts'), 'utf8'), { specials: false });
  expect(out.tokens).toEqual(c);
  expect(out.logprobs).toHaveLength(c.length);
  // The CLI runs with f16 storage where the device has shader-f16: compare with f16-rounded weights.
  const ref = referenceLogits(fixture.config, fixture.tensors, [...p, ...c], { roundWeightsToF16: true });
  let sum = 0;
  for (let i = 0; i < c.length; i++) {
    const row = ref[p.length - 1 + i];
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - max);
    const lp = row[c[i]] - max - Math.log(s);
    sum += lp;
    expect(Math.abs(out.logprobs[i] - lp), `token ${i} (seed ${seed})`).toBeLessThan(5e-2);
  }
  expect(Math.abs(out.sumLogprob - sum)).toBeLessThan(5e-2 * Math.sqrt(c.length) + 1e-3);
});

test('without a WebGPU adapter: one line naming what to install, exit code 2', async () => {
  const r = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, 'model'), '--n', '2'], {
    env: { VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' },
  });
  expect(r.code).toBe(2);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('fanout: error:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/No WebGPU adapter found.*mesa-vulkan-drivers/);
});
