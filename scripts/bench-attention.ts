// Times DecodeAttention alone (one layer) in both modes: n ∈ {1, 32} samples, context 8192, H = G = 32,
// D = 128, KV in f16 when the device has it. Prints ms per step, effective KV GB/s and GFLOP/s.
//   npx tsx scripts/bench-attention.ts [--ctx 8192] [--n 1,32] [--iters 5] [--heads 32] [--kv-heads 32] [--dim 128] [--modes bifurcated,standard] [--cpu]
// Uses timestamp queries when the device has them, else wall clock around queue.onSubmittedWorkDone.
// --cpu also prints the wall clock and the process CPU time (process.cpuUsage, user + system, which on a CPU
// driver such as lavapipe includes its worker threads) around submit + onSubmittedWorkDone: on a shared
// machine CPU time is the steadier measure of a CPU driver's work.
import './wgsl-loader.ts';

const { acquireNodeGpu } = await import('../engine/gpu/node-gpu.ts');
const { createStorage, writeBuffer } = await import('../engine/gpu/buffers.ts');
const { KvCache } = await import('../engine/kv-cache.ts');
const { DecodeAttention } = await import('../engine/attention/decode.ts');
type Mode = import('../protocol/engine.ts').AttentionMode;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const CTX = Number(arg('ctx', '8192'));
const NS = arg('n', '1,32').split(',').map(Number);
const ITERS = Number(arg('iters', '5'));
const H = Number(arg('heads', '32'));
const G = Number(arg('kv-heads', '32'));
const D = Number(arg('dim', '128'));
const MODES = arg('modes', 'bifurcated,standard').split(',') as Mode[];
const STEP = 0;
const CPU = process.argv.includes('--cpu');
// --tuning '{"sharedKb":32,"sharedMinQueries":2}': overrides of the device's attention tuning.
const TUNING = JSON.parse(arg('tuning', '{}'));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const ctx = await acquireNodeGpu();
console.log(`device: ${ctx.info.name} (${ctx.info.backend}); KV ${ctx.f16 ? 'f16' : 'f32'}; timing: ${ctx.timestamps ? 'timestamp-query' : 'wall clock'}`);
console.log(`one layer, H=${H} G=${G} D=${D}, context ${CTX}, decode step ${STEP}`);

async function timeOne(n: number, mode: Mode): Promise<{ ms: number; wallMs: number; cpuMs: number; firstMs: number; bytes: number; flops: number }> {
  const layout = { layers: 1, kvHeads: G, headDim: D, contextCapacity: CTX, samples: n, maxNew: 16, mode };
  const cache = new KvCache(ctx, layout);
  cache.fillRandom(CTX, 7);
  if (mode === 'standard') {
    const enc = ctx.device.createCommandEncoder();
    cache.encodeBroadcastContext(enc, CTX);
    ctx.device.queue.submit([enc.finish()]);
  }
  const W = (H + 2 * G) * D;
  const qkv = createStorage(ctx, n * W * 4, 'bench.qkv');
  const out = createStorage(ctx, n * H * D * 4, 'bench.out');
  const rowSample = createStorage(ctx, n * 4, 'bench.rowSample');
  const x = new Float32Array(n * W);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 12.9898) * 0.5;
  writeBuffer(ctx, qkv, 0, x);
  writeBuffer(ctx, rowSample, 0, Uint32Array.from({ length: n }, (_, i) => i));
  const tc0 = performance.now();
  const dec = new DecodeAttention(ctx, { cache, layer: 0, qkv, out, heads: H, maxRows: n, rowSample, tuning: TUNING });
  const buildMs = performance.now() - tc0;
  const qs = ctx.timestamps ? ctx.device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolve = qs ? ctx.device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
  const read = qs ? ctx.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : undefined;
  await ctx.device.queue.onSubmittedWorkDone();
  const times: number[] = [];
  const walls: number[] = [];
  const cpus: number[] = [];
  let firstMs = 0;
  for (let it = 0; it < ITERS + 1; it++) {
    const enc = ctx.device.createCommandEncoder();
    const pass = enc.beginComputePass(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    dec.encode(pass, n, CTX, STEP);
    pass.end();
    if (qs) {
      enc.resolveQuerySet(qs, 0, 2, resolve!, 0);
      enc.copyBufferToBuffer(resolve!, 0, read!, 0, 16);
    }
    const cb = enc.finish();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    ctx.device.queue.submit([cb]);
    await ctx.device.queue.onSubmittedWorkDone();
    let ms = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    if (it === 0) firstMs = ms;
    if (it > 0) {
      walls.push(ms);
      cpus.push((cu.user + cu.system) / 1000);
    }
    if (qs) {
      await read!.mapAsync(GPUMapMode.READ);
      const ts = new BigUint64Array(read!.getMappedRange().slice(0));
      read!.unmap();
      const gpuMs = Number(ts[1] - ts[0]) / 1e6;
      if (gpuMs > 0) ms = gpuMs;
    }
    if (it > 0) times.push(ms); // first run: warm-up (pipeline compile, first touch)
  }
  dec.destroy();
  cache.destroy();
  for (const b of [qkv, out, rowSample, resolve, read]) b?.destroy();
  qs?.destroy();
  const bytes = KvCache.kvBytesReadPerStep(layout, ctx.f16, n, CTX, STEP);
  const flops = 4 * n * H * D * (CTX + STEP + 1); // QKᵀ and PV, 2 flops per multiply-add
  return { ms: median(times), wallMs: median(walls), cpuMs: median(cpus), firstMs: firstMs + buildMs, bytes, flops };
}

const results: Record<string, number> = {};
for (const n of NS) {
  for (const mode of MODES) {
    const r = await timeOne(n, mode);
    results[`${mode}:${n}`] = r.ms;
    console.log(
      `n=${String(n).padStart(3)} ${mode.padEnd(10)} ${r.ms.toFixed(2).padStart(9)} ms   KV read ${(r.bytes / 1e6).toFixed(1).padStart(8)} MB  ` +
        `${(r.bytes / r.ms / 1e6).toFixed(2).padStart(7)} GB/s   ${(r.flops / r.ms / 1e6).toFixed(2).padStart(7)} GFLOP/s` +
        (CPU ? `   wall ${r.wallMs.toFixed(1).padStart(8)} ms   cpu ${r.cpuMs.toFixed(1).padStart(8)} ms   first run (incl. compile) ${(r.firstMs / 1000).toFixed(1)} s` : ''),
    );
  }
  if (results[`standard:${n}`] && results[`bifurcated:${n}`]) console.log(`n=${n}: bifurcated is ${(results[`standard:${n}`] / results[`bifurcated:${n}`]).toFixed(2)}x faster than standard`);
}
ctx.destroy();
