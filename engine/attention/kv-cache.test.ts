// KvCache geometry: bytesNeeded equals what is allocated; every (sample, token) is in exactly one buffer
// of ≤ chunkBytes; kvBytesReadPerStep by the paper's formulas.
import { describe, expect, it } from 'vitest';
import { testGpu } from '../../tests/gpu.ts';
import { KvCache, type KvLayout } from '../kv-cache.ts';

describe('KvCache', () => {
  it('bytesNeeded matches the allocation; geometry splits by samples and by tokens', async () => {
    const ctx = await testGpu('f16');
    for (const mode of ['bifurcated', 'standard'] as const) {
      for (const chunkTokens of [7, 40, 1000]) {
        const layout: KvLayout = { layers: 3, kvHeads: 2, headDim: 32, contextCapacity: 50, samples: 5, maxNew: 9, mode, chunkBytes: chunkTokens * 2 * 32 * (ctx.f16 ? 2 : 4) };
        const cache = new KvCache(ctx, layout);
        let sum = 0;
        for (const l of cache.layers) for (const st of [l.context, l.perSample]) {
          // every (sample, token) covered exactly once
          const seen = new Uint8Array(st.samples * st.seqLen);
          for (const s of st.segs) {
            sum += s.k.size + s.v.size;
            expect(s.samples * s.tokens * cache.tokenBytes).toBeLessThanOrEqual(cache.chunkBytes);
            for (let a = s.sampleStart; a < s.sampleStart + s.samples; a++) for (let t = s.tokenStart; t < s.tokenStart + s.tokens; t++) seen[a * st.seqLen + t]++;
          }
          expect(seen.every((x) => x === 1)).toBe(true);
        }
        expect(KvCache.bytesNeeded(layout, ctx.f16, ctx.maxBinding)).toBe(sum);
        expect(cache.bytes).toBe(sum);
        cache.destroy();
      }
    }
    const lay: KvLayout = { layers: 2, kvHeads: 4, headDim: 64, contextCapacity: 1000, samples: 8, maxNew: 100, mode: 'bifurcated' };
    expect(KvCache.kvBytesReadPerStep(lay, true, 8, 1000, 9)).toBe(2 * 2 * 4 * 64 * 2 * (1000 + 8 * 10));
    expect(KvCache.kvBytesReadPerStep({ ...lay, mode: 'standard' }, true, 8, 1000, 9)).toBe(2 * 2 * 4 * 64 * 2 * 8 * 1010);
  });
});
