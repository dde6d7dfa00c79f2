// The `fanout` command line. One module per command under commands/, each exporting a function that
// registers it on the program; COMMANDS lists them. To add a command (e.g. `eval`), write
// commands/eval.ts with `register(program)` and add it to COMMANDS.
//
// Every failure — bad flags, unreadable files, engine errors — prints one line
// "fanout: error: <what is wrong and what to do>" on stderr and exits with code 2
// (FANOUT_DEBUG=1 adds the stack trace).
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, formatError, oneLine } from './cli-errors.ts';
import { register as registerComplete } from './commands/complete.ts';
import { register as registerScore } from './commands/score.ts';
import { registerTokenize, registerDetokenize } from './commands/tokenize.ts';
import { register as registerBench } from './commands/bench.ts';
import { register as registerEval } from './commands/eval.ts';
import { register as registerExportGguf } from './commands/export-gguf.ts';
import { register as registerServe } from './commands/serve.ts';

export type RegisterCommand = (program: Command) => Command;

export const COMMANDS: RegisterCommand[] = [registerComplete, registerScore, registerTokenize, registerDetokenize, registerBench, registerEval, registerExportGguf, registerServe];

/** The program with every command registered; errors throw (exitOverride) instead of exiting. */
export function buildProgram(commands: readonly RegisterCommand[] = COMMANDS): Command {
  const program = new Command('fanout')
    .description('Local code completion: many samples from one prompt on a WebGPU engine')
    .option('--verbose', 'print the GPU adapter, its features and limits, and loading progress to stderr')
    .addHelpText(
      'after',
      '\nEnvironment: FANOUT_MEMORY_GIB (GPU memory budget, default 4), FANOUT_DEBUG=1 (stack traces on errors).',
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    // Commander's own error output is replaced by our one-line report (see main).
    .configureOutput({ outputError: () => {} });
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI on `argv` (node, script, ...args) and returns the exit code. Never throws. */
export async function main(argv: readonly string[] = process.argv, commands: readonly RegisterCommand[] = COMMANDS): Promise<number> {
  const program = buildProgram(commands);
  const args = argv.slice(2);
  try {
    if (args.length === 0) {
      throw new CliError(`no command given; use one of ${program.commands.map((c) => c.name()).join(', ')} (fanout --help explains them).`);
    }
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      const cmd = program.commands.find((c) => args.includes(c.name()));
      const help = cmd ? `fanout ${cmd.name()} --help` : 'fanout --help';
      const msg = oneLine(e.message).replace(/^error: /, '');
      process.stderr.write(`fanout: error: ${msg}${/[.?)]$/.test(msg) ? '' : '.'} See ${help}.\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(formatError(e) + '\n');
    return EXIT_FAILURE;
  }
}
