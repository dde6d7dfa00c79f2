// The Node host's tokenizer worker (engine/host/worker-tokenizer.ts) on the bundled model's tokenizer:
// it gives exactly what the engine computes on its own thread, and a tokenizer.json whose Split regex
// backtracks for minutes (one regex-safety.ts lets through: neighbouring repeats, no nested group) is
// stopped at the budget or on cancel while the host's thread keeps running; the next call works again.
import { describe, test, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '../../engine/tokenizer/tokenizer.ts';
import { planPrompt, TokenizeAbortedError, TokenizeTimeoutError } from '../../engine/prompt-plan.ts';
import { WorkerTokenizer } from '../../engine/host/worker-tokenizer.ts';
import { nestedUnboundedRepeat } from '../../engine/tokenizer/regex-safety.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const bundled = () => JSON.parse(readFileSync(join(ROOT, 'models', 'fanout-code-4m', 'tokenizer.json'), 'utf8'));
/** Eight neighbouring `\s*`: on n spaces and no "!", each start position tries O(n^8) splits. */
const SLOW = '\\s*\\s*\\s*\\s*\\s*\\s*\\s*\\s*!';
function hostile() {
  const j = bundled();
  j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: SLOW }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false }] };
  return j;
}
const BAD_PROMPT = 'x' + ' '.repeat(60) + 'y';

let open: WorkerTokenizer[] = [];
const worker = (budgetMs?: number) => {
  const w = new WorkerTokenizer({ budgetMs });
  open.push(w);
  return w;
};
afterEach(() => {
  for (const w of open) w.close();
  open = [];
});

/** Counts timer ticks while `p` runs: a blocked event loop ticks (almost) never. */
async function ticksDuring<T>(p: Promise<T>): Promise<{ ticks: number; result: PromiseSettledResult<T> }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const [result] = await Promise.allSettled([p]);
  clearInterval(timer);
  return { ticks, result };
}

describe('WorkerTokenizer', () => {
  test('plans and encodes exactly as the engine does on its own thread', async () => {
    const json = bundled();
    const tok = Tokenizer.fromJSON(json);
    const w = worker();
    await w.load(json);
    const inputs = [
      { prefix: 'function add(a, b) {\n  return' },
      { prefix: 'const x = ', suffix: ';\nconsole.log(x);\n', fileName: 'a.ts' },
      { prefix: 'def f(x):\n    ', context: [{ name: 'util.py', text: 'def g(y):\n    return y * 2\n' }], contextTokens: 64, fileName: 'main.py' },
      { prefix: 'let s = "' + 'ab '.repeat(3000) },
    ];
    for (const input of inputs) {
      expect(await w.plan(input, 2048, 64)).toEqual(planPrompt(tok, input, 2048, 64));
    }
    const texts = ['', 'hello world', 'ünïcödé 🙂\n\t', '<|endoftext|> is text here'];
    expect(await w.encode(texts)).toEqual(texts.map((t) => tok.encode(t, { specials: false })));
    // A request error keeps its kind (the host maps RangeError to "change the request").
    await expect(w.plan({ prefix: 'x' }, 100, 200)).rejects.toBeInstanceOf(RangeError);
  });

  test('a regex that backtracks for minutes is stopped at the budget; the thread stays free; the next call works', async () => {
    expect(nestedUnboundedRepeat(SLOW), 'the load-time check lets this pattern through').toBeUndefined();
    const w = worker(400);
    await w.load(hostile());
    const t0 = Date.now();
    const { ticks, result } = await ticksDuring(w.plan({ prefix: BAD_PROMPT }, 2048, 16));
    const ms = Date.now() - t0;
    expect(result.status).toBe('rejected');
    const err = (result as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(TokenizeTimeoutError);
    expect(err.message).toMatch(/^Tokenizing 62 characters took longer than 0\.4 s and was stopped: .*tokenizer\.json/);
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(ms).toBeLessThan(5_000);
    expect(ticks, 'timers ran while the worker was stuck').toBeGreaterThan(5);
    // A fresh worker from the same tokenizer.json answers the next call.
    const ok = await w.encode(['a b']);
    expect(ok[0].length).toBeGreaterThan(0);
  }, 30_000);

  test('cancel stops a stuck tokenization at once', async () => {
    const w = worker(60_000);
    await w.load(hostile());
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 200);
    await expect(w.plan({ prefix: BAD_PROMPT }, 2048, 16, ac.signal)).rejects.toBeInstanceOf(TokenizeAbortedError);
    expect(Date.now() - t0).toBeLessThan(3_000);
    await expect(w.encode(['ok'], AbortSignal.abort())).rejects.toBeInstanceOf(TokenizeAbortedError);
    expect((await w.encode(['ok']))[0].length).toBeGreaterThan(0);
  }, 30_000);

  test('without a model, or after close, calls fail saying why', async () => {
    const w = worker();
    await expect(w.encode(['x'])).rejects.toThrow(/no tokenizer loaded/);
    await w.load(bundled());
    w.close();
    await expect(w.encode(['x'])).rejects.toThrow(/closed/);
  });
});
