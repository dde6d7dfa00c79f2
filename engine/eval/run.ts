// Runs the evaluation on a loaded engine: function tasks (one greedy sample + n samples at temperature
// each, checked in the sandbox) and next-line exact match on held-out positions. The checks of one task
// run in child processes while the engine generates the next task's samples.
import type { AttentionMode, FinishReason, GenerateEvent, GenerateRequest } from '../api.ts';
import type { CheckResult, CheckStatus, Sandbox } from './sandbox.ts';
import { assembleProgram, COMPLETION_STOP, type FunctionTask, type TaskLang } from './tasks.ts';
import { exactLineMatch, normalizedLineMatch, type LinePosition } from './heldout.ts';
import { scoreTask, summarize, type FunctionSummary, type TaskScore } from './metrics.ts';

/** What runEval needs of the engine (Engine has it). */
export interface Generates {
  generate(req: GenerateRequest, signal?: AbortSignal): AsyncIterable<GenerateEvent>;
}

export interface EvalSettings {
  /** Samples at temperature per task. */
  n: number;
  temperature: number;
  topP: number;
  /** Token limit of a function completion. */
  maxTokens: number;
  /** Token limit of a next-line completion. */
  lineTokens: number;
  seed: number;
  attention: AttentionMode;
}

export interface SampleResult {
  sample: number;
  text: string;
  tokens: number;
  sumLogprob: number;
  /** sumLogprob / max(tokens, 1), the ranking key. */
  meanLogprob: number;
  finishReason: FinishReason;
  status: CheckStatus;
  /** Why it did not pass (first error line). */
  message?: string;
}

export interface TaskResult extends TaskScore {
  name: string;
  lang: TaskLang;
  /** Seed of the sampled request (derived from the --seed and the task's name). */
  seed: number;
  greedy: SampleResult;
  samples: SampleResult[];
}

export interface LineResult {
  file: string;
  line: number;
  expected: string;
  got: string;
  exact: boolean;
  normalized: boolean;
}

export interface LineSummary {
  lines: number;
  files: number;
  /** Share of exact matches (0 when there are no lines). */
  exact: number;
  normalized: number;
}

export interface EvalRun {
  functions: { summary: FunctionSummary; tasks: TaskResult[] };
  nextLine: { summary: LineSummary; lines: LineResult[] };
  timings: {
    /** Time spent in the engine's generate calls, ms. */
    generateMs: number;
    /** Summed wall time of the check processes (they run concurrently), ms. */
    checkMs: number;
    /** Programs actually run (identical programs within a task run once). */
    checksRun: number;
  };
}

export interface RunOptions {
  signal?: AbortSignal;
  /** One line of progress (for stderr). */
  progress?: (line: string) => void;
}

/** FNV-1a 32-bit hash of a string: gives each task its own, stable sampling seed. */
export function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface Finished {
  sample: number;
  text: string;
  tokens: number;
  sumLogprob: number;
  finishReason: FinishReason;
}

export async function runEval(
  engine: Generates,
  sandbox: Sandbox,
  tasks: readonly FunctionTask[],
  lines: readonly LinePosition[],
  s: EvalSettings,
  opts: RunOptions = {},
): Promise<EvalRun> {
  const say = opts.progress ?? (() => {});
  const timings = { generateMs: 0, checkMs: 0, checksRun: 0 };

  const collect = async (req: GenerateRequest): Promise<Finished[]> => {
    const t0 = performance.now();
    const out: Finished[] = [];
    for await (const ev of engine.generate(req, opts.signal)) {
      if (ev.type === 'finish') out.push({ sample: ev.sample, text: ev.text, tokens: ev.tokens, sumLogprob: ev.sumLogprob, finishReason: ev.reason });
    }
    timings.generateMs += performance.now() - t0;
    if (opts.signal?.aborted) throw new Error('evaluation cancelled');
    return out.sort((a, b) => a.sample - b.sample);
  };

  const base = { suffix: '', topK: 0, attention: s.attention } as const;

  // Function tasks: generate, then check in the background while the next task generates.
  const pending: Promise<TaskResult>[] = [];
  for (const [i, task] of tasks.entries()) {
    const t0 = performance.now();
    const taskSeed = (s.seed + nameHash(task.name)) % Number.MAX_SAFE_INTEGER;
    const common = { ...base, prefix: task.prompt, maxTokens: s.maxTokens, stop: 'none' as const, stopStrings: [COMPLETION_STOP] };
    const [greedy] = await collect({ ...common, n: 1, temperature: 0, topP: 1, seed: s.seed });
    const sampled = await collect({ ...common, n: s.n, temperature: s.temperature, topP: s.topP, seed: taskSeed });
    const genS = (performance.now() - t0) / 1000;

    // Identical programs (frequent for a small model) run once per task.
    const cache = new Map<string, Promise<CheckResult>>();
    const check = async (f: Finished): Promise<SampleResult> => {
      const program = assembleProgram(task, f.text);
      let r = cache.get(program);
      if (!r) {
        r = sandbox.run(program, task.lang).then((res) => {
          timings.checkMs += res.ms;
          if (res.status !== 'syntax-error') timings.checksRun++;
          return res;
        });
        cache.set(program, r);
      }
      const res = await r;
      return {
        ...f,
        meanLogprob: f.sumLogprob / Math.max(f.tokens, 1),
        status: res.status,
        ...(res.message === undefined ? {} : { message: res.message }),
      };
    };
    const done = Promise.all([check(greedy), Promise.all(sampled.map(check))]).then(([g, samples]) => {
      const score = scoreTask(g, samples);
      say(
        `[function ${i + 1}/${tasks.length}] ${task.name}: greedy ${g.status}, ${score.passed}/${score.n} samples pass, ` +
          `top-ranked ${score.rerankedPass ? 'passes' : 'fails'} (generated in ${genS.toFixed(1)} s)`,
      );
      return { name: task.name, lang: task.lang, seed: taskSeed, ...score, greedy: g, samples };
    });
    // Handled here so that a failure (say, node cannot start) is reported once, by Promise.all below,
    // not as an unhandled rejection while later tasks generate.
    done.catch(() => {});
    pending.push(done);
  }

  // Next-line positions, greedily, one line each.
  const lineResults: LineResult[] = [];
  let exact = 0;
  for (const [i, pos] of lines.entries()) {
    const [f] = await collect({ ...base, prefix: pos.prefix, n: 1, maxTokens: s.lineTokens, temperature: 0, topP: 1, seed: s.seed, stop: 'line', stopStrings: [] });
    const r: LineResult = {
      file: pos.file,
      line: pos.line,
      expected: pos.expected,
      got: f.text,
      exact: exactLineMatch(f.text, pos.expected),
      normalized: normalizedLineMatch(f.text, pos.expected),
    };
    if (r.exact) exact++;
    lineResults.push(r);
    if ((i + 1) % 25 === 0 || i + 1 === lines.length) say(`[next-line ${i + 1}/${lines.length}] exact so far: ${exact}/${i + 1}`);
  }

  const taskResults = await Promise.all(pending);
  const statuses = taskResults.flatMap((t) => [t.greedy.status, ...t.samples.map((x) => x.status)]);
  const share = (k: 'exact' | 'normalized') => (lineResults.length ? lineResults.filter((l) => l[k]).length / lineResults.length : 0);
  return {
    functions: { summary: summarize(taskResults, statuses), tasks: taskResults },
    nextLine: {
      summary: { lines: lineResults.length, files: new Set(lineResults.map((l) => l.file)).size, exact: share('exact'), normalized: share('normalized') },
      lines: lineResults,
    },
    timings,
  };
}
