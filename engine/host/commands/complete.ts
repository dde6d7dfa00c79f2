// `fanout complete`: sample n completions of a prompt file, rank them by mean log-probability and
// print them as a table or JSON.
import { Option, type Command } from 'commander';
import { DEFAULT_REQUEST, type FinishReason, type GenerateRequest, type ModelInfo, type Timings } from '../../../protocol/engine.ts';
import { countBlank, rankSamples, type Candidate, type RankedSample } from '../../../protocol/rank.ts';
import { generateRequestSchema, formatIssues } from '../../../protocol/host.ts';
import { CliError } from '../cli-errors.ts';
import { readTextFile, writeOut } from '../cli-io.ts';
import { log, openEngine } from '../cli-model.ts';
import { anyInt, intIn, parseTemperature, parseTopP } from '../cli-options.ts';
import { fimTokens } from '../../prompt.ts';
import { FIM_MODES, type FimMode } from '../../remote/openai-remote.ts';
import { readApiKeyFile } from '../cli-io.ts';

interface CompleteOptions {
  promptFile: string;
  suffixFile?: string;
  model?: string;
  quantize?: string;
  n: number;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  stop: GenerateRequest['stop'];
  attention: GenerateRequest['attention'];
  minTokens: number;
  json?: boolean;
  verbose?: boolean;
  remote?: string;
  apiKeyFile?: string;
  remoteModel?: string;
  fim: FimMode;
}

export function register(program: Command): Command {
  const d = DEFAULT_REQUEST;
  return program
    .command('complete')
    .description('sample completions of a prompt file and rank them by mean log-probability')
    .requiredOption('--prompt-file <file>', 'text before the cursor')
    .option('--suffix-file <file>', 'text after the cursor (fill-in-the-middle; ignored with a warning when the model has no FIM tokens)')
    .option('--model <dir|file.gguf>', 'Hugging Face model folder or GGUF file (F32/F16/BF16, Q8_0/Q6_K/Q5_K/Q4_K/Q4_0 tensors; default: the model under models/)')
    .option('--quantize <format>', 'hold the dense weight matrices in this quantized format (q8_0, q6_k, q5_k, q4_k, q4_0)')
    .option('--n <count>', 'number of samples, 1..256', intIn(1, 256), d.n)
    .option('--max-tokens <count>', 'tokens per sample, 1..4096', intIn(1, 4096), d.maxTokens)
    .option('--temperature <t>', 'sampling temperature, 0..10 (0 = greedy)', parseTemperature, d.temperature)
    .option('--top-p <p>', 'nucleus mass, in (0, 1] (1 = off)', parseTopP, d.topP)
    .option('--top-k <k>', 'keep the k most likely tokens (0 = off)', intIn(0, 1_000_000), d.topK)
    .option('--seed <seed>', 'random seed (integer)', anyInt, d.seed)
    .addOption(new Option('--stop <mode>', 'where a completion ends').choices(['line', 'block', 'none']).default(d.stop))
    .addOption(new Option('--attention <mode>', 'attention implementation').choices(['bifurcated', 'standard']).default(d.attention))
    .option('--min-tokens <count>', 'end-of-text cannot end a sample before it has this many tokens, 0..4096 (0 = off)', intIn(0, 4096), d.minTokens ?? 0)
    .option('--json', 'print JSON instead of a table')
    .option('--remote <url>', 'sample on an OpenAI-compatible server instead (its base URL, e.g. http://127.0.0.1:8080/v1: fanout serve, vLLM, SGLang, llama-server)')
    .option('--api-key-file <file>', 'with --remote: file whose first line is the server\'s API key')
    .option('--remote-model <id>', 'with --remote: the model to ask for (default: the first the server lists)')
    .addOption(new Option('--fim <mode>', 'with --remote: how a suffix reaches the model: the server\'s suffix field, or a prompt template').choices(FIM_MODES).default('suffix'))
    .action(async (_opts: CompleteOptions, cmd: Command) => {
      await complete(cmd.optsWithGlobals<CompleteOptions>());
    });
}

export interface CompleteResult {
  model: Pick<ModelInfo, 'name' | 'parameters' | 'layers' | 'hidden' | 'heads' | 'kvHeads' | 'vocab' | 'contextLength' | 'dtype' | 'weights' | 'device'>;
  /** Ranked by protocol/rank.ts (blank samples left out, demoted ones after the rest). */
  candidates: (Pick<RankedSample, 'rank' | 'meanLogprob' | 'demotion'> & Pick<Candidate, 'text' | 'tokens' | 'sumLogprob'> & { finishReason: FinishReason })[];
  /** Samples that ended with nothing to insert (blank): not candidates. */
  empty: number;
  timings: Pick<Timings, 'prefillMs' | 'decodeMs' | 'steps' | 'msPerStep' | 'tokensPerSecond'>;
}

/** --remote: the server as the engine (engine/remote/openai-remote.ts). */
async function openRemote(o: CompleteOptions) {
  if (o.model || o.quantize) throw new CliError(`--remote ${o.remote}: the server picks the model and its weights; leave out ${o.model ? '--model' : '--quantize'} (use --remote-model to pick one of the server's models).`);
  const { RemoteBackend, RemoteError } = await import('../../remote/openai-remote.ts');
  const apiKey = o.apiKeyFile ? await readApiKeyFile(o.apiKeyFile) : undefined;
  try {
    const engine = await RemoteBackend.connect({ baseUrl: o.remote!, apiKey, model: o.remoteModel, fim: o.fim });
    if (o.verbose) log(`remote: ${engine.info.name} at ${engine.cfg.baseUrl}`);
    return { engine, info: engine.info, close() {} };
  } catch (e) {
    if (e instanceof RemoteError) throw new CliError(`--remote ${e.message}`);
    throw e;
  }
}

async function complete(o: CompleteOptions): Promise<void> {
  if (!o.remote && (o.apiKeyFile || o.remoteModel)) throw new CliError(`${o.apiKeyFile ? '--api-key-file' : '--remote-model'} goes with --remote URL.`);
  const prefix = await readTextFile(o.promptFile, '--prompt-file');
  const suffix = o.suffixFile === undefined ? '' : await readTextFile(o.suffixFile, '--suffix-file');
  const parsed = generateRequestSchema.safeParse({
    prefix,
    suffix,
    n: o.n,
    maxTokens: o.maxTokens,
    temperature: o.temperature,
    topP: o.topP,
    topK: o.topK,
    seed: o.seed,
    stop: o.stop,
    attention: o.attention,
    minTokens: o.minTokens,
  });
  if (!parsed.success) throw new CliError(`bad request: ${formatIssues(parsed.error.issues).join('; ')}; fix the options.`);
  const request = parsed.data;

  const open = o.remote ? await openRemote(o) : await openEngine(o.model, !!o.verbose, o.quantize);
  try {
    // A warning, not an error: the engine then prompts with the prefix alone, as the app does for such
    // a model, so the run still gives valid completions and one command line works with any model.
    if (request.suffix && !('tokenizer' in open.engine ? fimTokens(open.engine.tokenizer) : open.info.fim)) {
      log(`fanout: warning: ${open.info.name} has no fill-in-the-middle tokens${o.remote ? ' (--fim none)' : ''}; --suffix-file is ignored and completions continue the prompt only.`);
    }
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once('SIGINT', onSigint);
    const finished: (Candidate & { finishReason: FinishReason })[] = [];
    let timings: Timings | undefined;
    let noLogprobs = false;
    try {
      for await (const ev of open.engine.generate(request, ac.signal)) {
        if (ev.type === 'finish') {
          finished.push({ sample: ev.sample, text: ev.text, tokens: ev.tokens, sumLogprob: ev.sumLogprob, finishReason: ev.reason });
        } else if (ev.type === 'done') {
          timings = ev.timings;
          noLogprobs = !!ev.noLogprobs;
        } else if (ev.type === 'start' && o.verbose) {
          process.stderr.write(`prompt: ${ev.promptTokens} tokens${ev.truncated ? ' (truncated to fit the context)' : ''}${ev.fim ? ', fill-in-the-middle' : ''}\n`);
        }
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    finished.sort((a, b) => a.sample - b.sample);
    if (timings && noLogprobs) {
      log(`fanout: warning: ${o.remote} returned no token log-probabilities; the candidates are ranked without them (every mean log-probability is 0).`);
    }
    const ranked = rankSamples(finished);
    const i = open.info;
    const t = timings ?? { prefillMs: 0, decodeMs: 0, steps: 0, msPerStep: 0, tokensPerSecond: 0 };
    const result: CompleteResult = {
      model: {
        name: i.name,
        parameters: i.parameters,
        layers: i.layers,
        hidden: i.hidden,
        heads: i.heads,
        kvHeads: i.kvHeads,
        vocab: i.vocab,
        contextLength: i.contextLength,
        dtype: i.dtype,
        weights: i.weights,
        device: i.device,
      },
      candidates: ranked.map((c) => ({
        rank: c.rank,
        text: c.text,
        tokens: c.tokens,
        meanLogprob: c.meanLogprob,
        sumLogprob: c.sumLogprob,
        finishReason: c.finishReason,
        demotion: c.demotion,
      })),
      empty: countBlank(finished),
      timings: { prefillMs: t.prefillMs, decodeMs: t.decodeMs, steps: t.steps, msPerStep: t.msPerStep, tokensPerSecond: t.tokensPerSecond },
    };
    await writeOut(o.json ? JSON.stringify(result) + '\n' : formatComplete(result));
  } finally {
    open.close();
  }
}

/** Longest text shown per table row; the JSON output has the full text. */
const TEXT_WIDTH = 100;

/** The readable table: one row per candidate, text with line breaks and tabs escaped, then timings. */
export function formatComplete(r: CompleteResult): string {
  const rows = r.candidates.map((c) => {
    // Escape what would break the one-line row (line breaks, tabs, other control characters), nothing else.
    let text = c.text.replace(/[\u0000-\u001f\u007f\\]/g, (ch) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' })[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (text.length > TEXT_WIDTH) text = text.slice(0, TEXT_WIDTH - 1) + '…';
    const mark = c.demotion ? `  [${c.demotion.replace('-', ', ')}]` : '';
    return `${String(c.rank).padStart(4)}  ${c.meanLogprob.toFixed(3).padStart(8)}  ${String(c.tokens).padStart(6)}  ${c.finishReason.padEnd(9)}  ${text}${mark}`;
  });
  if (r.empty > 0) rows.push(`      (${r.empty} of ${r.candidates.length + r.empty} samples ended empty: not listed)`);
  const t = r.timings;
  return [
    `${'rank'.padStart(4)}  ${'mean lp'.padStart(8)}  ${'tokens'.padStart(6)}  ${'finish'.padEnd(9)}  text`,
    ...rows,
    '',
    `${r.model.name} on ${r.model.device} (${r.model.dtype}, weights ${r.model.weights}): prefill ${t.prefillMs.toFixed(1)} ms, ` +
      `${t.steps} decode steps at ${t.msPerStep.toFixed(2)} ms/step, ${t.tokensPerSecond.toFixed(1)} tokens/s`,
    '',
  ].join('\n');
}
