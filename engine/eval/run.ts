// Runs the evaluation on a loaded engine: function tasks (one greedy sample + n samples at temperature
// each, checked in the sandbox), next-line exact match on held-out positions, and fill-in-the-middle on
// held-out positions (one greedy sample + n samples ranked as the app ranks them). The checks of one
// task run in child processes while the engine generates the next task's samples.
import type { AttentionMode, FinishReason, GenerateEvent, GenerateRequest } from '../../protocol/engine.ts';
import type { CheckResult, CheckStatus, Sandbox } from './sandbox.ts';
import { assembleProgram, COMPLETION_STOP, type FunctionTask, type TaskLang } from './tasks.ts';
import { exactLineMatch, normalizedLineMatch, type LinePosition } from './heldout.ts';
import { scoreTask, summarize, type FunctionSummary, type TaskScore } from './metrics.ts';
import { candidateFlags, candidateQuality, type CandidateFlags, type CandidateQuality } from './candidate-quality.ts';
import type { FimKind, FimPosition } from './fim.ts';
import { scoreFim, summarizeFim, type FimScore, type FimSummary } from './fim-score.ts';

/** What runEval needs of the engine (Engine has it). */
export interface Generates {
  generate(req: GenerateRequest, signal?: AbortSignal): AsyncIterable<GenerateEvent>;
}

export interface EvalSettings {
  /** Samples at temperature per task. */
  n: number;
  temperature: number;
  topP: number;
  /** Token limit of a function completion, and of a FIM block middle. */
  maxTokens: number;
  /** Token limit of a next-line completion, and of a FIM line middle. */
  lineTokens: number;
  /** Samples at temperature per FIM position. */
  fimN: number;
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
  flags: CandidateFlags;
}

export interface LineSummary {
  lines: number;
  files: number;
  /** Share of exact matches (0 when there are no lines). */
  exact: number;
  normalized: number;
  /** The greedy line's flags (one sample per position: it is the candidate). */
  quality: CandidateQuality;
}

/** A FIM sample as reported (no sandbox verdict: FIM is scored by matching). */
export type FimSampleResult = Omit<SampleResult, 'status' | 'message'>;

export interface FimResult extends FimScore {
  kind: FimKind;
  file: string;
  line: number;
  column: number;
  expected: string;
  /** The engine built a FIM-layout prompt (false: the model has no FIM tokens, the prefix alone was used). */
  fim: boolean;
  /** The engine left out some prefix or suffix to fit the context. */
  truncated: boolean;
  /** Seed of the sampled request (derived from --seed and the position). */
  seed: number;
  greedy: FimSampleResult;
  samples: FimSampleResult[];
}

export interface EvalRun {
  functions: { summary: FunctionSummary; tasks: TaskResult[] };
  nextLine: { summary: LineSummary; lines: LineResult[] };
  fim: { summary: FimSummary; positions: FimResult[] };
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

/** What the engine's start event said about the prompt. */
interface PromptInfo {
  fim: boolean;
  truncated: boolean;
}

export interface EvalInputs {
  tasks: readonly FunctionTask[];
  lines: readonly LinePosition[];
  fim: readonly FimPosition[];
}

export async function runEval(engine: Generates, sandbox: Sandbox, inputs: EvalInputs, s: EvalSettings, opts: RunOptions = {}): Promise<EvalRun> {
  const { tasks, lines } = inputs;
  const say = opts.progress ?? (() => {});
  const timings = { generateMs: 0, checkMs: 0, checksRun: 0 };

  let prompt: PromptInfo = { fim: false, truncated: false };
  const collect = async (req: GenerateRequest): Promise<Finished[]> => {
    const t0 = performance.now();
    const out: Finished[] = [];
    for await (const ev of engine.generate(req, opts.signal)) {
      if (ev.type === 'start') prompt = { fim: ev.fim, truncated: ev.truncated };
      if (ev.type === 'finish') out.push({ sample: ev.sample, text: ev.text, tokens: ev.tokens, sumLogprob: ev.sumLogprob, finishReason: ev.reason });
    }
    timings.generateMs += performance.now() - t0;
    if (opts.signal?.aborted) throw new Error('evaluation cancelled');
    return out.sort((a, b) => a.sample - b.sample);
  };
  const withMean = (f: Finished): FimSampleResult => ({ ...f, meanLogprob: f.sumLogprob / Math.max(f.tokens, 1) });

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
      flags: candidateFlags(pos.prefix, f.text),
    };
    if (r.exact) exact++;
    lineResults.push(r);
    if ((i + 1) % 25 === 0 || i + 1 === lines.length) say(`[next-line ${i + 1}/${lines.length}] exact so far: ${exact}/${i + 1}`);
  }

  // FIM positions: the request the app sends at such a cursor (prefix and suffix), greedily and with
  // fimN samples. Stop mode 'line' for line middles. The app's automatic request after `(` (or a `{` on
  // the line above) asks for 'block' instead; a sample's first line is the same either way and the middle
  // here is one line, so 'line' scores that line without generating the lines after it (the app would
  // rank the longer texts, so its top candidate can differ now and then). Block middles use
  // 'block': the cursor sits at the body's indentation, so the mode cuts before the first line that
  // dedents below it, the closing brace, as the app's automatic request does after a `{`.
  const fimResults: FimResult[] = [];
  let fimExact = 0;
  for (const [i, pos] of inputs.fim.entries()) {
    const block = pos.kind === 'block';
    const posSeed = (s.seed + nameHash(`${pos.file}:${pos.line}:${pos.column}:${pos.kind}`)) % Number.MAX_SAFE_INTEGER;
    const common = { ...base, prefix: pos.prefix, suffix: pos.suffix, maxTokens: block ? s.maxTokens : s.lineTokens, stop: block ? ('block' as const) : ('line' as const), stopStrings: [] };
    const [greedy] = await collect({ ...common, n: 1, temperature: 0, topP: 1, seed: s.seed });
    const info = prompt;
    const sampled = await collect({ ...common, n: s.fimN, temperature: s.temperature, topP: s.topP, seed: posSeed });
    const score = scoreFim(pos, greedy, sampled);
    if (score.greedyExact) fimExact++;
    fimResults.push({
      kind: pos.kind,
      file: pos.file,
      line: pos.line,
      column: pos.column,
      expected: pos.expected,
      ...info,
      seed: posSeed,
      ...score,
      greedy: withMean(greedy),
      samples: sampled.map(withMean),
    });
    if ((i + 1) % 10 === 0 || i + 1 === inputs.fim.length) say(`[fim ${i + 1}/${inputs.fim.length}] greedy exact so far: ${fimExact}/${i + 1}`);
  }

  const taskResults = await Promise.all(pending);
  const statuses = taskResults.flatMap((t) => [t.greedy.status, ...t.samples.map((x) => x.status)]);
  const share = (k: 'exact' | 'normalized') => (lineResults.length ? lineResults.filter((l) => l[k]).length / lineResults.length : 0);
  return {
    functions: { summary: summarize(taskResults, statuses), tasks: taskResults },
    nextLine: {
      summary: {
        lines: lineResults.length,
        files: new Set(lineResults.map((l) => l.file)).size,
        exact: share('exact'),
        normalized: share('normalized'),
        quality: candidateQuality(lineResults.map((l) => l.flags)),
      },
      lines: lineResults,
    },
    fim: { summary: summarizeFim(fimResults), positions: fimResults },
    timings,
  };
}
