import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError, runPass } from '../../tests/gpu.ts';
import { createStorage, createStorageFrom, readF32 } from '../gpu/buffers.ts';
import { checked } from '../gpu/pipeline.ts';
import { roundToF16 } from '../gpu/f16.ts';
import { createLinear, createLinearChunked } from './linear.ts';
import { Embed } from './embed.ts';
import { embedRef } from './embed.ref.ts';
import { dequantizeMatrix } from '../formats/format.ts';
import { FORMATS, QUANTIZED } from '../formats/registry.ts';
import { randomBlocks } from '../formats/random-blocks.ts';

for (const kind of ['f16', 'f32'] as const) {
  describe(`Embed (${kind} weights)`, () => {
    // odd hidden (f16 pairs straddle table rows), uneven chunks, rows crossing chunk boundaries
    for (const c of [
      { vocab: 100, hidden: 67, chunks: [30, 1, 45, 24], rows: [1, 37] },
      { vocab: 50, hidden: 200, chunks: undefined, rows: [3] },
    ]) {
      it(`vocab ${c.vocab} hidden ${c.hidden} chunks ${c.chunks ?? 'one'}`, async () => {
        const ctx = await testGpu(kind);
        const seed = testSeed();
        const r = rng(seed);
        const maxRows = Math.max(...c.rows);
        const t = r.fill(c.vocab * c.hidden, 1);
        const table = c.chunks ? createLinearChunked(ctx, t, c.vocab, c.hidden, c.chunks) : createLinear(ctx, t, c.vocab, c.hidden);
        const tRef = ctx.f16 ? roundToF16(t) : t;
        const out = createStorage(ctx, maxRows * c.hidden * 4, 'out');
        for (const rows of c.rows) {
          const tok = new Uint32Array(maxRows).map((_, i) => (i === 0 ? c.vocab - 1 : i === 1 ? 0 : r.int(c.vocab)));
          const tokens = createStorageFrom(ctx, tok, 'tokens');
          const k = new Embed(ctx, { table, tokens, out, maxRows });
          ctx.device.queue.writeBuffer(out, 0, new Float32Array(maxRows * c.hidden).fill(7));
          await checked(ctx, 'embed', () => {
            const enc = ctx.device.createCommandEncoder();
            const pass = enc.beginComputePass();
            k.encode(pass, rows);
            pass.end();
            ctx.device.queue.submit([enc.finish()]);
          });
          const got = await readF32(ctx, out, maxRows * c.hidden);
          // a table lookup is exact
          expect(maxRelError(got.subarray(0, rows * c.hidden), embedRef(tRef, tok, rows, c.hidden)), `seed ${seed} rows ${rows}`).toBe(0);
          expect(got.subarray(rows * c.hidden).every((v) => v === 7), `seed ${seed}: wrote past row ${rows}`).toBe(true);
        }
      });
    }
  });
}

describe('Embed (quantized tables)', () => {
  // Random blocks of every quantized format, one chunk each, in one table: rows of the batch land in
  // different chunks (formats); values equal the float64 dequantization up to f32 rounding of d·sc·q − dmin·m.
  it('Q8_0, Q6_K, Q5_K, Q4_K, Q4_0 and BF16 chunks of one table, rows across chunks', async () => {
    const ctx = await testGpu('f32');
    const seed = testSeed();
    const r = rng(seed);
    const hidden = 512;
    const all = [...QUANTIZED, FORMATS.bf16];
    const sizes = [7, 12, 5, 9, 11, 6];
    const formats = all.map((f) => f.name);
    const vocab = sizes.reduce((a, b) => a + b, 0);
    const blocks = sizes.map((rows, i) => randomBlocks(all[i]!, (rows * hidden) / all[i]!.blockSize, r.next));
    const table = createLinearChunked(ctx, new Float32Array(vocab * hidden), vocab, hidden, sizes, undefined, formats, blocks);
    const tRef = new Float64Array(vocab * hidden);
    let row = 0;
    sizes.forEach((rows, i) => {
      tRef.set(dequantizeMatrix(all[i]!, blocks[i]!, rows, hidden), row * hidden);
      row += rows;
    });
    const maxRows = 40;
    const tok = new Uint32Array(maxRows).map((_, i) => (i === 0 ? vocab - 1 : i === 1 ? 0 : r.int(vocab)));
    const tokens = createStorageFrom(ctx, tok, 'tokens');
    const out = createStorage(ctx, maxRows * hidden * 4, 'out');
    ctx.device.queue.writeBuffer(out, 0, new Float32Array(maxRows * hidden).fill(7));
    const k = new Embed(ctx, { table, tokens, out, maxRows });
    const rows = 33;
    await runPass(ctx, 'embed', (pass) => k.encode(pass, rows));
    const got = await readF32(ctx, out, maxRows * hidden);
    expect(maxRelError(got.subarray(0, rows * hidden), embedRef(tRef, tok, rows, hidden)), `seed ${seed}`).toBeLessThan(1e-6);
    expect(got.subarray(rows * hidden).every((v) => v === 7), `seed ${seed}: wrote past row ${rows}`).toBe(true);
  });
});
