// How the CLI reports failure: one line on stderr, "fanout: error: <what is wrong and what to do>",
// and exit code 2, for bad input and engine errors alike. FANOUT_DEBUG=1 adds the stack trace.

/** Bad input from the user (flags, files, stdin). The message says what is wrong and what to do. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Exit code for every failure. */
export const EXIT_FAILURE = 2;

/** Collapses a message to one line (commander and engine messages may span several). */
export function oneLine(s: string): string {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/** The error line for `e`; with FANOUT_DEBUG=1 followed by the stack trace. */
export function formatError(e: unknown, debug = process.env.FANOUT_DEBUG === '1'): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const line = `fanout: error: ${oneLine(err.message) || err.name}`;
  return debug && err.stack ? `${line}\n${err.stack}` : line;
}
