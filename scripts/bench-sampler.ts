// Sampling cost per decode step: the CPU sampler (rows × vocab f32 logits read back, then
// engine/sampler.ts per row) against the GPU sampler (shaders/sample.wgsl; rows × 8 bytes back), on random
// logits already on the device, on the Node WebGPU device (lavapipe here).
//   npx tsx scripts/bench-sampler.ts [--rows 32] [--vocab 8192,151936] [--reps 5]
import './wgsl-loader.ts';

const { acquireNodeGpu } = await import('../engine/gpu/node-gpu.ts');
const { createStorageFrom } = await import('../engine/gpu/buffers.ts');
const { Readback } = await import('../engine/gpu/readback.ts');
const { GpuSampler } = await import('../engine/kernels/sample.ts');
const { sampleToken } = await import('../engine/sampler.ts');
const { sampleRng } = await import('../engine/rng.ts');

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const rows = Number(opt('--rows', '32'));
const vocabs = opt('--vocab', '8192,151936').split(',').map(Number);
const reps = Number(opt('--reps', '5'));
const PARAMS = [
  ['T 0.8, top-k 40, top-p 0.95', { temperature: 0.8, topK: 40, topP: 0.95 }],
  ['T 0.8', { temperature: 0.8, topK: 0, topP: 1 }],
  ['greedy', { temperature: 0, topK: 0, topP: 1 }],
] as const;

const ctx = await acquireNodeGpu({ preferF16: false });
console.log(`device: ${ctx.info.name}; ${rows} rows; median of ${reps} after a warm-up`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const vocab of vocabs) {
  // logits like a language model's: a few likely tokens over a long tail
  const data = new Float32Array(rows * vocab);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    data[i] = -Math.log(-Math.log(u * 0.999999 + 5e-7)) * 1.5;
  }
  const logits = createStorageFrom(ctx, data, 'logits');
  const readback = new Readback(ctx, 'bench.logits');
  const sampler = new GpuSampler(ctx, rows, vocab);
  const sampleRows = Array.from({ length: rows }, (_, r) => ({ logitsRow: r, sample: r }));
  for (const [name, p] of PARAMS) {
    const cpu: number[] = [];
    const gpu: number[] = [];
    for (let k = 0; k <= reps; k++) {
      let t = performance.now();
      const back = await readback.readF32(logits, rows * vocab);
      for (let r = 0; r < rows; r++) sampleToken(back, r * vocab, vocab, p, sampleRng(1, r));
      if (k > 0) cpu.push(performance.now() - t);
      t = performance.now();
      const enc = ctx.device.createCommandEncoder();
      sampler.encode(enc, logits, sampleRows, p, 1, k);
      ctx.device.queue.submit([enc.finish()]);
      await sampler.startRead(rows);
      if (k > 0) gpu.push(performance.now() - t);
    }
    console.log(`vocab ${vocab}, ${name}: CPU sampler ${median(cpu).toFixed(1)} ms (readback ${((rows * vocab * 4) / 1e6).toFixed(1)} MB), GPU sampler ${median(gpu).toFixed(1)} ms (${rows * 8} B back)`);
  }
  sampler.destroy();
  readback.destroy();
  logits.destroy();
}
process.exit(0);
