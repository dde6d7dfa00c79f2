// The bundled model: the engine agrees with the training code's PyTorch forward (float32 compute on the
// exported f16 weights). Fixture: tests/fixtures/parity/<model>.json from tools/train/parity_fixture.sh.
// Tolerance on per-token log-probabilities: 2e-3 with f32 KV/activations, 3e-2 with f16 KV cache.
import { test, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { engineFor, logSoftmax64 } from './helpers.ts';
import { defaultModelDir } from '../../engine/host/cli-model.ts';

const dir = defaultModelDir();
const name = dir.split('/').pop()!;
const fixture = JSON.parse(readFileSync(join('tests/fixtures/parity', `${name}.json`), 'utf8')) as {
  model_sha256: string;
  cases: { prompt: string; ids: number[]; logprobs: number[]; top: [number, number][] }[];
};

test('the fixture was computed from the shipped weights', () => {
  const sha = createHash('sha256').update(readFileSync(join(dir, 'model.safetensors'))).digest('hex');
  expect(sha, `re-run: bash tools/train/parity_fixture.sh ${dir}`).toBe(fixture.model_sha256);
});

for (const kind of ['f32', 'f16'] as const) {
  test(`${kind} storage: tokenizer ids and log-probabilities match PyTorch`, async () => {
    const engine = await engineFor(dir, kind);
    const tol = kind === 'f32' ? 2e-3 : 3e-2;
    for (const c of fixture.cases) {
      expect(engine.tokenizer.encode(c.prompt), c.prompt).toEqual(c.ids);
      const V = engine.info!.vocab;
      const logits = await engine.logits(c.ids);
      for (let i = 0; i < c.logprobs.length; i++) {
        const lp = logSoftmax64(logits.subarray(i * V, (i + 1) * V));
        expect(Math.abs(lp[c.ids[i + 1]] - c.logprobs[i]), `${JSON.stringify(c.prompt)} position ${i}`).toBeLessThan(tol);
      }
      const last = logSoftmax64(logits.subarray((c.ids.length - 1) * V, c.ids.length * V));
      for (const [id, want] of c.top) expect(Math.abs(last[id] - want)).toBeLessThan(tol);
    }
    engine.destroy();
  });
}
