// The device's own ceilings, measured at the start of `fanout bench`, and the roofline each bench row is
// compared with. Ceilings:
//   copy GB/s   — copyBufferToBuffer of a 64 MiB buffer (bytes copied per second);
//   read GB/s   — a kernel that reads a buffer once and sums it (engine/kernels/read-sum.ts): what a decode
//                 step's weight and KV reads can reach;
//   GEMM GFLOP/s — this engine's prefill matmul (128 rows × [2048, 2048] weights of the device's dense
//                 type): the rate our own kernels reach on big products, not the hardware's peak (WebGPU
//                 has no vendor BLAS to measure that with).
//   FMA GFLOP/s — a kernel of independent register FMA chains (engine/kernels/fma-peak.ts): the compute
//                 ceiling WebGPU code can reach on this device.
// Roofline of a decode step: max(bytes read / bandwidth, FLOPs / FMA GFLOP/s), bandwidth the faster of
// read and copy (a copy reads at least as fast as it copies; our read kernel may fall short of memory).
import type { GpuContext } from './gpu/context.ts';
import type { ModelConfig } from './model/types.ts';
import { createStorage } from './gpu/buffers.ts';
import { ReadSum } from './kernels/read-sum.ts';
import { FmaPeak } from './kernels/fma-peak.ts';
import { encodeFillRandom } from './kernels/fill.ts';
import { Matmul } from './kernels/matmul.ts';
import { chunkRowsFor, splitRows, wtBytes } from './kernels/linear.ts';
import type { Linear } from './model/types.ts';

export interface Ceilings {
  copyGBps: number;
  readGBps: number;
  /** register-only FMA chains: the compute ceiling */
  fmaGflops: number;
  /** this engine's prefill matmul on a big product */
  gemmGflops: number;
  /** what the GEMM ceiling ran: rows × [out, in] and the weight type */
  gemmShape: string;
}

const now = () => performance.now();

/** Encodes kernel `k` in a compute pass of its own. */
const inPass = (k: { encode(pass: GPUComputePassEncoder): void }) => (enc: GPUCommandEncoder) => {
  const pass = enc.beginComputePass();
  k.encode(pass);
  pass.end();
};

/** Repeats `encode` into one submit, doubling the count until one submit takes ≥ minMs; ms per repetition. */
async function timed(ctx: GpuContext, encode: (enc: GPUCommandEncoder) => void, minMs: number): Promise<number> {
  const run = async (reps: number) => {
    const enc = ctx.device.createCommandEncoder({ label: 'bench.ceiling' });
    for (let i = 0; i < reps; i++) encode(enc);
    const t = now();
    ctx.device.queue.submit([enc.finish()]);
    await ctx.device.queue.onSubmittedWorkDone();
    return now() - t;
  };
  await run(1); // warm-up: compiles, pages in
  let reps = 1;
  for (;;) {
    const ms = await run(reps);
    if (ms >= minMs || reps >= 1 << 14) return ms / reps;
    reps = Math.max(reps * 2, Math.ceil((reps * minMs * 1.2) / Math.max(ms, 0.01)));
  }
}

/** Measures the three ceilings; each timing lasts ≥ minMs. */
export async function measureCeilings(ctx: GpuContext, minMs = 300): Promise<Ceilings> {
  const bytes = Math.min(64 << 20, Math.floor(ctx.maxBinding / 16) * 16);
  const a = createStorage(ctx, bytes, 'ceil.a');
  const b = createStorage(ctx, bytes, 'ceil.b');
  const [rows, outDim, inDim] = [128, 2048, 2048];
  const x = createStorage(ctx, rows * inDim * 4, 'ceil.x');
  const y = createStorage(ctx, rows * outDim * 4, 'ceil.y');
  const format = ctx.f16 ? ('f16' as const) : ('f32' as const);
  const linear: Linear = {
    outDim,
    inDim,
    chunks: splitRows(outDim, chunkRowsFor(ctx, inDim)).map(([rowStart, n], i) => ({ buffer: createStorage(ctx, n * inDim * wtBytes(ctx), `ceil.w${i}`), rowStart, rows: n, format })),
  };
  const read = new ReadSum(ctx, a, bytes);
  const fma = new FmaPeak(ctx, { iters: 4096 });
  const mm = new Matmul(ctx, { linear, x, y, maxRows: rows, label: 'ceil.gemm' });
  try {
    const fill = ctx.device.createCommandEncoder();
    const pass = fill.beginComputePass();
    encodeFillRandom(ctx, pass, { buffer: a, count: bytes / 4, dtype: 'f32', seed: 1, scale: 1 });
    for (const c of linear.chunks) encodeFillRandom(ctx, pass, { buffer: c.buffer, count: c.rows * inDim, dtype: 'WT', seed: 2, scale: 0.05 });
    encodeFillRandom(ctx, pass, { buffer: x, count: rows * inDim, dtype: 'f32', seed: 3, scale: 1 });
    pass.end();
    ctx.device.queue.submit([fill.finish()]);

    const copyMs = await timed(ctx, (enc) => enc.copyBufferToBuffer(a, 0, b, 0, bytes), minMs);
    const readMs = await timed(ctx, inPass(read), minMs);
    const fmaMs = await timed(ctx, inPass(fma), minMs);
    // Matmul writes its rows uniform at each encode: always the same rows here, so repeats may share a submit.
    const gemmMs = await timed(ctx, inPass({ encode: (p) => mm.encode(p, rows) }), minMs);
    return {
      copyGBps: bytes / copyMs / 1e6,
      readGBps: bytes / readMs / 1e6,
      fmaGflops: fma.flops / fmaMs / 1e6,
      gemmGflops: (2 * rows * outDim * inDim) / gemmMs / 1e6,
      gemmShape: `${rows} × [${outDim}, ${inDim}] ${format}`,
    };
  } finally {
    read.destroy();
    fma.destroy();
    mm.destroy();
    for (const c of linear.chunks) c.buffer.destroy();
    for (const buf of [a, b, x, y]) buf.destroy();
  }
}

/** Matrix weights one decode row multiplies (every layer's projections and the LM head). */
export function matrixParams(c: ModelConfig): number {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  const layer = c.hidden * (q + 2 * kv) + q * c.hidden + 3 * c.hidden * c.intermediate;
  return c.layers * layer + c.vocabSize * c.hidden;
}

/**
 * FLOPs of one decode step with n rows at context ctx (each row attends to ctx + step + 1 tokens; the
 * middle step of a run of `steps`): 2 per weight per row, and 4 per (query head, key, head dim) for
 * attention's two products.
 */
export function decodeFlops(c: ModelConfig, n: number, ctx: number, step: number): number {
  return 2 * n * matrixParams(c) + 4 * n * c.layers * c.heads * c.headDim * (ctx + step + 1);
}

/** Roofline ms of a step that reads `bytes` and does `flops`. */
export function rooflineMs(ceil: Ceilings, bytes: number, flops: number): number {
  return Math.max(bytes / (bandwidthGBps(ceil) * 1e6), flops / (ceil.fmaGflops * 1e6));
}

/** The bandwidth the roofline uses: the faster of the read kernel and the copy. */
export const bandwidthGBps = (c: Ceilings) => Math.max(c.readGBps, c.copyGBps);
