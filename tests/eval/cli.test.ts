// `fanout eval` end to end through the real bin: a small random-weight model, two function tasks, three
// held-out lines (FIM off here: tests/eval/fim.test.ts runs that section). Checks the JSON's shape and
// that its figures agree with its own per-sample results.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout } from '../cli/helpers.ts';

let dir: string;
let model: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-eval-cli-'));
  model = join(dir, 'model');
  await writeRandomModel(model, { arch: 'llama', dtype: 'F16', hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 96, tie: true, seed: 5, maxPositions: 256 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STATUSES = ['pass', 'fail', 'timeout', 'syntax-error'];
const inUnit = (x: number) => x >= 0 && x <= 1;

interface Sample {
  sample: number;
  text: string;
  tokens: number;
  sumLogprob: number;
  meanLogprob: number;
  finishReason: string;
  status: string;
}

describe('fanout eval', () => {
  it('--json: model, settings, per-task and per-line results, and a summary consistent with them', async () => {
    const out = join(dir, 'result.json');
    const args = ['eval', '--model', model, '--limit', '2', '--lines', '3', '--n', '4', '--max-tokens', '16', '--line-tokens', '8', '--seed', '3', '--fim', '0'];
    const r = await fanout([...args, '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(res);
    expect(r.stderr).toMatch(/^\[function 2\/2\] /m);
    expect(r.stderr).toMatch(/^\[next-line 3\/3\] /m);

    expect(Object.keys(res)).toEqual(['model', 'adapter', 'date', 'settings', 'wallMs', 'functions', 'nextLine', 'fim', 'timings']);
    expect(res.model).toMatchObject({ name: 'model', architecture: 'LlamaForCausalLM', layers: 2, hidden: 64, contextLength: 256 });
    expect(typeof res.adapter).toBe('string');
    expect(Number.isNaN(Date.parse(res.date))).toBe(false);
    expect(res.settings).toMatchObject({ n: 4, maxTokens: 16, lineTokens: 8, seed: 3, temperature: 0.8, topP: 0.95, tasks: 2, lines: 3, fim: 0, tasksDir: 'evals/functions', heldoutDir: 'evals/heldout' });

    const tasks = res.functions.tasks as { name: string; passed: number; n: number; greedyPass: boolean; rerankedPass: boolean; rerankedSample: number; greedy: Sample; samples: Sample[] }[];
    expect(tasks.map((t) => t.name)).toEqual(['add', 'average']); // the first two by name
    for (const t of tasks) {
      expect(t.samples.map((s) => s.sample)).toEqual([0, 1, 2, 3]);
      for (const s of [t.greedy, ...t.samples]) {
        expect(STATUSES).toContain(s.status);
        expect(s.tokens).toBeLessThanOrEqual(16);
        expect(s.meanLogprob).toBeCloseTo(s.sumLogprob / Math.max(s.tokens, 1), 9);
        expect(s.text).not.toContain('\n}');
      }
      expect(t.passed).toBe(t.samples.filter((s) => s.status === 'pass').length);
      expect(t.greedyPass).toBe(t.greedy.status === 'pass');
      expect(t.rerankedPass).toBe(t.samples[t.rerankedSample].status === 'pass');
    }
    const s = res.functions.summary;
    expect(s).toMatchObject({ tasks: 2, n: 4 });
    for (const v of [s.pass1Greedy, s.pass1Reranked, s.pass1Sampled, ...Object.values(s.passAtK as Record<string, number>)]) expect(inUnit(v)).toBe(true);
    expect(Object.keys(s.passAtK)).toEqual(['1', '4']);
    expect(s.passAtK['4']).toBeGreaterThanOrEqual(s.pass1Reranked);
    expect(s.passAtK['4']).toBe(tasks.filter((t) => t.passed > 0).length / 2);
    expect(s.pass1Sampled).toBeCloseTo(tasks.reduce((a, t) => a + t.passed / 4, 0) / 2, 12);
    expect(Object.values(s.statuses as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(2 * 5);

    const lines = res.nextLine.lines as { file: string; line: number; expected: string; got: string; exact: boolean; normalized: boolean; flags: { empty: boolean } }[];
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l.exact).toBe(l.got.trimEnd() === l.expected.trimEnd());
      if (l.exact) expect(l.normalized).toBe(true);
      expect(l.flags.empty).toBe(l.got.trim() === '');
    }
    expect(res.nextLine.summary).toMatchObject({ lines: 3, exact: lines.filter((l) => l.exact).length / 3 });
    expect(res.nextLine.summary.quality).toMatchObject({ positions: 3, empty: lines.filter((l) => l.flags.empty).length / 3 });
    expect(res.fim.summary).toMatchObject({ positions: 0 });
    expect(res.fim.positions).toEqual([]);

    // Same seed, same everything but the timings.
    const again = JSON.parse((await fanout([...args, '--json'])).stdout);
    const strip = (x: { functions: unknown; nextLine: unknown }) => ({ functions: x.functions, nextLine: x.nextLine });
    const noMs = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'ms' ? undefined : v)));
    expect(noMs(strip(again))).toEqual(noMs(strip(res)));
  });

  it('prints a table with the summary lines', async () => {
    const r = await fanout(['eval', '--model', model, '--limit', '1', '--lines', '1', '--n', '2', '--max-tokens', '4', '--line-tokens', '4', '--fim', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}add +ts +\S+ +\d\/2 +(pass|fail)$/m);
    expect(r.stdout).toMatch(/pass@1, greedy sample +\d\.\d{3} +\(\d\/1\)/);
    expect(r.stdout).toMatch(/pass@1, best of 2 by mean log-prob/);
    expect(r.stdout).toMatch(/pass@2 \(any sample passes\)/);
    expect(r.stdout).toMatch(/exact match +\d\.\d{3} +\(\d\/1\)/);
    expect(r.stdout).toMatch(/greedy line: blank +\d\.\d{3} +\(\d\/1\)/);
    expect(r.stdout).not.toMatch(/^FIM:/m);
  });

  it('bad options are one error line and exit 2, before any GPU work', async () => {
    for (const args of [
      ['--limit', '0', '--lines', '0', '--fim', '0'],
      ['--tasks', join(dir, 'missing')],
      ['--heldout', join(dir, 'missing')],
      ['--n', '0'],
    ]) {
      const r = await fanout(['eval', '--model', model, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^fanout: error: /);
    }
  });
});
