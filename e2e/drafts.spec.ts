// The draft against real browser storage (renderer/draft.ts): two browser tabs of the app keep their own
// drafts (a reload brings back each one's text, a new tab after both closed brings back both), a tab opened
// from another (window.open copies sessionStorage, as a duplicated tab does) continues under its own id,
// a file too big for the storage quota neither brings back older text nor takes the other tabs down with
// it, and closing or reloading a page with unsaved tabs asks first (beforeunload).
//
// The checks read the page (tabs, editor lines), not the draft's storage format, so they also say what
// happened with the one-key draft of before: there the last tab to save overwrote the other's text.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { openApp } from './app-helpers.ts';

const DRAFT = { fileName: 'fib.ts', text: 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ' };
const SETTINGS = { n: 2, maxTokens: 4, autoComplete: false };

const tabs = (page: Page) => page.getByTestId('tab').locator('.tab-name');

/** The editor's lines as shown (the texts here are short: every line is rendered). */
async function shownText(page: Page): Promise<string> {
  return page.locator('[data-testid=editor] .view-line').evaluateAll((els) =>
    els
      .map((e) => ({ top: parseFloat((e as HTMLElement).style.top) || 0, text: (e.textContent ?? '').replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text)
      .join('\n'),
  );
}

/** Whether any entry of this page's storage holds `marker` (whatever the draft's format). */
async function stored(page: Page, marker: string, where: 'localStorage' | 'sessionStorage' = 'localStorage'): Promise<boolean> {
  return page.evaluate(
    ([m, w]) => {
      const s = w === 'localStorage' ? localStorage : sessionStorage;
      for (let i = 0; i < s.length; i++) if (s.getItem(s.key(i)!)?.includes(m)) return true;
      return false;
    },
    [marker, where] as const,
  );
}

/** Types `text` at the end of the shown tab and waits until the draft has it (saved 400 ms after an edit). */
async function typeAndKeep(page: Page, text: string, where: 'localStorage' | 'sessionStorage' = 'localStorage') {
  await page.locator('[data-testid=editor] .view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape');
  await expect.poll(() => stored(page, text, where), { timeout: 10_000 }).toBe(true);
}

/** Another browser tab of the app (same storage, its own session). */
async function newTab(page: Page, url: string): Promise<Page> {
  const other = await page.context().newPage();
  other.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await other.goto(url);
  await expect(other.getByTestId('tab').first()).toBeVisible();
  return other;
}

/** Closes a page as the user does (beforeunload runs; its question is answered "leave"). */
async function closeTab(page: Page) {
  page.on('dialog', (d) => void d.accept());
  const closed = page.waitForEvent('close');
  await page.close({ runBeforeUnload: true });
  await closed;
}

test.describe('drafts', () => {
  test.skip(({ target }) => target === 'electron', 'browser tabs and their storage; the desktop app has one editor window');

  test('two browser tabs keep their own drafts; a new tab after both closed brings back both', async ({ app }) => {
    const { page } = app;
    await openApp(page, app.url, SETTINGS, DRAFT);
    const other = await newTab(page, app.url);
    // A new tab next to a live one starts with the example, not with a copy of the other's tabs.
    await expect(tabs(other)).toHaveText(['untitled.ts']);
    await typeAndKeep(page, '// from one');
    await typeAndKeep(other, '// from two');
    await typeAndKeep(page, ' again'); // this tab saves last

    await page.reload();
    await expect(tabs(page)).toHaveText(['fib.ts']);
    await expect.poll(() => shownText(page)).toContain('// from one again');
    await other.reload();
    await expect(tabs(other)).toHaveText(['untitled.ts']);
    await expect.poll(() => shownText(other)).toContain('// from two');
    expect(await shownText(other)).not.toContain('from one');

    await closeTab(page);
    await closeTab(other);
    const third = await newTab(page, app.url);
    await expect.poll(async () => (await tabs(third).allTextContents()).sort()).toEqual(['fib.ts', 'untitled.ts']);
    for (const [name, text] of [['fib.ts', '// from one again'], ['untitled.ts', '// from two']] as const) {
      await third.getByTestId('tab').filter({ hasText: name }).click();
      await expect.poll(() => shownText(third)).toContain(text);
    }
  });

  test('a tab opened from another (a copy of its session) continues under its own draft', async ({ app }) => {
    const { page } = app;
    await openApp(page, app.url, SETTINGS, DRAFT);
    await typeAndKeep(page, '// original');
    const [copy] = await Promise.all([page.context().waitForEvent('page'), page.evaluate((url) => void window.open(url), app.url)]);
    await expect(copy.getByTestId('tab').first()).toBeVisible();
    // It starts with what the window it came from had, then each goes its own way.
    await expect.poll(() => shownText(copy)).toContain('// original');
    await typeAndKeep(copy, ' copy');
    await typeAndKeep(page, ' first');
    await copy.reload();
    await expect.poll(() => shownText(copy)).toContain('// original copy');
    await page.reload();
    await expect.poll(() => shownText(page)).toContain('// original first');
    expect(await shownText(page)).not.toContain('copy');
    // Both closed: a new tab brings back both texts (with one shared draft, the last to close won).
    await closeTab(copy);
    await closeTab(page);
    const third = await newTab(page, app.url);
    await expect(tabs(third)).toHaveText(['fib.ts', 'fib.ts']);
    const texts: string[] = [];
    for (const i of [0, 1]) {
      await third.getByTestId('tab').nth(i).click();
      await expect.poll(() => shownText(third)).toContain('// original');
      texts.push(await shownText(third));
    }
    expect(texts.filter((t) => t.includes('// original copy'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('// original first'))).toHaveLength(1);
  });

  test('a file over the storage quota: the other tabs keep their newest text, a reload keeps it, a new tab names what was lost', async ({ app }) => {
    test.setTimeout(300_000);
    const { page } = app;
    await openApp(page, app.url, SETTINGS, DRAFT);
    await typeAndKeep(page, '// before');
    // Fill localStorage to its quota, then free a little: room for small entries, not for a big file.
    await page.evaluate(() => {
      localStorage.setItem('e2e.pad', 'p'.repeat(40_000));
      let i = 0;
      for (let size = 1 << 20; size >= 256; size >>= 1) {
        for (;;) {
          try {
            localStorage.setItem(`e2e.fill.${i++}`, 'f'.repeat(size));
          } catch {
            break;
          }
        }
      }
      localStorage.removeItem('e2e.pad');
    });
    const dir = await mkdtemp(join(tmpdir(), 'fanout-quota-'));
    const big = join(dir, 'big.ts');
    const line = 'export const value = 1; // padding padding padding padding padding padding\n';
    await writeFile(big, `// big file\n${line.repeat(Math.ceil(300_000 / line.length))}`);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Open…' }).click();
    await (await chooser).setFiles(big);
    await expect(tabs(page)).toHaveText(['fib.ts', 'big.ts']);
    // Told at once: big.ts is kept for a reload of this tab only.
    await expect(page.getByTestId('error').filter({ hasText: 'big.ts' })).toBeVisible();
    await expect.poll(() => stored(page, '// big file', 'sessionStorage')).toBe(true);
    expect(await stored(page, '// big file')).toBe(false);
    await page.getByTestId('tab').filter({ hasText: 'fib.ts' }).click();
    await typeAndKeep(page, ' after');

    // A reload of this tab: both, each with its newest text.
    await page.reload();
    await expect(tabs(page)).toHaveText(['fib.ts', 'big.ts']);
    await page.getByTestId('tab').filter({ hasText: 'fib.ts' }).click();
    await expect.poll(() => shownText(page)).toContain('// before after');
    await page.getByTestId('tab').filter({ hasText: 'big.ts' }).click();
    await expect.poll(() => shownText(page)).toContain('// big file');

    // Closed, then a new tab: fib.ts with its newest text (never the older one), and a notice for big.ts.
    const keep = await page.context().newPage();
    await closeTab(page);
    await keep.goto(app.url);
    await expect(tabs(keep)).toHaveText(['fib.ts']);
    await expect.poll(() => shownText(keep)).toContain('// before after');
    await expect(keep.getByTestId('error').filter({ hasText: 'big.ts' })).toHaveAttribute('data-code', 'draft-not-restored');
    await keep.evaluate(() => {
      for (const k of Object.keys(localStorage)) if (k.startsWith('e2e.')) localStorage.removeItem(k);
    });
  });

  test('closing or reloading a tab with unsaved text asks first; without unsaved text it does not', async ({ app }) => {
    const { page } = app;
    await openApp(page, app.url, SETTINGS, DRAFT);
    const spare = await page.context().newPage();
    // Nothing typed yet: the page closes without a question.
    let asked = 0;
    page.on('dialog', (d) => {
      asked++;
      void d.accept();
    });
    await page.locator('[data-testid=editor] .view-lines').click(); // the page has had a user gesture
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;
    expect(asked).toBe(0);

    await spare.goto(app.url);
    await expect(tabs(spare)).toHaveText(['fib.ts']);
    await typeAndKeep(spare, '// unsaved');
    await expect(spare.locator('.tab-dirty')).toBeVisible();
    const dialog = spare.waitForEvent('dialog');
    await spare.close({ runBeforeUnload: true });
    const d = await dialog;
    expect(d.type()).toBe('beforeunload');
    await d.dismiss(); // stay
    await expect(tabs(spare)).toHaveText(['fib.ts']);
    expect(spare.isClosed()).toBe(false);
    await expect.poll(() => shownText(spare)).toContain('// unsaved');
  });
});
