// `--model FILE.gguf` in the CLI: the same completions as the Hugging Face folder it was converted from,
// and clear errors for a missing file.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomModelToGguf } from '../fixtures/hf-to-gguf.ts';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-cli-gguf-'));
  const model = await writeRandomModel(join(dir, 'hf'), { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: false, seed: 21 });
  await writeFile(join(dir, 'model.gguf'), randomModelToGguf(model, 'F16', JSON.parse(readFileSync(join(dir, 'hf', 'tokenizer.json'), 'utf8'))));
  await writeFile(join(dir, 'prompt.ts'), 'function add(a, b) {\n  return');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fanout --model FILE.gguf', () => {
  it('complete gives the same samples as the folder the file was converted from', async () => {
    const run = (model: string) => fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', model, '--n', '4', '--max-tokens', '6', '--seed', '3', '--json']);
    const [a, b] = await Promise.all([run(join(dir, 'hf')), run(join(dir, 'model.gguf'))]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const texts = (r: { stdout: string }) => (JSON.parse(r.stdout) as { candidates: { text: string }[] }).candidates.map((c) => c.text);
    expect(texts(b)).toEqual(texts(a));
  });

  it('a missing .gguf file is one clear line', async () => {
    const r = await fanout(['complete', '--prompt-file', join(dir, 'prompt.ts'), '--model', join(dir, 'nope.gguf')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: error: --model .*nope\.gguf: no such file; pass a Hugging Face model folder or a \.gguf file\.\n$/);
  });
});
