// Page helpers for the app specs: the editor text (through the draft the app keeps in localStorage, so
// the whole text is read, not Monaco's virtualised view), typing, the ranked candidates and their scores.
import { expect, type Page } from '@playwright/test';

/** The draft the app starts from (the one-file format it carries over). */
const DRAFT_KEY = 'fanout.draft.v1';
const SETTINGS_KEY = 'fanout.settings.v1';

/** Starts the app with these settings (merged over the defaults by the app's own validation) and waits for "Ready". */
export async function openApp(page: Page, url: string, settings: Record<string, unknown> = {}, draft?: { text: string; fileName: string }) {
  await page.addInitScript(
    ([sk, s, dk, d]) => {
      // Only on the first load of this page: a reload keeps what the app saved.
      if (sessionStorage.getItem('fanout.e2e.seeded')) return;
      sessionStorage.setItem('fanout.e2e.seeded', '1');
      localStorage.setItem(sk as string, JSON.stringify(s));
      if (d) localStorage.setItem(dk as string, JSON.stringify(d));
    },
    [SETTINGS_KEY, settings, DRAFT_KEY, draft ?? null] as const,
  );
  await page.goto(url);
  await expect(page.getByTestId('status')).toContainText('Engine connected');
  await expect(page.getByTestId('engine-state')).toContainText('Ready', { timeout: 120_000 });
}

/** The editor's whole text, as the app saved it (it saves 400 ms after each change). */
export async function draftText(page: Page): Promise<string> {
  return (await draftTabs(page)).active?.text ?? '';
}

/**
 * Every tab as the app saved it, and the one shown: this window's draft (renderer/draft.ts: sessionStorage
 * `fanout.window.v3` names the window, localStorage `fanout.draft.v3.w.<id>` lists its tabs and
 * `fanout.draft.v3.t.<key>` holds each tab's text); before the first save, the seeded one-file draft.
 */
export async function draftTabs(page: Page): Promise<{ tabs: { name: string; text: string; dirty?: boolean }[]; active?: { name: string; text: string } }> {
  return page.evaluate(
    ([k1]) => {
      const id = sessionStorage.getItem('fanout.window.v3');
      const manifest = id ? (JSON.parse(localStorage.getItem(`fanout.draft.v3.w.${id}`) ?? sessionStorage.getItem(`fanout.draft.v3.w.${id}`) ?? 'null') as { tabs: { k: string; name: string; dirty?: boolean }[]; active: number } | null) : null;
      if (manifest) {
        const text = (k: string) => (JSON.parse(localStorage.getItem(`fanout.draft.v3.t.${k}`) ?? sessionStorage.getItem(`fanout.draft.v3.t.${k}`) ?? '{"text":""}') as { text: string }).text;
        const tabs = manifest.tabs.map((t) => ({ name: t.name, text: text(t.k), ...(t.dirty ? { dirty: true } : {}) }));
        return { tabs, active: tabs[manifest.active] };
      }
      const v1 = JSON.parse(localStorage.getItem(k1) ?? 'null') as { text: string; fileName: string } | null;
      const tabs = v1 ? [{ name: v1.fileName, text: v1.text }] : [];
      return { tabs, active: tabs[0] };
    },
    [DRAFT_KEY] as const,
  );
}

/** Waits until the saved editor text equals `text`. */
export async function expectEditorText(page: Page, text: string) {
  await expect.poll(() => draftText(page), { timeout: 10_000 }).toBe(text);
}

/**
 * Types `text` at the end of the editor's text, key by key (Monaco's auto-closing and auto-indent are
 * live, so `text` should hold no brackets, quotes or newlines), and waits until the app saved the result.
 */
export async function typeAtEnd(page: Page, text: string) {
  const before = await draftText(page);
  await page.locator('[data-testid=editor] .view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type(text);
  // Close Monaco's word-suggestion popup that typing opens (it would cover the editor in screenshots).
  await page.keyboard.press('Escape');
  await expectEditorText(page, (before || '') + text);
}

export interface CardInfo {
  score: number;
  scoreText: string;
  /** Samples in the group (the ×N pill, else 1). */
  count: number;
  text: string;
  /** Why it ranks below the cleanly ended ones ('' when it does not): the card's data-demotion. */
  demotion: string;
}

/** The ranked cards, top to bottom. */
export async function cards(page: Page): Promise<CardInfo[]> {
  return page.getByTestId('candidate').evaluateAll((els) =>
    els.map((el) => {
      const scoreText = el.querySelector('[data-testid=candidate-score]')?.textContent?.trim() ?? '';
      const pill = [...el.querySelectorAll('.pill')].map((p) => p.textContent ?? '').find((t) => /^×\d+$/.test(t));
      const pre = el.querySelector('[data-testid=candidate-text]') as HTMLElement | null;
      const text = pre?.classList.contains('empty') ? '' : (pre?.innerText ?? '').replace(/\u00a0/g, ' ');
      const n = parseFloat(scoreText.replace('×', ''));
      const demotion = (el as HTMLElement).dataset.demotion ?? '';
      return { scoreText, score: Number.isFinite(n) ? n : Number.NEGATIVE_INFINITY, count: pill ? Number(pill.slice(1)) : 1, text, demotion };
    }),
  );
}

/**
 * The app's order (protocol/rank.ts): no blank candidates (nothing to insert); cleanly ended completions
 * first, then each kind of demoted one (cut off, repeats, unfinished: the card says which) as one
 * contiguous block; within each block, scores top to bottom never increase.
 */
export function expectDescending(list: CardInfo[]) {
  expect(list.filter((c) => c.text.trim() === ''), 'blank samples are not candidates').toEqual([]);
  const kinds = list.map((c) => c.demotion).filter((d, i, a) => i === 0 || d !== a[i - 1]);
  expect(new Set(kinds).size, `each kind of demoted card is one block (${kinds.join(' → ')})`).toBe(kinds.length);
  if (list.length > 0) expect(list[0]!.demotion === '' || list.every((c) => c.demotion !== ''), 'cleanly ended completions rank first').toBe(true);
  for (let i = 1; i < list.length; i++) {
    if (list[i].demotion !== list[i - 1].demotion) continue;
    expect(list[i].score, `card ${i + 1} (${list[i].scoreText}) ranks below card ${i} (${list[i - 1].scoreText})`).toBeLessThanOrEqual(list[i - 1].score);
  }
}

/** How many samples of the finished run ended empty (no card), from the panel's summary ("· K ended empty"). */
export async function endedEmpty(page: Page): Promise<number> {
  return Number(/· (\d+) ended empty/.exec((await page.locator('.run-summary').textContent()) ?? '')?.[1] ?? 0);
}

/** Waits for a finished run: the summary says "N samples" (maybe "· K ended empty") and the cards are listed. */
export async function waitForCandidates(page: Page, n: number, timeout = 180_000) {
  await expect(page.locator(".run-summary")).toHaveText(new RegExp(`^${n} samples( · \\d+ ended empty)?( · \\d+ chunks? of other files)?$`), { timeout });
  await expect(page.getByTestId('candidate').first()).toBeVisible();
}
