// The app against the engine: generate 32 ranked candidates, re-rank, accept and undo, cancel, and a
// broken model folder that leaves the app usable. Screenshots of the main states go to e2e/screenshots/.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.ts';
import { cards, draftText, endedEmpty, expectDescending, expectEditorText, openApp, typeAtEnd, waitForCandidates } from './app-helpers.ts';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
// The file the app opens with (its saved draft); each spec types the last word itself.
const DRAFT = { fileName: 'fib.ts', text: 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ' };
const TYPED = 'return';
const CODE = DRAFT.text + TYPED;

// One worker runs these in order (playwright.config.ts); each is independent of the others' outcome
// (the broken-model spec loads the bundled model back; engine.spec.ts reloads it if that failed midway).

test('32 candidates ranked by the selected score; re-rank; accept with Enter; undo restores the text', async ({ app }) => {
  const { page } = app;
  await openApp(page, app.url, { n: 32, maxTokens: 16, stop: 'line', rerank: 'mean' }, DRAFT);
  await typeAtEnd(page, TYPED);

  await page.keyboard.press('ControlOrMeta+Enter');
  await waitForCandidates(page, 32);
  const byMean = await cards(page);
  // Groups of identical completions: their sizes and the samples that ended empty (no cards) add up to 32.
  const empty = await endedEmpty(page);
  expect(byMean.reduce((a, c) => a + c.count, 0) + empty).toBe(32);
  expectDescending(byMean);
  await page.screenshot({ path: join(SHOTS, 'candidates-32-ranked.png') });

  await page.getByTestId('rerank').selectOption('sum');
  await expect(page.getByTestId('candidate-score').first()).toHaveAttribute('title', 'sum of log-probabilities');
  const bySum = await cards(page);
  expectDescending(bySum);
  expect(bySum.reduce((a, c) => a + c.count, 0) + empty).toBe(32);
  // The same groups in a (generally) different order by a different score.
  expect(bySum.map((c) => c.text).sort()).toEqual(byMean.map((c) => c.text).sort());
  expect(bySum.map((c) => c.scoreText)).not.toEqual(byMean.map((c) => c.scoreText));

  await page.getByTestId('rerank').selectOption('agreement');
  await expect(page.getByTestId('candidate-score').first()).toHaveText(/^\d+×$/);
  const byAgreement = await cards(page);
  expectDescending(byAgreement);
  expect(byAgreement.map((c) => c.score)).toEqual(byAgreement.map((c) => c.count));

  // Accept a candidate with visible text: select it (click) and press Enter in the list.
  const pick = Math.max(0, byAgreement.findIndex((c) => c.text.trim() !== ''));
  await page.getByTestId('candidate').nth(pick).click();
  await expect(page.getByTestId('candidate').nth(pick)).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('listbox', { name: 'Ranked candidates' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('candidate')).toHaveCount(0);
  // The inserted text is the card's (compared without trailing whitespace: the preview is rendered HTML).
  await expect.poll(() => draftText(page)).not.toBe(CODE);
  expect((await draftText(page)).startsWith(CODE)).toBe(true);
  const inserted = (await draftText(page)).slice(CODE.length);
  expect(inserted.trimEnd()).toBe(byAgreement[pick].text.trimEnd());
  expect(inserted.trim()).not.toBe('');

  // The insertion is one undo step; focus is back in the editor.
  await page.keyboard.press('ControlOrMeta+Z');
  await expectEditorText(page, CODE);
});

test('candidate cards show their code preview (the list scrolls; cards do not shrink)', async ({ app }) => {
  const { page } = app;
  await openApp(page, app.url, { n: 32, maxTokens: 16, stop: 'line', rerank: 'mean' }, DRAFT);
  await typeAtEnd(page, TYPED);
  await page.keyboard.press('ControlOrMeta+Enter');
  await waitForCandidates(page, 32);
  const card = page.getByTestId('candidate').first();
  const meta = await card.locator('.card-meta').boundingBox();
  const preview = await card.getByTestId('candidate-text').boundingBox();
  const box = await card.boundingBox();
  expect(meta && preview && box).toBeTruthy();
  // The preview lies inside the card, below its meta row.
  expect(box!.y + box!.height, 'the card is cut off above its code preview').toBeGreaterThanOrEqual(preview!.y + preview!.height - 1);
  expect(preview!.y).toBeGreaterThanOrEqual(meta!.y + meta!.height - 1);
});

test('cancel mid-generation keeps the partial candidates', async ({ app }) => {
  const { page } = app;
  await openApp(page, app.url, { n: 8, maxTokens: 1000, stop: 'none', rerank: 'mean' }, DRAFT);
  await typeAtEnd(page, TYPED);
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.locator('.run-summary')).toContainText('decoding');
  // Wait for some decoded text, then Esc (the editor's cancel key while generating).
  await expect.poll(async () => (await page.locator('.live-list code').allInnerTexts()).join('').trim().length, { timeout: 120_000 }).toBeGreaterThan(0);
  await page.keyboard.press('Escape');
  await expect(page.locator('.run-summary')).toContainText('cancelled', { timeout: 60_000 });
  const partial = await cards(page);
  expect(partial.length).toBeGreaterThan(0);
  // Samples that ended (eos) before Esc keep their finish reason; the others are kept as cancelled.
  await expect(page.getByTestId('candidate').filter({ hasText: /cancelled|partial/ }).first()).toBeVisible();
  expect(await draftText(page)).toBe(CODE);
});

test('a broken model folder shows the error; the app stays usable and generates again after loading a good model', async ({ app }) => {
  const { page } = app;
  const broken = process.env.FANOUT_E2E_BROKEN_MODEL!;
  await openApp(page, app.url, { n: 4, maxTokens: 8, stop: 'line' }, DRAFT);
  await typeAtEnd(page, TYPED);

  await page.getByTestId('settings').click();
  const panel = page.getByTestId('settings-panel');
  await expect(panel).toBeVisible();
  await page.screenshot({ path: join(SHOTS, 'settings.png') });
  const modelField = panel.getByPlaceholder(/models\/fanout-code-4m/);
  await modelField.fill(broken);
  await panel.getByRole('button', { name: 'Load', exact: true }).click();
  const error = page.getByTestId('error').filter({ hasText: 'config.json' });
  await expect(error).toBeVisible({ timeout: 60_000 });
  await expect(error).toHaveAttribute('data-code', 'load-failed');
  await expect(error).toContainText(`Cannot load ${broken}: config.json is not valid JSON`);
  // Refused before anything was unloaded: the bundled model stays loaded (and shown in the status bar).
  await expect(error).toContainText('fanout-code-4m is still loaded');
  await expect(page.getByTestId('status')).toContainText('fanout-code-4m');
  await page.screenshot({ path: join(SHOTS, 'error-broken-model.png') });
  expect(await draftText(page)).toBe(CODE);

  // Back to the bundled model; then generating works again.
  await modelField.fill('models/fanout-code-4m');
  await panel.getByRole('button', { name: 'Load', exact: true }).click();
  // The button reads "Loading…" (disabled) until the host answers.
  await expect(panel.getByRole('button', { name: 'Load', exact: true })).toBeEnabled({ timeout: 120_000 });
  await expect(panel).toContainText('Loaded: fanout-code-4m');
  await page.getByTestId('settings').click();
  await page.locator('[data-testid=editor] .view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('ControlOrMeta+Enter');
  await waitForCandidates(page, 4);
  expectDescending(await cards(page));
  expect(await draftText(page)).toBe(CODE);
});
