// Where a JSON text stopped parsing, for error messages (V8's own message quotes the text itself).

/**
 * Why `text` is not JSON, without quoting it: V8's own message quotes the text ("Unexpected token 'r',
 * "root:*:202"... is not valid JSON"), and a model file can be a symlink to any file on disk, so its
 * content must never reach an error message (or the client that asked for the load). Gives the place
 * (line and column) where parsing stopped when V8's message names a position.
 */
export function jsonProblem(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : '';
  if (/Unexpected end of JSON input/i.test(msg) || text.trim() === '') return 'it ends before the JSON value does (empty or truncated)';
  const at = /position (\d+)/.exec(msg);
  if (at) {
    const pos = Number(at[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    return `parsing stopped at line ${line}, column ${col}`;
  }
  return 'it holds text that is not JSON';
}
