// Microbenchmark of the matmul kernels at decode/prefill shapes on the Node WebGPU device (lavapipe here).
//   npx tsx scripts/bench-kernels.ts [--f32] [--format q4_k] [--cpu] [--shapes 4096x4096,11008x4096|small] [--rows 1,4,8,16,32,64] [--tiles R.C.WG|tiled|R.C.WG.gemv[.sg],...] [--ms 1500]
// Prints, per shape and row count, time per matmul, GFLOP/s (2·rows·in·out / t) and GB/s of weight read
// (the Linear's GPU bytes / t). Dense weights are filled on the GPU (encodeFillRandom), so large shapes cost
// no upload; --format (a quantized weight format) uploads random blocks.
import './wgsl-loader.ts';

const { acquireNodeGpu } = await import('../engine/gpu/node-gpu.ts');
const { createStorage } = await import('../engine/gpu/buffers.ts');
const { encodeFillRandom } = await import('../engine/kernels/fill.ts');
const { Matmul } = await import('../engine/kernels/matmul.ts');
const { variantsFor } = await import('../engine/variants.ts');
const { chunkRowsFor, splitRows, wtBytes, createLinear, linearBytes } = await import('../engine/kernels/linear.ts');
const { formatByName } = await import('../engine/formats/registry.ts');
const { randomBlocks } = await import('../engine/formats/random-blocks.ts');
type Linear = import('../engine/model/types.ts').Linear;
type MatmulTile = import('../engine/kernels/matmul.ts').MatmulTile;

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const f32 = args.includes('--f32');
const SMALL = '576x192,1024x192,192x512,8192x192'; // the bundled 4M model: hidden 192, MLP 512, vocab 8192
const shapes = (arg('--shapes') ?? '4096x4096,22016x4096,4096x11008,32000x4096').replace('small', SMALL).split(',').map((s) => s.split('x').map(Number) as [number, number]);
const rowsList = (arg('--rows') ?? '1,4,8,16,32,64').split(',').map(Number);
const tiles: (MatmulTile | undefined)[] = arg('--tiles')
  ? arg('--tiles')!.split(',').map((t) => {
      // R.C.WG, "tiled": the GPU profile's workgroup-tiled GEMM (engine/kernels/gemm-tiled-gen.ts), or
      // R.C.WG.gemv[.sg]: the GPU profile's GEMV (engine/kernels/gemv-gen.ts), .sg with its subgroup reduction
      if (t === 'tiled') return { R: 64, C: 64, WG: 256, tiled: true };
      const [r, c, wg, kind, sg] = t.split('.');
      const [R, C, WG] = [r, c, wg].map(Number);
      return kind === 'gemv' ? { R, C, WG, gemv: true, subgroups: sg === 'sg' } : { R, C, WG };
    })
  : [undefined];
const minMs = Number(arg('--ms') ?? 1500);
// --cpu: also report the process's CPU time per matmul (lavapipe's threads live in this process, so on a
// shared machine CPU time is a steadier measure of kernel cost than wall time).
const cpu = args.includes('--cpu');

const quant = arg('--format') ? formatByName(arg('--format')!) : undefined;
if (arg('--format') && !quant?.wgsl) throw new Error(`--format: not a quantized format: ${arg('--format')}`);

const ctx = await acquireNodeGpu({ preferF16: !f32 });
const dev = ctx.device;
console.log(`${ctx.info.name}  WT=${quant ? quant.ggmlName : ctx.f16 ? 'f16' : 'f32'}  LP_NUM_THREADS=${process.env.LP_NUM_THREADS ?? '(default)'}`);

async function submit(fn: (pass: GPUComputePassEncoder) => void) {
  const enc = dev.createCommandEncoder();
  const pass = enc.beginComputePass();
  fn(pass);
  pass.end();
  dev.queue.submit([enc.finish()]);
  await dev.queue.onSubmittedWorkDone();
}


function randomLinear(outDim: number, inDim: number, seed: number): Linear {
  if (quant) {
    let s = seed;
    const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    return createLinear(ctx, { blocks: randomBlocks(quant, (outDim * inDim) / quant.blockSize, next) }, outDim, inDim, { format: quant.name });
  }
  const chunks = splitRows(outDim, chunkRowsFor(ctx, inDim)).map(([rowStart, rows], i) => ({
    buffer: createStorage(ctx, rows * inDim * wtBytes(ctx), `bench.w${i}`),
    rowStart,
    rows,
    format: ctx.f16 ? ('f16' as const) : ('f32' as const),
  }));
  return { outDim, inDim, chunks };
}

const maxRows = Math.max(...rowsList);
for (const [outDim, inDim] of shapes) {
  const linear = randomLinear(outDim, inDim, 1);
  const x = createStorage(ctx, maxRows * inDim * 4, 'bench.x');
  const y = createStorage(ctx, maxRows * outDim * 4, 'bench.y');
  await submit((pass) => {
    if (!quant) linear.chunks.forEach((c, i) => encodeFillRandom(ctx, pass, { buffer: c.buffer, count: c.rows * inDim, dtype: 'WT', seed: 7 + i, scale: 0.05 }));
    encodeFillRandom(ctx, pass, { buffer: x, count: maxRows * inDim, dtype: 'f32', seed: 3, scale: 1 });
  });
  const wBytes = linearBytes(linear);
  for (const tile of tiles) {
    const b0 = performance.now();
    const mm = new Matmul(ctx, { linear, x, y, maxRows, tile, label: 'bench' });
    await dev.queue.onSubmittedWorkDone();
    console.log(`  Matmul construction (pipeline compiles) ${((performance.now() - b0) / 1000).toFixed(1)} s`);
    for (const rows of rowsList) {
      await submit((pass) => mm.encode(pass, rows)); // warm-up (compiles lazily in the driver)
      // Calibrate repetitions per submit so one measurement lasts ≥ minMs.
      let reps = 1;
      let ms = 0;
      let cpuMs = 0;
      for (;;) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await submit((pass) => {
          for (let i = 0; i < reps; i++) mm.encode(pass, rows);
        });
        ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        cpuMs = (c.user + c.system) / 1000;
        if (ms >= minMs || reps >= 4096) break;
        reps = Math.max(reps * 2, Math.ceil((reps * minMs * 1.1) / Math.max(ms, 1)));
      }
      const t = ms / 1000 / reps;
      const t2 = tile ?? variantsFor(ctx).matmul(rows, outDim, !!quant);
      console.log(
        `${String(outDim).padStart(5)}x${String(inDim).padEnd(5)} rows ${String(rows).padStart(3)}  tile R${t2.R} C${t2.C} WG${t2.WG}${t2.gemv ? ` gemv${t2.subgroups ? '+sg' : ''}` : ''}${t2.tiled ? ' tiled' : ''}  ` +
          `${(t * 1e3).toFixed(2).padStart(8)} ms  ${((2 * rows * outDim * inDim) / t / 1e9).toFixed(2).padStart(6)} GFLOP/s  ${(wBytes / t / 1e9).toFixed(2).padStart(6)} GB/s` +
          (cpu ? `  cpu ${(cpuMs / reps).toFixed(2).padStart(8)} ms  ${((2 * rows * outDim * inDim * reps) / (cpuMs / 1e3) / 1e9).toFixed(2).padStart(6)} GFLOP/cpu-s` : ''),
      );
    }
    mm.destroy();
  }
  for (const c of linear.chunks) c.buffer.destroy();
  x.destroy();
  y.destroy();
}
ctx.destroy();
