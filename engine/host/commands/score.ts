// `fanout score`: log-probability of a given completion after a prompt, token by token.
import type { Command } from 'commander';
import { readTextFile, writeOut } from '../cli-io.ts';
import { openEngine } from '../cli-model.ts';

interface ScoreOptions {
  promptFile: string;
  completionFile: string;
  model?: string;
  quantize?: string;
  json?: boolean;
  verbose?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('score')
    .description("log-probabilities of a completion's tokens after a prompt")
    .requiredOption('--prompt-file <file>', 'the prompt text')
    .requiredOption('--completion-file <file>', 'the completion text to score')
    .option('--model <dir|file.gguf>', 'Hugging Face model folder or GGUF file (F32/F16/BF16, Q8_0/Q6_K/Q5_K/Q4_K/Q4_0 tensors; default: the model under models/)')
    .option('--quantize <format>', 'hold the dense weight matrices in this quantized format (q8_0, q6_k, q5_k, q4_k, q4_0)')
    .option('--json', 'print JSON instead of a table')
    .action(async (_opts: ScoreOptions, cmd: Command) => {
      await score(cmd.optsWithGlobals<ScoreOptions>());
    });
}

async function score(o: ScoreOptions): Promise<void> {
  const prompt = await readTextFile(o.promptFile, '--prompt-file');
  const completion = await readTextFile(o.completionFile, '--completion-file');
  const open = await openEngine(o.model, !!o.verbose, o.quantize);
  try {
    const r = await open.engine.score(prompt, completion);
    if (o.json) {
      await writeOut(JSON.stringify({ tokens: r.tokens, logprobs: r.logprobs, sumLogprob: r.sumLogprob }) + '\n');
      return;
    }
    const tok = open.engine.tokenizer;
    const lines = r.tokens.map(
      (id, i) => `${String(id).padStart(8)}  ${r.logprobs[i].toFixed(4).padStart(10)}  ${JSON.stringify(tok.decode([id]))}`,
    );
    const mean = r.tokens.length ? r.sumLogprob / r.tokens.length : 0;
    await writeOut(
      [`${'token'.padStart(8)}  ${'logprob'.padStart(10)}  text`, ...lines, '', `sum ${r.sumLogprob.toFixed(4)}, mean ${mean.toFixed(4)} over ${r.tokens.length} tokens`, ''].join(
        '\n',
      ),
    );
  } finally {
    open.close();
  }
}
