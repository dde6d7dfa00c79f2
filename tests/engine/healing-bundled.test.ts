// Token healing and minTokens on the bundled model, where the distribution is a trained one: 32 samples
// (seed 1, the app's sampling settings) for a cursor on an indented blank line, with text after it (FIM)
// and without, with spaces and tabs, after an empty line and mid-line. What a person would type next
// must come out: no sample starts mid-word, and none repeats the indentation that is already there.
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { engineFor, collect } from './helpers.ts';
import { defaultModelDir } from '../../engine/host/cli-model.ts';
import { DEFAULT_REQUEST, type GenerateEvent, type GenerateRequest } from '../../protocol/engine.ts';
import type { Engine } from '../../engine/engine.ts';

let engine: Engine;
beforeAll(async () => {
  engine = await engineFor(defaultModelDir(), 'f32');
});
afterAll(() => engine.destroy());

const N = 32;
const CLAMP = 'function clamp(x, lo, hi) {\n';

interface Sample {
  text: string;
  reason: string;
  tokens: number[];
}

async function run(over: Partial<GenerateRequest> & { prefix: string }): Promise<Sample[]> {
  const events = await collect(engine.generate({ ...DEFAULT_REQUEST, n: N, maxTokens: 16, seed: 1, stop: 'line', ...over }));
  const tokens = new Map<number, number[]>();
  for (const e of events) if (e.type === 'token' && e.token >= 0) tokens.set(e.sample, [...(tokens.get(e.sample) ?? []), e.token]);
  return events
    .filter((e): e is Extract<GenerateEvent, { type: 'finish' }> => e.type === 'finish')
    .sort((a, b) => a.sample - b.sample)
    .map((f) => ({ text: f.text, reason: f.reason, tokens: tokens.get(f.sample) ?? [] }));
}

/**
 * The sample starts mid-word: the first token with a visible character starts with a letter, digit or
 * '_' although the text before it (prefix + sample) ends in a space. Training text never has that: a
 * byte-level tokenizer gives the space to the word (" if"), so such a token is a word's second half.
 */
function startsMidWord(prefix: string, s: Sample): boolean {
  let before = prefix;
  for (const id of s.tokens) {
    const piece = engine.tokenizer.decode([id]);
    if (/\S/.test(piece)) return /^[\p{L}\p{N}_]/u.test(piece) && before.endsWith(' ');
    before += piece;
  }
  return false;
}

const show = (samples: Sample[]) => samples.map((s) => JSON.stringify(s.text)).join('\n');

describe('bundled model: token healing', () => {
  test('FIM, cursor on an indented blank line between two statements: no sample starts mid-word', async () => {
    const prefix = `${CLAMP}  if (x < lo) return lo;\n  `;
    const samples = await run({ prefix, suffix: '\n  return x;\n}\n' });
    expect(samples).toHaveLength(N);
    expect(samples.filter((s) => startsMidWord(prefix, s)).map((s) => s.text), show(samples)).toEqual([]);
  });

  test('FIM, cursor after half a word: most samples finish the word ("ret" → "return")', async () => {
    const samples = await run({ prefix: `${CLAMP}  if (x < lo) ret`, suffix: '\n  return x;\n}\n' });
    expect(samples.filter((s) => s.text.startsWith('urn')).length, show(samples)).toBeGreaterThanOrEqual(N / 2);
  });

  // The cursor at the end of the indentation of a new line: the inserted text continues that line, so it
  // never starts with more whitespace (the doubled indentation of healing only first tokens that start
  // with the whole "\n  ") and never ends empty at once.
  for (const [name, prefix] of [
    ['2 spaces', `${CLAMP}  if (x < lo) return lo;\n  `],
    ['a tab', `${CLAMP}\tif (x < lo) return lo;\n\t`],
  ] as const) {
    test(`prefix only, indentation of ${name}: every sample continues the line, with no extra indentation`, async () => {
      const samples = await run({ prefix });
      expect(samples.filter((s) => !/^\S/.test(s.text)).map((s) => s.text), show(samples)).toEqual([]);
    });
  }

  test('prefix only, indented line after an empty line: samples keep the indentation', async () => {
    // The whole trailing whitespace "\n\n  " is healed; a few of 32 may still open a deeper line (the model may indent after a blank line).
    const samples = await run({ prefix: `${CLAMP}  if (x < lo) return lo;\n\n  ` });
    const deeper = samples.filter((s) => /^\s/.test(s.text));
    expect(deeper.length, show(samples)).toBeLessThanOrEqual(N / 8);
    expect(samples.filter((s) => s.text === '').length).toBe(0);
  });

  test('prefix only, mid-line after "return ": no sample starts with another space', async () => {
    const samples = await run({ prefix: `${CLAMP}  if (x < lo) return lo;\n  if (x > hi) return ` });
    expect(samples.filter((s) => /^\s/.test(s.text)).map((s) => s.text), show(samples)).toEqual([]);
  });
});

describe('bundled model: minTokens', () => {
  // An empty prompt starts from end-of-text, after which this model often predicts end-of-text again.
  test('minTokens 0 keeps samples that end at once; minTokens 1 and 3 mask end-of-text until then', async () => {
    const endedAt = async (minTokens: number) =>
      (await run({ prefix: '', maxTokens: 4, minTokens })).filter((s) => s.reason === 'eos').map((s) => s.tokens.length);
    expect((await endedAt(0)).filter((t) => t === 0).length).toBeGreaterThan(0);
    expect((await endedAt(1)).filter((t) => t < 1)).toEqual([]);
    expect((await endedAt(3)).filter((t) => t < 3)).toEqual([]);
  });
});
