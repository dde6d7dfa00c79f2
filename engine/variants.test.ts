// The registry's choices for the GPU profile's tiled shared-context attention: workgroup memory within the
// device's limit, lanes per query vector within the smallest subgroup when subgroups reduce.
import { expect, it } from 'vitest';
import type { GpuContext } from './gpu/context.ts';
import { variantsFor } from './variants.ts';

/** A context as variantsFor sees it (no device: the registry only reads features and limits). */
function fakeCtx(subgroups: boolean, subgroupMinSize: number, workgroupMemory: number): GpuContext {
  return {
    info: { name: 'test GPU', vendor: 'test', architecture: '', backend: '', features: [], adapterFeatures: [], limits: {} },
    f16: true,
    timestamps: false,
    subgroups,
    subgroupMinSize,
    device: { limits: { maxComputeWorkgroupStorageSize: workgroupMemory } },
  } as unknown as GpuContext;
}

it('the tiled attention fits workgroup memory and its subgroups, for common head sizes', () => {
  for (const D of [32, 64, 80, 96, 128, 256])
    for (const [sg, min] of [[true, 4], [true, 8], [true, 32], [false, 4]] as const)
      for (const mem of [16384, 32768]) {
        const t = variantsFor(fakeCtx(sg, min, mem), 'gpu').attention(D).sharedTiled;
        expect(t, `D=${D}`).not.toBeNull();
        const { lanes, tpq, kb, subgroups } = t!;
        const what = `D=${D} subgroups=${sg}/${min} mem=${mem}: ${JSON.stringify(t)}`;
        expect(subgroups, what).toBe(sg);
        expect(2 * kb * (D / 4) * 16 + (sg ? 0 : kb * lanes * 4), what).toBeLessThanOrEqual(mem);
        expect((D / 4) % tpq, what).toBe(0);
        expect(lanes % tpq, what).toBe(0);
        if (sg) expect(tpq, what).toBeLessThanOrEqual(min);
        expect(kb % 4, what).toBe(0);
      }
  // D = 128 on a device with subgroups of ≥ 8 and 16 KiB: 8 lanes per query vector, 16 query vectors of
  // 128 lanes, tiles of 16 keys (16 KiB of K and V).
  expect(variantsFor(fakeCtx(true, 8, 16384), 'gpu').attention(128).sharedTiled).toEqual({ lanes: 128, tpq: 8, kb: 16, subgroups: true });
  // without subgroups the reduction's memory shrinks the tile
  expect(variantsFor(fakeCtx(false, 4, 16384), 'gpu').attention(128).sharedTiled).toEqual({ lanes: 128, tpq: 8, kb: 8, subgroups: false });
  // the CPU profile keeps the uniform-load kernel
  expect(variantsFor(fakeCtx(true, 8, 32768), 'cpu').attention(64).sharedTiled).toBeNull();
});

it('subgroup variants are asked for only where the device has subgroups', () => {
  expect(() => variantsFor(fakeCtx(false, 4, 16384), 'gpu', { subgroups: true })).toThrow(/has no subgroups/);
  expect(variantsFor(fakeCtx(true, 8, 16384), 'gpu', { subgroups: false }).profile.subgroups).toBe(false);
});
