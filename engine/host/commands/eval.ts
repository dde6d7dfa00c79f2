// `fanout eval`: the model's completion quality on function tasks (evals/functions/: pass@1 greedy,
// pass@1 of the best of n by mean log-probability, pass@k), next-line exact match and fill-in-the-middle
// at realistic cursors on held-out files (evals/heldout/). The measuring is engine/eval/; docs/EVAL.md
// explains what is measured.
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { DEFAULT_REQUEST, type AttentionMode } from '../../../protocol/engine.ts';
import { CliError } from '../cli-errors.ts';
import { writeOut } from '../cli-io.ts';
import { log, openEngine, packageRoot } from '../cli-model.ts';
import { anyInt, intIn, parseTemperature, parseTopP } from '../cli-options.ts';
import type { EvalResult } from '../../eval/report.ts';

interface EvalOptions {
  model?: string;
  quantize?: string;
  tasks?: string;
  heldout?: string;
  n: number;
  limit?: number;
  lines: number;
  fim: number;
  fimN: number;
  seed: number;
  maxTokens: number;
  lineTokens: number;
  temperature: number;
  topP: number;
  timeout: number;
  jobs?: number;
  attention: AttentionMode;
  json?: boolean;
  out?: string;
  verbose?: boolean;
}

export function register(program: Command): Command {
  const d = DEFAULT_REQUEST;
  return program
    .command('eval')
    .description('pass@k on function tasks (checked in a sandboxed node), next-line exact match and fill-in-the-middle on held-out files')
    .option('--model <dir|file.gguf>', 'Hugging Face model folder or GGUF file (F32/F16/BF16, Q8_0/Q6_K/Q5_K/Q4_K/Q4_0 tensors; default: the model under models/)')
    .option('--quantize <format>', 'hold the dense weight matrices in this quantized format (q8_0, q6_k, q5_k, q4_k, q4_0)')
    .option('--tasks <dir>', 'function task folder (default: evals/functions)')
    .option('--heldout <dir>', 'held-out files folder with manifest.json (default: evals/heldout)')
    .option('--n <count>', 'samples at temperature per task, 1..256', intIn(1, 256), 32)
    .option('--limit <k>', 'run only the first k tasks by name (0: none)', intIn(0, 1_000_000))
    .option('--lines <k>', 'next-line positions (0: none)', intIn(0, 1_000_000), 200)
    .option('--fim <k>', 'fill-in-the-middle positions (0: none)', intIn(0, 1_000_000), 60)
    .option('--fim-n <count>', 'samples at temperature per FIM position, 1..256', intIn(1, 256), d.n)
    .option('--seed <seed>', 'seed for sampling and for picking positions (integer)', anyInt, 0)
    .option('--max-tokens <count>', 'tokens per function completion, 1..4096', intIn(1, 4096), 160)
    .option('--line-tokens <count>', 'tokens per next-line completion, 1..4096', intIn(1, 4096), 64)
    .option('--temperature <t>', 'sampling temperature of the n samples, 0..10', parseTemperature, d.temperature)
    .option('--top-p <p>', 'nucleus mass of the n samples, in (0, 1]', parseTopP, d.topP)
    .option('--timeout <ms>', 'wall-clock limit per checked program, 100..600000 ms', intIn(100, 600_000), 5000)
    .option('--jobs <k>', 'checked programs running at once, 1..64 (default: min(4, cores))', intIn(1, 64))
    .addOption(new Option('--attention <mode>', 'attention implementation').choices(['bifurcated', 'standard']).default(d.attention))
    .option('--json', 'print the full result as JSON instead of a table')
    .option('--out <file>', 'also write the full JSON result to this file')
    .action(async (_opts: EvalOptions, cmd: Command) => {
      await evaluate(cmd.optsWithGlobals<EvalOptions>());
    });
}

/** An existing folder from `arg` or the default under the package root. */
function folder(arg: string | undefined, flag: string, fallback: string): string {
  const dir = arg === undefined ? join(packageRoot(), fallback) : resolve(arg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${flag} ${arg ?? dir}: no such folder; pass a folder (see docs/EVAL.md).`);
  return dir;
}

/** `dir` relative to the package root when inside it (so recorded settings read the same on every clone). */
function shown(dir: string): string {
  const rel = relative(packageRoot(), dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
}

async function evaluate(o: EvalOptions): Promise<void> {
  const [{ loadTasks }, { loadHeldout, pickLines }, { pickFimPositions }, { Sandbox }, { runEval }, { formatEval }] = await Promise.all([
    import('../../eval/tasks.ts'),
    import('../../eval/heldout.ts'),
    import('../../eval/fim.ts'),
    import('../../eval/sandbox.ts'),
    import('../../eval/run.ts'),
    import('../../eval/report.ts'),
  ]);
  const tasksDir = o.limit === 0 ? undefined : folder(o.tasks, '--tasks', 'evals/functions');
  const heldoutDir = o.lines === 0 && o.fim === 0 ? undefined : folder(o.heldout, '--heldout', 'evals/heldout');
  if (!tasksDir && !heldoutDir) throw new CliError('--limit 0, --lines 0 and --fim 0 leave nothing to evaluate; drop one of them.');

  let tasks: Awaited<ReturnType<typeof loadTasks>> = [];
  if (tasksDir) {
    try {
      tasks = (await loadTasks(tasksDir)).slice(0, o.limit);
    } catch (e) {
      throw new CliError(`bad function task: ${(e as Error).message}; fix the file (format: docs/EVAL.md).`);
    }
    if (tasks.length === 0) throw new CliError(`--tasks ${shown(tasksDir)}: no task files (*.ts, *.js) in it.`);
  }
  let lines: ReturnType<typeof pickLines> = [];
  let fim: ReturnType<typeof pickFimPositions> = [];
  if (heldoutDir) {
    try {
      const files = await loadHeldout(heldoutDir);
      lines = pickLines(files, o.lines, o.seed);
      fim = pickFimPositions(files, o.fim, o.seed);
    } catch (e) {
      throw new CliError(`bad held-out folder: ${(e as Error).message}; fix it (format: docs/EVAL.md).`);
    }
  }

  let sandbox;
  try {
    sandbox = await Sandbox.create({ timeoutMs: o.timeout, jobs: o.jobs });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const date = new Date().toISOString();
  try {
    const open = await openEngine(o.model, !!o.verbose, o.quantize);
    const t0 = performance.now();
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    try {
      log(
        `evaluating ${open.info.name}: ${tasks.length} function tasks (1 + ${o.n} samples each), ${lines.length} next-line positions, ` +
          `${fim.length} FIM positions (1 + ${o.fimN} samples each)`,
      );
      // The app sends the suffix anyway; without FIM tokens the engine uses the prefix alone, so the
      // section then measures what such a model gives in the app, not fill-in-the-middle.
      if (fim.length > 0 && !open.info.fim) log(`${open.info.name} has no FIM tokens: the FIM positions are prompted with the prefix alone`);
      const settings = {
        n: o.n,
        temperature: o.temperature,
        topP: o.topP,
        maxTokens: o.maxTokens,
        lineTokens: o.lineTokens,
        fimN: o.fimN,
        seed: o.seed,
        attention: o.attention,
      };
      const run = await runEval(open.engine, sandbox, { tasks, lines, fim }, settings, { signal: ac.signal, progress: log });
      const i = open.info;
      const result: EvalResult = {
        model: {
          name: i.name,
          architecture: i.architecture,
          parameters: i.parameters,
          layers: i.layers,
          hidden: i.hidden,
          vocab: i.vocab,
          contextLength: i.contextLength,
          dtype: i.dtype,
          fim: i.fim,
        },
        adapter: i.device,
        date,
        settings: {
          ...settings,
          tasksDir: tasksDir ? shown(tasksDir) : null,
          heldoutDir: heldoutDir ? shown(heldoutDir) : null,
          tasks: tasks.length,
          lines: o.lines,
          fim: o.fim,
          timeoutMs: o.timeout,
        },
        wallMs: performance.now() - t0,
        ...run,
      };
      if (o.out) {
        try {
          await writeFile(o.out, JSON.stringify(result, null, 1) + '\n');
        } catch (e) {
          throw new CliError(`cannot write --out ${o.out}: ${(e as Error).message}; check the path.`);
        }
      }
      await writeOut(o.json ? JSON.stringify(result) + '\n' : formatEval(result));
    } finally {
      process.off('SIGINT', onSigint);
      open.close();
    }
  } finally {
    await sandbox.close();
  }
}
