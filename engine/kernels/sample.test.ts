import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng } from '../../tests/gpu.ts';
import { createStorageFrom } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { NonFiniteLogitsError, type SamplingParams } from '../sampler.ts';
import { GpuSampler, type SampleRow } from './sample.ts';
import { keptDistribution, orderKey, fromKey, sampleRef, sampleRefNear } from './sample.ref.ts';

// shaders/sample.wgsl against its float64 reference (sample.ref.ts) on fresh random logits: the same token
// for the same (seed, sample, step) except where the reference itself flips under a 1e-4 relative move of
// the top-p target or the uniform (a near tie that f32 sums may break either way), log p within 1e-4; and
// the draws' distribution against an independent sort-based definition of top-k / top-p.

const PARAMS: [string, SamplingParams][] = [
  ['greedy', { temperature: 0, topK: 0, topP: 1 }],
  ['T 0.7', { temperature: 0.7, topK: 0, topP: 1 }],
  ['top-k 5', { temperature: 1, topK: 5, topP: 1 }],
  ['top-k 1', { temperature: 1.2, topK: 1, topP: 1 }],
  ['top-p 0.9', { temperature: 1, topK: 0, topP: 0.9 }],
  ['top-p 0.01', { temperature: 0.8, topK: 0, topP: 0.01 }],
  ['top-k 40 + top-p 0.95, T 1.3', { temperature: 1.3, topK: 40, topP: 0.95 }],
];

async function draw(sampler: GpuSampler, logits: GPUBuffer, rows: SampleRow[], p: SamplingParams, seed: number, step: number) {
  const ctx = await testGpu('f32');
  await checked(ctx, 'sample', () => {
    const enc = ctx.device.createCommandEncoder();
    sampler.encode(enc, logits, rows, p, seed, step);
    ctx.device.queue.submit([enc.finish()]);
  });
  return sampler.startRead(rows.length);
}

describe('order keys', () => {
  it('follow the float order and round-trip', () => {
    const r = rng(testSeed());
    const xs = [-Infinity, -1e30, -2, -1e-40, -0, 0, 1e-40, 0.5, 3, 1e30, Infinity].map(Math.fround);
    for (let i = 0; i < 50; i++) xs.push(Math.fround(r.normal() * 10 ** r.int(6)));
    xs.sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(orderKey(xs[i]) >= orderKey(xs[i - 1]), `${xs[i - 1]} < ${xs[i]}`).toBe(true);
    expect(orderKey(-0)).toBe(orderKey(0));
    for (const x of xs) if (!Object.is(x, -0)) expect(fromKey(orderKey(x))).toBe(x);
  });
});

describe('GPU sampler vs its float64 reference', () => {
  // spread: normal·3 (at 8197 more than the kernel's 1024 candidates lie within 10 nats of the maximum:
  // the full-vocabulary bisection); ties: the same rounded to halves; peaked: most tokens 15 below the
  // rest, like a language model's row (the candidate-list bisection)
  for (const vocab of [50, 1000, 8197]) {
    for (const shape of ['spread', 'ties', 'peaked'] as const) {
      if (vocab === 50 && shape === 'peaked') continue;
      it(`vocab ${vocab}, ${shape} logits`, async () => {
        const ctx = await testGpu('f32');
        const seed = testSeed();
        const r = rng(seed);
        const nLogitRows = 3;
        const data = new Float32Array(nLogitRows * vocab);
        for (let i = 0; i < data.length; i++) {
          const v = r.normal() * 3;
          data[i] = shape === 'ties' ? Math.round(v * 2) / 2 : shape === 'peaked' && r.next() < 0.97 ? v - 15 : v;
        }
        data[r.int(vocab)] = -Infinity; // a -Infinity logit is legal: weight 0
        const logits = createStorageFrom(ctx, data, 'logits');
        // masks: half the vocabulary; three tokens only
        const half = new Uint8Array(vocab).map(() => (r.next() < 0.5 ? 1 : 0));
        half[r.int(vocab)] = 1;
        const three = new Uint8Array(vocab);
        for (let i = 0; i < 3; i++) three[r.int(vocab)] = 1;
        const rows: SampleRow[] = [];
        for (let i = 0; i < 12; i++) rows.push({ logitsRow: i % nLogitRows, sample: r.int(1000), mask: i % 4 === 1 ? half : i % 4 === 3 ? three : undefined });
        const sampler = new GpuSampler(ctx, rows.length, vocab);
        try {
          let near = 0;
          for (const [name, p] of PARAMS) {
            const drawSeed = r.int(2 ** 40) - 2 ** 39;
            const step = r.int(500);
            const got = await draw(sampler, logits, rows, p, drawSeed, step);
            for (let i = 0; i < rows.length; i++) {
              const o = { seed: drawSeed, sample: rows[i].sample, step, mask: rows[i].mask };
              const want = sampleRef(data, rows[i].logitsRow * vocab, vocab, p, o);
              const where = `seed ${seed}, ${name}, row ${i}`;
              if (got.tokens[i] === want.token) {
                expect(Math.abs(got.logprobs[i] - want.logprob), where).toBeLessThan(1e-4);
              } else {
                const ok = sampleRefNear(data, rows[i].logitsRow * vocab, vocab, p, o);
                expect(ok.has(got.tokens[i]), `${where}: GPU drew ${got.tokens[i]}, reference ${[...ok].join(' or ')}`).toBe(true);
                near++;
              }
              if (rows[i].mask) expect(rows[i].mask![got.tokens[i]], `${where}: a masked token`).toBe(1);
            }
          }
          expect(near, `seed ${seed}: draws that differ on a near tie`).toBeLessThanOrEqual(3);
        } finally {
          sampler.destroy();
          logits.destroy();
        }
      });
    }
  }

  it('a row with NaN or +Infinity among its allowed logits raises NonFiniteLogitsError; masked away it does not', async () => {
    const ctx = await testGpu('f32');
    const vocab = 300;
    const data = new Float32Array(vocab).map((_, i) => Math.sin(i));
    data[17] = Number.NaN;
    data[42] = Infinity;
    const logits = createStorageFrom(ctx, data, 'logits');
    const sampler = new GpuSampler(ctx, 1, vocab);
    try {
      const p = { temperature: 1, topK: 0, topP: 1 };
      await expect(draw(sampler, logits, [{ logitsRow: 0, sample: 0 }], p, 1, 0)).rejects.toThrow(NonFiniteLogitsError);
      const mask = new Uint8Array(vocab).fill(1);
      mask[17] = 0;
      mask[42] = 0;
      const got = await draw(sampler, logits, [{ logitsRow: 0, sample: 0, mask }], p, 1, 0);
      expect(got.tokens[0]).toBe(sampleRef(data, 0, vocab, p, { seed: 1, sample: 0, step: 0, mask }).token);
    } finally {
      sampler.destroy();
      logits.destroy();
    }
  });
});

describe('GPU sampler distribution', () => {
  it('4096 draws of one row follow the sort-based top-k / top-p distribution (chi-square)', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    const vocab = 64;
    const data = new Float32Array(vocab).map(() => r.normal() * 1.5);
    const logits = createStorageFrom(ctx, data, 'logits');
    const p = { temperature: 0.9, topK: 12, topP: 0.9 };
    const n = 4096;
    const sampler = new GpuSampler(ctx, n, vocab);
    try {
      const rows = Array.from({ length: n }, (_, i) => ({ logitsRow: 0, sample: i }));
      const got = await draw(sampler, logits, rows, p, r.int(2 ** 31), r.int(100));
      const want = keptDistribution(data, 0, vocab, p);
      const counts = new Map<number, number>();
      for (const t of got.tokens) {
        expect(want.has(t), `seed ${seed}: token ${t} is outside the kept set`).toBe(true);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      let chi2 = 0;
      for (const [t, q] of want) chi2 += ((counts.get(t) ?? 0) - n * q) ** 2 / (n * q);
      // df = kept − 1 ≤ 11: the 1e-6 tail starts near 45
      expect(chi2, `seed ${seed}: chi-square ${chi2.toFixed(1)} over ${want.size} tokens`).toBeLessThan(45);
    } finally {
      sampler.destroy();
      logits.destroy();
    }
  });
});
