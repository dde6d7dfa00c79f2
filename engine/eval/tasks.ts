// Function tasks for `fanout eval`: one file per task under evals/functions/, `<name>.ts` or `<name>.js`.
// A task file is a complete program, split into three sections by two marker lines:
//
//   /** doc comment */                      ┐
//   export function clamp(x, lo, hi) {      ┘ prompt: what the model sees (ends at the opening "{")
//   // @solution
//     return Math.min(hi, Math.max(lo, x));  ┐ the canonical body and the closing "}" at column 0;
//   }                                        ┘ used only by the tests that prove the checks work
//   // @checks
//   import assert from 'node:assert/strict'; ┐ code that calls the function and throws on a wrong
//   assert.equal(clamp(5, 0, 3), 3);         ┘ answer (run in the sandbox, engine/eval/sandbox.ts)
//
// The prompt is the text before the "// @solution" line without its last line break, so it ends right
// after "{": the model's next token is then the body's first line break and indentation, the same token
// boundary it saw in training. A completion is cut before its first "\n}" (the function's closing
// brace at column 0, see COMPLETION_STOP) and the program is prompt + completion + "\n}\n" + checks.
// Node-only (reads the folder).
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

export type TaskLang = 'ts' | 'js';

export interface FunctionTask {
  /** File name without extension. */
  name: string;
  lang: TaskLang;
  /** Text the model continues; ends with "{". */
  prompt: string;
  /** Canonical body and closing brace, as written in the file (tests only). */
  solution: string;
  /** Code run after the function; throws when the function is wrong. */
  checks: string;
}

export const SOLUTION_MARKER = '// @solution';
export const CHECKS_MARKER = '// @checks';

/** Stop string for function completions: a line that starts with "}" closes the function (bodies are indented). */
export const COMPLETION_STOP = '\n}';

const LANGS: Record<string, TaskLang> = { '.ts': 'ts', '.mts': 'ts', '.js': 'js', '.mjs': 'js' };

/** Parses one task file; `file` names it in errors. Throws an Error saying what is malformed. */
export function parseTask(text: string, file: string): FunctionTask {
  const lang = LANGS[extname(file)];
  if (!lang) throw new Error(`${file}: a task file must end in .ts, .mts, .js or .mjs`);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const at = (marker: string) => {
    const found = lines.flatMap((l, i) => (l.trim() === marker ? [i] : []));
    if (found.length !== 1) throw new Error(`${file}: needs exactly one "${marker}" line, found ${found.length}`);
    return found[0];
  };
  const s = at(SOLUTION_MARKER);
  const c = at(CHECKS_MARKER);
  if (c < s) throw new Error(`${file}: "${CHECKS_MARKER}" must come after "${SOLUTION_MARKER}"`);
  const prompt = lines.slice(0, s).join('\n').trimEnd();
  const solution = lines.slice(s + 1, c).join('\n').trimEnd() + '\n';
  const checks = lines.slice(c + 1).join('\n').trim() + '\n';
  if (!prompt.endsWith('{')) throw new Error(`${file}: the prompt (before "${SOLUTION_MARKER}") must end with the function's opening "{"`);
  if (!/(^|\n)}\n$/.test(solution)) throw new Error(`${file}: the solution must end with the function's closing "}" alone on a line at column 0`);
  if (('\n' + solution.slice(0, -'}\n'.length)).includes(COMPLETION_STOP)) {
    // A completion would be cut there, so the canonical body could never be generated whole.
    throw new Error(`${file}: the solution has a "}" at column 0 before its last line; indent the body`);
  }
  if (checks.trim() === '') throw new Error(`${file}: the checks section is empty`);
  return { name: basename(file, extname(file)), lang, prompt, solution, checks };
}

/** The tasks in `dir`, sorted by name. */
export async function loadTasks(dir: string): Promise<FunctionTask[]> {
  const names = (await readdir(dir)).filter((f) => LANGS[extname(f)]).sort();
  const tasks = await Promise.all(names.map(async (f) => parseTask(await readFile(join(dir, f), 'utf8'), f)));
  const seen = new Set<string>();
  for (const t of tasks) {
    if (seen.has(t.name)) throw new Error(`${dir}: two task files are named ${t.name}; rename one`);
    seen.add(t.name);
  }
  return tasks;
}

/**
 * The program that checks `completion` (the model's text after the prompt, already cut before "\n}"):
 * the prompt, the completion, the closing brace, then the checks.
 */
export function assembleProgram(task: FunctionTask, completion: string): string {
  return `${task.prompt}${completion}\n}\n\n${task.checks}`;
}

/** The canonical solution as a completion would give it: the body after "{", without the closing brace line. */
export function canonicalCompletion(task: FunctionTask): string {
  return '\n' + task.solution.slice(0, -'}\n'.length).trimEnd();
}
