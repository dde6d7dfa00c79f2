// Engine.load on an engine that already has a model: a broken folder is refused while the current model
// stays loaded and usable; a good one replaces it. Engine.warmUp compiles every pipeline a request needs.
import { describe, test, expect, afterAll, beforeAll } from 'vitest';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeModelDir, collect } from './helpers.ts';
import { testSeed } from '../gpu.ts';
import { acquireNodeGpu } from '../../engine/gpu/node-gpu.ts';
import type { GpuContext } from '../../engine/gpu/context.ts';
import { Engine } from '../../engine/engine.ts';
import { dirSource } from '../../engine/model/fs-source.ts';
import { ModelError } from '../../engine/model/errors.ts';
import { DEFAULT_REQUEST, type GenerateEvent } from '../../protocol/engine.ts';

type Model = Awaited<ReturnType<typeof makeModelDir>>;
const seed = testSeed();
let a: Model;
let b: Model;
const broken: string[] = [];
// This file's own device (not tests/gpu.ts's shared one), so its pipeline cache starts empty.
let ctx: GpuContext;
let created = 0;

beforeAll(async () => {
  a = await makeModelDir({ arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 4, intermediate: 96, tie: false, seed, maxPositions: 400 });
  b = await makeModelDir({ arch: 'qwen2', dtype: 'F32', hidden: 32, layers: 1, heads: 2, kvHeads: 1, intermediate: 48, tie: true, seed: seed + 1, maxPositions: 300 });
  // Copies of `b`, each broken one way.
  const variant = async (name: string, edit: (dir: string) => Promise<void>) => {
    const dir = join(b.dir, '..', `${b.dir.split('/').pop()}-${name}`);
    await cp(b.dir, dir, { recursive: true });
    await edit(dir);
    broken.push(dir);
    return dir;
  };
  await variant('bad-shape', async (dir) => {
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: cfg.intermediate_size + 8 }));
  });
  await variant('bad-tokenizer', async (dir) => {
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordPiece' } }));
  });
  await variant('no-weights', async (dir) => {
    await rm(join(dir, 'model.safetensors'));
  });
  // A tokenizer larger than the model: its top ids have no embedding rows.
  await variant('tokenizer-too-big', async (dir) => {
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    const tj = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    tj.added_tokens = [...(tj.added_tokens ?? []), { id: cfg.vocab_size + 5, content: '<|extra|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false }];
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tj));
  });
  ctx = await acquireNodeGpu({ preferF16: true });
  const create = ctx.device.createComputePipeline.bind(ctx.device);
  ctx.device.createComputePipeline = (d: GPUComputePipelineDescriptor) => {
    created++;
    return create(d);
  };
});
afterAll(async () => {
  ctx?.destroy();
  for (const dir of [a?.dir, b?.dir, ...broken]) if (dir) await rm(dir, { recursive: true, force: true });
});

const tokens = (events: GenerateEvent[]) => events.flatMap((e) => (e.type === 'token' ? [e.token] : []));

describe(`Engine.load with a model loaded (seed ${seed})`, () => {
  test('warmUp compiles every pipeline; a broken folder leaves the current model loaded and unchanged; a good one replaces it', async () => {
    const engine = await Engine.create(ctx);
    const infoA = await engine.load(dirSource(a.dir));
    expect(created).toBe(0);
    await engine.warmUp();
    const compiled = created;
    expect(compiled).toBeGreaterThan(0);

    // Requests of other shapes (sample counts above and below the shared-kernel threshold, prompts
    // shorter and longer than a prefill chunk) compile nothing more.
    const req = { ...DEFAULT_REQUEST, stop: 'none' as const, seed: seed >>> 1 };
    const before = tokens(await collect(engine.generate({ ...req, prefix: 'function add(a, b) {', n: 3, maxTokens: 4 })));
    await collect(engine.generate({ ...req, prefix: 'let x = 1;\n'.repeat(60), n: 32, maxTokens: 3 }));
    expect(created).toBe(compiled);

    for (const [dir, code] of [
      [broken[0], 'bad-shape'],
      [broken[1], 'bad-tokenizer'],
      [broken[2], 'missing-file'],
      [broken[3], 'bad-tokenizer'],
    ] as const) {
      const err = await engine.load(dirSource(dir)).catch((e: unknown) => e);
      expect(err, dir).toBeInstanceOf(ModelError);
      expect((err as ModelError).code, dir).toBe(code);
      if (dir === broken[3]) expect((err as Error).message).toMatch(/its ids go up to \d+ but config\.json's vocab_size is \d+/);
      expect(engine.info, dir).toEqual(infoA);
      // Same seed, same tokens: the weights on the GPU are untouched.
      expect(tokens(await collect(engine.generate({ ...req, prefix: 'function add(a, b) {', n: 3, maxTokens: 4 })))).toEqual(before);
    }

    const infoB = await engine.load(dirSource(b.dir));
    expect(infoB).toMatchObject({ architecture: 'Qwen2ForCausalLM', layers: 1, hidden: 32 });
    expect(engine.info).toEqual(infoB);
    const out = await collect(engine.generate({ ...req, prefix: 'x', n: 2, maxTokens: 2 }));
    expect(out.at(-1)).toMatchObject({ type: 'done', cancelled: false });
    engine.destroy();
  }, 300_000);
});
