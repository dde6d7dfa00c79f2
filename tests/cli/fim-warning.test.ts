// `complete --suffix-file` on a model without fill-in-the-middle tokens: the engine prompts with the
// prefix alone, so the CLI says on stderr that the suffix is ignored (a warning: the run still succeeds).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomModel, type RandomModelOptions } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout } from './helpers.ts';

let dir: string;
let fimModel: string;
let plainModel: string;
let prompt: string;
let suffix: string;
let emptySuffix: string;

const MODEL: RandomModelOptions = { arch: 'llama', dtype: 'F32', hidden: 32, layers: 1, heads: 2, kvHeads: 2, intermediate: 48, tie: true, seed: 9, maxPositions: 128 };

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-fim-'));
  fimModel = join(dir, 'fim-model');
  await writeRandomModel(fimModel, MODEL);
  // The same model with its FIM tokens renamed: the vocabulary keeps its size, the tokenizer has no FIM set.
  plainModel = join(dir, 'plain-model');
  await writeRandomModel(plainModel, MODEL);
  const tokPath = join(plainModel, 'tokenizer.json');
  const tok = JSON.parse(await readFile(tokPath, 'utf8')) as { added_tokens: { content: string }[] };
  for (const t of tok.added_tokens) t.content = t.content.replace(/^<\|fim_(\w+)\|>$/, '<|reserved_$1|>');
  expect(tok.added_tokens.map((t) => t.content)).not.toContain('<|fim_prefix|>');
  await writeFile(tokPath, JSON.stringify(tok));
  prompt = join(dir, 'prompt.ts');
  await writeFile(prompt, 'function add(a, b) {\n  return');
  suffix = join(dir, 'suffix.ts');
  await writeFile(suffix, ';\n}\n');
  emptySuffix = join(dir, 'empty.ts');
  await writeFile(emptySuffix, '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (model: string, suffixFile: string) =>
  fanout(['complete', '--prompt-file', prompt, '--suffix-file', suffixFile, '--model', model, '--n', '2', '--max-tokens', '2', '--json']);

describe('complete --suffix-file and FIM tokens', () => {
  it('warns, once and on stderr only, when the model has no FIM tokens; the run succeeds', async () => {
    const r = await run(plainModel, suffix);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'fanout: warning: plain-model has no fill-in-the-middle tokens; --suffix-file is ignored and completions continue the prompt only.\n',
    );
    expect(JSON.parse(r.stdout).candidates.length + JSON.parse(r.stdout).empty).toBe(2);
  });

  it('says nothing when the model has FIM tokens, or when the suffix is empty', async () => {
    const fim = await run(fimModel, suffix);
    expect(fim.code, fim.stderr).toBe(0);
    expect(fim.stderr).toBe('');
    const empty = await run(plainModel, emptySuffix);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toBe('');
  });
});
