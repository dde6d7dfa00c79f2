// Text after the cursor (fill-in-the-middle) on the bundled model: with the cursor on a blank indented
// line between two statements, no candidate starts in the middle of a word (before FIM prompts were
// token-healed, 15–19 of 32 did: "wity:", "enter(x"). The check is protocol/quality.ts startsMidWord, the
// predicate `fanout eval` reports: the word at the cursor must be a keyword or a word of the file.
import { test, expect } from './fixtures.ts';
import { cards, openApp, waitForCandidates } from './app-helpers.ts';
import { startsMidWord } from '../protocol/quality.ts';

const PREFIX = 'function clamp(x: number, lo: number, hi: number): number {\n  if (x < lo) return lo;\n  ';
const SUFFIX = '\n  return x;\n}\n';

test('FIM: cursor on a blank indented line between two statements → no candidate starts mid-word', async ({ app }) => {
  const { page } = app;
  // The app puts the cursor at the end of the first whitespace-only line: the blank line between the statements.
  await openApp(page, app.url, { n: 32, maxTokens: 16, stop: 'line', rerank: 'mean', autoComplete: false, seed: 1234 }, { fileName: 'clamp.ts', text: PREFIX + SUFFIX });
  await page.keyboard.press('ControlOrMeta+Enter');
  await waitForCandidates(page, 32);
  const list = await cards(page);
  expect(list.length).toBeGreaterThan(0);
  const midWord = list.map((c) => c.text).filter((t) => startsMidWord(PREFIX, t, SUFFIX));
  expect(midWord, `candidates: ${JSON.stringify(list.map((c) => c.text))}`).toEqual([]);
});
