// Shared set-up for whole-engine tests: random-weight model folders on disk, engines on the test GPU.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { testGpu } from '../gpu.ts';
import { Engine, type EngineOptions } from '../../engine/engine.ts';
import { dirSource } from '../../engine/model/fs-source.ts';
import type { GenerateEvent } from '../../protocol/engine.ts';

export type FixtureOpts = Parameters<typeof writeRandomModel>[1];

export async function makeModelDir(opts: FixtureOpts) {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-model-'));
  const fixture = await writeRandomModel(dir, opts);
  return { dir, ...fixture };
}

export async function engineFor(dir: string, kind: 'f16' | 'f32', opts: EngineOptions = {}) {
  const ctx = await testGpu(kind);
  const engine = await Engine.create(ctx, opts);
  await engine.load(dirSource(dir));
  return engine;
}

/** log-softmax of one row of float64 logits */
export function logSoftmax64(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i] - lse;
  return out;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A request's events by sample: its tokens and their log-probabilities, its finish events and the done event. */
export function candidates(events: GenerateEvent[]) {
  const tokens = new Map<number, number[]>();
  const logprobs = new Map<number, number[]>();
  for (const e of events) {
    if (e.type === 'token' && e.token >= 0) {
      tokens.set(e.sample, [...(tokens.get(e.sample) ?? []), e.token]);
      logprobs.set(e.sample, [...(logprobs.get(e.sample) ?? []), e.logprob]);
    }
  }
  const finishes = events.filter((e): e is Extract<GenerateEvent, { type: 'finish' }> => e.type === 'finish');
  return { tokens, logprobs, finishes, done: events.find((e) => e.type === 'done') as Extract<GenerateEvent, { type: 'done' }> };
}
