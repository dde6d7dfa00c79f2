// `fanout bench`: per-decode-step latency of bifurcated vs standard attention over a grid of sample
// counts and context lengths, and the as-you-type prefill row. This file parses and checks the options; the measuring is engine/bench.ts.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { GpuContext } from '../../gpu/context.ts';
import type { BenchModel } from '../../bench.ts';
import { startsWithGguf } from '../../model/fs-source.ts';
import { folderAsGguf, formatPeer, runLlamaPeer } from '../bench-peer.ts';
import type { Command } from 'commander';
import { CliError } from '../cli-errors.ts';
import { writeOut } from '../cli-io.ts';
import { log, memoryBudgetBytes, memoryBudgetFromEnv, openGpu, resolveModelDir } from '../cli-model.ts';
import { intIn, intList } from '../cli-options.ts';

interface BenchCliOptions {
  json?: boolean;
  model?: string;
  n: number[];
  ctx: number[];
  steps: number;
  asYouType: number;
  editTokens: number;
  ceilings: boolean;
  plot?: string;
  save?: string;
  peer?: string;
  peerPrompt: number;
  verbose?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('bench')
    .description('decode-step latency of bifurcated vs standard attention for each n and context length')
    .option('--json', 'print JSON instead of a table')
    .option('--model <dir|file.gguf|synthetic:name>', 'model folder or GGUF file, or synthetic:NAME[?weights=q4_k] for random weights (default: the model under models/)')
    .option('--n <list>', 'sample counts, comma-separated, each 1..256', intList(1, 256), [1, 4, 8, 16, 32, 64])
    .option('--ctx <list>', 'context lengths in tokens, comma-separated, each 1..1048576', intList(1, 1 << 20), [512, 2048, 8192])
    .option('--steps <k>', 'measured decode steps per configuration, 1..10000', intIn(1, 10_000), 16)
    .option('--as-you-type <tokens>', 'prompt tokens of the as-you-type row (prefill of an edited last line, cold vs prompt K/V reused), 0..1048576; 0 skips it', intIn(0, 1 << 20), 2048)
    .option('--plot <file.svg>', 'also draw ms per step against n for both modes at each context, with the n = 1 step and the roofline, as SVG')
    .option('--save <file.json>', 'also write the JSON result to this file (the table still goes to stdout)')
    .option('--peer <name>', 'also time llama.cpp (node-llama-cpp, CPU; npm run setup:peer) on the same model as GGUF, the same prompt, n = 1 and 32')
    .option('--peer-prompt <tokens>', 'prompt tokens of the --peer comparison, 2..32768', intIn(2, 32768), 300)
    .option('--no-ceilings', 'skip measuring the device ceilings (copy, read, GEMM) and the roofline columns')
    .option('--edit-tokens <k>', 'tokens of the edited last line in the as-you-type row, 1..4096', intIn(1, 4096), 12)
    .action(async (_opts: BenchCliOptions, cmd: Command) => {
      await bench(cmd.optsWithGlobals<BenchCliOptions>());
    });
}

const SYNTHETIC = 'synthetic:';

async function bench(o: BenchCliOptions): Promise<void> {
  const synthetic = o.model?.startsWith(SYNTHETIC) ? o.model.slice(SYNTHETIC.length) : undefined;
  let spec;
  if (synthetic !== undefined) {
    const { parseSynthetic } = await import('../../model/synthetic.ts');
    try {
      spec = parseSynthetic(synthetic);
    } catch (e) {
      throw new CliError(`--model ${o.model}: ${(e as Error).message}.`);
    }
  }
  const dir = synthetic === undefined ? resolveModelDir(o.model) : undefined;
  if (o.peer !== undefined && o.peer !== 'llama.cpp') throw new CliError(`--peer ${o.peer}: the one peer is llama.cpp.`);
  if (o.peer && !dir) throw new CliError(`--peer llama.cpp needs a model folder or .gguf file: synthetic weights have no tokenizer or file for llama.cpp to load.`);
  memoryBudgetFromEnv();
  // a path that cannot be written fails now, not after the run
  if (o.plot) await writeTo('--plot', o.plot, '');
  if (o.save) await writeTo('--save', o.save, '');
  const ctx = await openGpu(!!o.verbose);
  const budgetTotal = memoryBudgetBytes(ctx);
  try {
    const { runBench, formatBench } = await import('../../bench.ts');
    let model;
    if (spec) {
      const { syntheticWeights } = await import('../../model/synthetic.ts');
      model = { name: SYNTHETIC + spec.name, config: spec.config, weights: syntheticWeights(ctx, spec.config, 1, spec.weights) };
    } else {
      const [{ loadModel }, { modelPathSource }] = await Promise.all([import('../../model/load.ts'), import('../../model/fs-source.ts')]);
      const loaded = await loadModel(ctx, modelPathSource(dir!), { maxBytes: budgetTotal });
      model = { name: loaded.name, config: loaded.config, weights: loaded.weights };
    }
    const budget = Math.max(0, budgetTotal - model.weights.bytes);
    const result = await runBench(ctx, model, {
      ns: o.n,
      ctxs: o.ctx,
      steps: o.steps,
      budget,
      asYouType: { ctx: o.asYouType, editTokens: o.editTokens },
      ceilings: o.ceilings,
      onRow: o.verbose ? (row) => log(`n=${row.n} ctx=${row.ctx} ${row.attention}: ${row.msPerStep?.toFixed(2) ?? row.skipped} ms/step`) : undefined,
    });
    if (o.peer && dir) result.peer = await peerComparison(ctx, model, dir, o, budget);
    if (o.plot) await writeTo('--plot', o.plot, (await import('../../bench-plot.ts')).benchSvg(result));
    if (o.save) await writeTo('--save', o.save, JSON.stringify(result, null, 1) + '\n');
    const peerText = result.peer ? '\n' + formatPeer(result.peer) : '';
    await writeOut(o.json ? JSON.stringify(result) + '\n' : formatBench(result) + peerText + '\n');
  } finally {
    ctx.destroy();
  }
}

async function writeTo(option: string, file: string, text: string) {
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new CliError(`${option} ${file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a path in a folder you can write to.`);
  }
}

/**
 * Fanout's and llama.cpp's decode steps (n = 1 and 32, bifurcated) and prompt prefill on the same model
 * (a .gguf as given, a folder exported to F16 GGUF) and the same random prompt ids, in this run.
 */
async function peerComparison(ctx: GpuContext, model: BenchModel, dir: string, o: BenchCliOptions, budget: number) {
  const c = model.config;
  const tokens = Math.min(o.peerPrompt, c.maxPositions - o.steps - 1);
  if (tokens < 2) throw new CliError(`--peer-prompt ${o.peerPrompt}: the model's context (${c.maxPositions}) leaves no room for a prompt and ${o.steps} steps.`);
  const ns = [1, 32];
  const [{ runBench }, { benchPrefill, randomTokenIds }, { PREFILL_CHUNK }] = await Promise.all([import('../../bench.ts'), import('../../bench-prefix.ts'), import('../../generate.ts')]);
  const ids = randomTokenIds(tokens, c.vocabSize, 7);
  const ours = await runBench(ctx, model, { ns, ctxs: [tokens], steps: o.steps, budget, modes: ['bifurcated'], ceilings: false });
  const fanoutPrefillMs = await benchPrefill(ctx, c, model.weights, ids, PREFILL_CHUNK);
  const isGguf = /\.gguf$/i.test(dir) || startsWithGguf(dir);
  const file = isGguf ? { path: resolve(dir), cleanup: async () => {} } : await folderAsGguf(dir);
  try {
    const peer = await runLlamaPeer(file.path, ids, ns, o.steps);
    return { ...peer, model: isGguf ? peer.model : `${dir} (exported to F16 GGUF)`, fanout: ours.rows.map((r) => ({ n: r.n, msPerStep: r.msPerStep })), fanoutPrefillMs };
  } finally {
    await file.cleanup();
  }
}
