// Test suite (run by attention-f16.test.ts and attention-f32.test.ts): prefill and decode attention
// against the float64 reference, on fresh random inputs, with small chunkBytes so KV buffers split at odd token/sample counts, and forced split counts that cross tiles.
import { variantsFor, type DeviceKind } from '../variants.ts';
import { describe, expect, it } from 'vitest';
import { testGpu, testSeed, rng, maxRelError } from '../../tests/gpu.ts';
import type { GpuContext } from '../gpu/context.ts';
import { createStorage, readF32, writeBuffer } from '../gpu/buffers.ts';
import { roundToF16 } from '../gpu/f16.ts';
import { KvCache, type KvLayout } from '../kv-cache.ts';
import type { AttentionMode } from '../../protocol/engine.ts';
import { PrefillAttention } from './prefill.ts';
import { DecodeAttention } from './decode.ts';
import { attentionRef } from './attention.ref.ts';
import type { AttnTuning } from './kernels.ts';

interface Case {
  name: string;
  H: number;
  G: number;
  D: number;
  ctx: number;
  /** prefill chunk sizes (sum = ctx) */
  chunks: number[];
  /** context chunk in tokens (chunkBytes = tokens · tokenBytes) */
  chunkTokens: number;
  samples: number;
  rows: number[];
  steps: number;
  tuning?: Partial<AttnTuning>;
  /** run this device profile's tuning (engine/variants.ts), forced on lavapipe */
  profile?: DeviceKind;
  /** with profile: false forces the variants without subgroups (lavapipe has them) */
  subgroups?: boolean;
}

const CASES: Case[] = [
  // sharedMinQueries: 2 keeps the shared-context kernel in the decode path at these small sample counts.
  { name: 'MHA D=64', H: 4, G: 4, D: 64, ctx: 203, chunks: [64, 64, 64, 11], chunkTokens: 77, samples: 6, rows: [3, 0, 5], steps: 3, tuning: { sharedMinQueries: 2 } },
  { name: 'GQA p=4 D=128', H: 8, G: 2, D: 128, ctx: 141, chunks: [50, 64, 27], chunkTokens: 53, samples: 4, rows: [1, 2, 0, 3], steps: 3, tuning: { rowsMinKeys: 32, targetWorkgroups: 64, sharedMinQueries: 2 } },
  { name: 'GQA p=2 D=32', H: 6, G: 3, D: 32, ctx: 97, chunks: [33, 64], chunkTokens: 1000, samples: 5, rows: [4, 2], steps: 4, tuning: { rowsMinKeys: 16, targetWorkgroups: 96 } },
  { name: 'MQA D=64', H: 4, G: 1, D: 64, ctx: 170, chunks: [64, 64, 42], chunkTokens: 60, samples: 3, rows: [2, 0, 1], steps: 2 },
  // The GPU profile's variants (portable kernels, the K/V-tiled shared-context kernel, 32-lane rows,
  // splits for 1024 workgroups) are otherwise not exercised on a CPU adapter. Prefill chunks of 50–64
  // rows × P cross several query blocks of the tiled kernel; its reduction runs with subgroup shuffles
  // (lavapipe has subgroups of 8) and, forced, through workgroup memory; tpq 1 and 2 by override.
  { name: 'GQA p=2 D=64, GPU profile', H: 4, G: 2, D: 64, ctx: 150, chunks: [64, 64, 22], chunkTokens: 70, samples: 4, rows: [3, 1], steps: 3, profile: 'gpu' },
  { name: 'GQA p=4 D=64, GPU profile without subgroups', H: 8, G: 2, D: 64, ctx: 141, chunks: [50, 64, 27], chunkTokens: 53, samples: 5, rows: [1, 2, 0, 3, 4], steps: 2, profile: 'gpu', subgroups: false },
  { name: 'MHA D=32, GPU profile, tiled tpq 2 (subgroups)', H: 3, G: 3, D: 32, ctx: 90, chunks: [40, 50], chunkTokens: 1000, samples: 6, rows: [5, 0, 2], steps: 2, profile: 'gpu', tuning: { sharedTiled: { lanes: 32, tpq: 2, kb: 8, subgroups: true } } },
  { name: 'MHA D=32, GPU profile, tiled tpq 1', H: 3, G: 3, D: 32, ctx: 90, chunks: [40, 50], chunkTokens: 45, samples: 6, rows: [5, 0, 2], steps: 2, profile: 'gpu', subgroups: false, tuning: { sharedTiled: { lanes: 16, tpq: 1, kb: 4, subgroups: false } } },
];

/** The case's tuning: its profile's (when forced) with the case's own values over it. */
function tuningOf(ctx: GpuContext, c: Case): Partial<AttnTuning> | undefined {
  return c.profile ? { ...variantsFor(ctx, c.profile, { subgroups: c.subgroups }).attention(c.D), ...c.tuning } : c.tuning;
}

function kvRound(ctx: GpuContext, a: Float32Array): Float64Array {
  return ctx.f16 ? roundToF16(a) : Float64Array.from(a);
}

async function submit(ctx: GpuContext, fn: (pass: GPUComputePassEncoder) => void) {
  const enc = ctx.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  fn(pass);
  pass.end();
  ctx.device.queue.submit([enc.finish()]);
}

interface Setup {
  ctx: GpuContext;
  c: Case;
  cache: KvCache;
  qkv: GPUBuffer;
  out: GPUBuffer;
  /** reference context K, V [ctx, G·D] (KT-rounded) */
  kc: Float64Array;
  vc: Float64Array;
  prefillErr: number;
}

/** Prefills the context in chunks, checking each chunk's output against causal reference attention. */
async function prefill(ctx: GpuContext, c: Case, mode: AttentionMode, seed: number, maxNew: number): Promise<Setup> {
  const { H, G, D } = c;
  const W = (H + 2 * G) * D;
  const maxRows = Math.max(...c.chunks);
  const tokenBytes = G * D * (ctx.f16 ? 2 : 4);
  const layout: KvLayout = { layers: 2, kvHeads: G, headDim: D, contextCapacity: c.ctx + 5, samples: c.samples, maxNew, mode, chunkBytes: c.chunkTokens * tokenBytes };
  const cache = new KvCache(ctx, layout);
  const qkv = createStorage(ctx, Math.max(maxRows, c.samples) * W * 4, 'test.qkv');
  const out = createStorage(ctx, Math.max(maxRows, c.samples) * H * D * 4, 'test.out');
  const pre = new PrefillAttention(ctx, { cache, layer: 1, qkv, out, heads: H, maxRows, tuning: tuningOf(ctx, c) });
  const r = rng(seed);
  const kc = new Float64Array(c.ctx * G * D);
  const vc = new Float64Array(c.ctx * G * D);
  let pos = 0;
  let prefillErr = 0;
  for (const rows of c.chunks) {
    const x = r.fill(rows * W, 1);
    for (let i = 0; i < rows * H * D; i++) x[Math.floor(i / (H * D)) * W + (i % (H * D))] *= 3; // peakier softmax
    writeBuffer(ctx, qkv, 0, x);
    for (let t = 0; t < rows; t++) {
      kc.set(kvRound(ctx, x.subarray(t * W + H * D, t * W + (H + G) * D)), (pos + t) * G * D);
      vc.set(kvRound(ctx, x.subarray(t * W + (H + G) * D, (t + 1) * W)), (pos + t) * G * D);
    }
    await submit(ctx, (pass) => pre.encode(pass, rows, pos));
    const got = await readF32(ctx, out, rows * H * D);
    const want = new Float64Array(rows * H * D);
    for (let t = 0; t < rows; t++) want.set(attentionRef(x.subarray(t * W, t * W + H * D), kc, vc, pos + t + 1, H, G, D), t * H * D);
    prefillErr = Math.max(prefillErr, maxRelError(got, want));
    pos += rows;
  }
  pre.destroy();
  return { ctx, c, cache, qkv, out, kc, vc, prefillErr };
}

/** Decodes c.steps steps with rows c.rows; returns the outputs of every step and the max error vs the reference. */
async function decode(s: Setup, seed: number): Promise<{ outs: Float32Array[]; err: number }> {
  const { ctx, c, cache, qkv, out } = s;
  const { H, G, D } = c;
  const W = (H + 2 * G) * D;
  const rows = c.rows.length;
  const rowSample = createStorage(ctx, c.samples * 4, 'test.rowSample');
  writeBuffer(ctx, rowSample, 0, new Uint32Array(c.rows));
  if (cache.layout.mode === 'standard') {
    const enc = ctx.device.createCommandEncoder();
    cache.encodeBroadcastContext(enc, c.ctx);
    ctx.device.queue.submit([enc.finish()]);
  }
  const dec = new DecodeAttention(ctx, { cache, layer: 1, qkv, out, heads: H, maxRows: c.samples, rowSample, tuning: tuningOf(ctx, c) });
  const r = rng(seed);
  // per sample: decoded k, v so far
  const dk = Array.from({ length: c.samples }, () => [] as Float64Array[]);
  const dv = Array.from({ length: c.samples }, () => [] as Float64Array[]);
  const outs: Float32Array[] = [];
  let err = 0;
  for (let step = 0; step < c.steps; step++) {
    const x = r.fill(rows * W, 1);
    for (let i = 0; i < rows * H * D; i++) x[Math.floor(i / (H * D)) * W + (i % (H * D))] *= 3;
    writeBuffer(ctx, qkv, 0, x);
    await submit(ctx, (pass) => dec.encode(pass, rows, c.ctx, step));
    const got = await readF32(ctx, out, rows * H * D);
    outs.push(got);
    for (let j = 0; j < rows; j++) {
      const smp = c.rows[j];
      dk[smp].push(kvRound(ctx, x.subarray(j * W + H * D, j * W + (H + G) * D)));
      dv[smp].push(kvRound(ctx, x.subarray(j * W + (H + G) * D, (j + 1) * W)));
      const n = c.ctx + step + 1;
      const k = new Float64Array(n * G * D);
      const v = new Float64Array(n * G * D);
      k.set(s.kc);
      v.set(s.vc);
      for (let t = 0; t <= step; t++) {
        k.set(dk[smp][t], (c.ctx + t) * G * D);
        v.set(dv[smp][t], (c.ctx + t) * G * D);
      }
      const want = attentionRef(x.subarray(j * W, j * W + H * D), k, v, n, H, G, D);
      err = Math.max(err, maxRelError(got.subarray(j * H * D, (j + 1) * H * D), want));
    }
  }
  dec.destroy();
  rowSample.destroy();
  return { outs, err };
}

/** Registers the attention tests on the f16- or f32-storage device. */
export function attentionSuite(kind: 'f16' | 'f32') {
  describe(`attention (${kind})`, () => {
    for (const c of CASES) {
      it(`${c.name}: prefill in chunks, decode bifurcated = standard = reference`, async () => {
        const ctx = await testGpu(kind);
        const tol = ctx.f16 ? 1e-2 : 1e-4;
        const seed = testSeed();
        const res: Record<string, { outs: Float32Array[]; err: number; prefillErr: number }> = {};
        for (const mode of ['bifurcated', 'standard'] as const) {
          const s = await prefill(ctx, c, mode, seed, c.steps + 2);
          const d = await decode(s, seed + 1);
          res[mode] = { ...d, prefillErr: s.prefillErr };
          s.cache.destroy();
          s.qkv.destroy();
          s.out.destroy();
        }
        let cross = 0;
        for (let i = 0; i < c.steps; i++) cross = Math.max(cross, maxRelError(res.bifurcated.outs[i], res.standard.outs[i]));
        const msg = `seed ${seed} (FANOUT_TEST_SEED=${seed}) errors: prefill ${res.bifurcated.prefillErr}, bifurcated ${res.bifurcated.err}, standard ${res.standard.err}, cross ${cross}`;
        expect(res.bifurcated.prefillErr, msg).toBeLessThan(tol);
        expect(res.standard.prefillErr, msg).toBeLessThan(tol);
        expect(res.bifurcated.err, msg).toBeLessThan(tol);
        expect(res.standard.err, msg).toBeLessThan(tol);
        expect(cross, msg).toBeLessThan(tol);
      });
    }
  });
}
