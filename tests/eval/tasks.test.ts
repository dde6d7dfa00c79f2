// Every function task's checks pass with its canonical solution and fail with wrong bodies, through the
// real sandbox and the same program assembly a model's completion goes through.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../engine/eval/sandbox.ts';
import { assembleProgram, canonicalCompletion, loadTasks, parseTask, type FunctionTask } from '../../engine/eval/tasks.ts';
import { ROOT } from '../cli/helpers.ts';

let tasks: FunctionTask[];
let sandbox: Sandbox;

beforeAll(async () => {
  tasks = await loadTasks(join(ROOT, 'evals', 'functions'));
  sandbox = await Sandbox.create({ timeoutMs: 10_000 });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('the task set', () => {
  it('has 30+ tasks in both languages, each prompt a doc comment and a signature ending at "{"', () => {
    expect(tasks.length).toBeGreaterThanOrEqual(30);
    expect(tasks.filter((t) => t.lang === 'ts').length).toBeGreaterThanOrEqual(10);
    expect(tasks.filter((t) => t.lang === 'js').length).toBeGreaterThanOrEqual(10);
    for (const t of tasks) {
      expect(t.prompt, t.name).toMatch(/^\/\*\*[\s\S]*\*\/\n/);
      expect(t.prompt, t.name).toMatch(new RegExp(`function ${t.name}\\b[^\\n]*\\{$`));
      expect(t.checks, t.name).toContain(`${t.name}(`);
    }
  });

  it('canonical solution: every task passes', async () => {
    const results = await Promise.all(tasks.map((t) => sandbox.run(assembleProgram(t, canonicalCompletion(t)), t.lang)));
    const failed = results.flatMap((r, i) => (r.status === 'pass' ? [] : [`${tasks[i].name}: ${r.status} ${r.message}`]));
    expect(failed).toEqual([]);
  });

  it('a body that throws or returns undefined: every task fails', async () => {
    const wrong = ["\n  throw new Error('not implemented');", '\n  return undefined as any;'];
    const runs = tasks.flatMap((t) => wrong.map((body) => ({ t, body: t.lang === 'js' ? body.replace(' as any', '') : body })));
    const results = await Promise.all(runs.map(({ t, body }) => sandbox.run(assembleProgram(t, body), t.lang)));
    const passed = results.flatMap((r, i) => (r.status === 'fail' ? [] : [`${runs[i].t.name} with ${JSON.stringify(runs[i].body)}: ${r.status}`]));
    expect(passed).toEqual([]);
  });
});

describe('parseTask', () => {
  const file = ['/** Doubles. */', 'export function double(x: number) {', '// @solution', '  return 2 * x;', '}', '// @checks', 'if (double(2) !== 4) throw new Error();', ''].join('\n');

  it('splits prompt, solution and checks; the canonical completion reassembles the file', () => {
    const t = parseTask(file, 'double.ts');
    expect(t).toEqual({
      name: 'double',
      lang: 'ts',
      prompt: '/** Doubles. */\nexport function double(x: number) {',
      solution: '  return 2 * x;\n}\n',
      checks: 'if (double(2) !== 4) throw new Error();\n',
    });
    expect(canonicalCompletion(t)).toBe('\n  return 2 * x;');
    expect(assembleProgram(t, canonicalCompletion(t))).toBe(`${t.prompt}\n${t.solution}\n${t.checks}`);
  });

  it('says what is wrong with a malformed file', () => {
    expect(() => parseTask(file, 'double.py')).toThrow(/must end in \.ts/);
    expect(() => parseTask(file.replace('// @checks', ''), 'double.ts')).toThrow(/exactly one "\/\/ @checks"/);
    expect(() => parseTask(file.replace(' {\n// @solution', '\n// @solution'), 'double.ts')).toThrow(/opening "\{"/);
    expect(() => parseTask(file.replace('\n}\n// @checks', '\n  }\n// @checks'), 'double.ts')).toThrow(/closing "\}"/);
    expect(() => parseTask(file.replace('  return 2 * x;', '  return 2 * x;\n}\n  // more'), 'double.ts')).toThrow(/column 0 before its last line/);
  });
});
