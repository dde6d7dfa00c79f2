// The app's chrome against the shared web host: a narrow window, the resizable panel, Ctrl/Cmd+S and
// +O in a browser, tabs (Open in a new tab, context from the other tab, close, reload), the shortcuts overlay and the F1 commands, the light theme, and the
// model field's help. None of these generate, so they are quick.
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.ts';
import { draftTabs, draftText, expectEditorText, openApp, typeAtEnd, waitForCandidates } from './app-helpers.ts';
import { SHORTCUTS } from '../renderer/shortcuts.ts';

const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const DRAFT = { fileName: 'fib.ts', text: 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ' };
const SETTINGS = { n: 4, maxTokens: 8, autoComplete: false };

test.describe('web only', () => {
  test.skip(({ target }) => target === 'electron', 'browser behaviour (downloads, file inputs); the desktop app uses its menu and native dialogs');

  test('Ctrl/Cmd+S downloads and Ctrl/Cmd+O opens the file picker, in and outside the editor', async ({ app }) => {
    const { page } = app;
    await openApp(page, app.url, SETTINGS, DRAFT);
    await page.locator('[data-testid=editor] .view-lines').click();
    const download = page.waitForEvent('download');
    await page.keyboard.press('ControlOrMeta+S');
    expect((await download).suggestedFilename()).toBe('fib.ts');
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('ControlOrMeta+O');
    await (await chooser).setFiles([]);
    // Outside the editor (the candidates panel has the focus).
    await page.getByRole('heading', { name: 'Candidates' }).click();
    const download2 = page.waitForEvent('download');
    await page.keyboard.press('ControlOrMeta+S');
    expect((await download2).suggestedFilename()).toBe('fib.ts');
    expect(await draftText(page)).toBe(DRAFT.text);
  });

  test('Open puts the file in a new tab; each tab keeps its own text, name and undo; requests see the other tab', async ({ app }) => {
    const { page } = app;
    await openApp(page, app.url, { ...SETTINGS, n: 2, maxTokens: 4 }, DRAFT);
    const dir = await mkdtemp(join(tmpdir(), 'fanout-open-'));
    const other = join(dir, 'clamp.ts');
    const otherText = 'export function clamp(x: number, lo: number, hi: number) {\n  if (x < lo) return lo;\n  if (x > hi) return hi;\n  return x;\n}\n';
    await writeFile(other, otherText);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Open…' }).click();
    await (await chooser).setFiles(other);
    const tabs = page.getByTestId('tab');
    await expect(tabs).toHaveText(['fib.ts×', 'clamp.ts×']);
    await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expectEditorText(page, otherText);
    // Undo in the opened tab does not bring the other file's text here (each tab has its own history).
    await page.locator('[data-testid=editor] .view-lines').click();
    await page.keyboard.press('ControlOrMeta+Z');
    await page.waitForTimeout(500);
    expect(await draftText(page)).toBe(otherText);
    const download = page.waitForEvent('download');
    await page.keyboard.press('ControlOrMeta+S');
    expect((await download).suggestedFilename()).toBe('clamp.ts');
    // Back to fib.ts: its text, its name; a request there carries the clamp.ts chunk.
    await tabs.nth(0).click();
    await expectEditorText(page, DRAFT.text);
    await expect(page.locator('.tab.active .tab-name')).toHaveText('fib.ts');
    await typeAtEnd(page, 'return');
    await page.keyboard.press('ControlOrMeta+Enter');
    await waitForCandidates(page, 2);
    await expect(page.getByTestId('run-context')).toHaveText(' · 1 chunk of other files');
    await page.screenshot({ path: `${SHOTS}tabs-context.png` });
    // An edited tab asks before it closes; dismissing keeps it, accepting closes it. Reload keeps the tabs.
    await tabs.nth(1).click();
    await typeAtEnd(page, 'const z');
    await expect(tabs.nth(1).locator('.tab-dirty')).toBeVisible();
    page.once('dialog', (d) => void d.dismiss());
    await tabs.nth(1).getByRole('button', { name: 'Close clamp.ts' }).click();
    await expect(tabs).toHaveCount(2);
    await page.reload();
    await expect(page.getByTestId('tab')).toHaveText(['fib.ts×', 'clamp.ts×']);
    await expectEditorText(page, `${otherText}const z`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Close clamp.ts' }).click();
    await expect(page.getByTestId('tab')).toHaveText(['fib.ts×']);
    await expect.poll(async () => (await draftTabs(page)).tabs.map((t) => t.name)).toEqual(['fib.ts']);
    await expectEditorText(page, `${DRAFT.text}return`);
  });
});

test('a 900×600 window shows the whole status bar; the panel is resized with the splitter and keeps its width', async ({ app }) => {
  const { page } = app;
  await page.setViewportSize({ width: 900, height: 600 });
  await openApp(page, app.url, SETTINGS, DRAFT);
  // A run's timings make the status bar its longest.
  await typeAtEnd(page, 'return');
  await page.keyboard.press('ControlOrMeta+Enter');
  await waitForCandidates(page, 4);
  const status = page.getByTestId('status');
  await expect(status).toContainText('KV/step');
  const bar = (await status.boundingBox())!;
  expect(bar.y + bar.height, 'the status bar ends inside the window').toBeLessThanOrEqual(600 + 0.5);
  // Every item lies inside the bar (wrapped rather than cut off) and shows its whole text or an ellipsis.
  for (const item of await status.locator(':scope > span').all()) {
    const b = (await item.boundingBox())!;
    expect(b.x + b.width, `status item "${await item.innerText()}" runs past the window`).toBeLessThanOrEqual(900 + 0.5);
    expect(b.y + b.height).toBeLessThanOrEqual(bar.y + bar.height + 0.5);
  }
  await page.screenshot({ path: join(SHOTS, 'window-900x600.png') });

  const side = page.getByTestId('side');
  const before = (await side.boundingBox())!.width;
  const handle = (await page.getByTestId('splitter').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + 200);
  await page.mouse.down();
  await page.mouse.move(handle.x - 120, handle.y + 200, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => Math.round((await side.boundingBox())!.width)).toBeGreaterThan(before + 100);
  const wider = (await side.boundingBox())!.width;
  await page.reload();
  await expect(page.getByTestId('status')).toContainText('Engine connected');
  await expect.poll(async () => Math.round((await side.boundingBox())!.width)).toBe(Math.round(wider));
});

test('the shortcuts overlay lists every shortcut; F1 lists the Fanout commands', async ({ app }) => {
  const { page } = app;
  await openApp(page, app.url, SETTINGS, DRAFT);
  await page.getByTestId('shortcuts-button').click();
  const dialog = page.getByTestId('shortcuts');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('tr')).toHaveCount(SHORTCUTS.length);
  await page.screenshot({ path: join(SHOTS, 'shortcuts.png') });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // `?` outside the editor opens it too.
  await page.getByRole('heading', { name: 'Candidates' }).click();
  await page.keyboard.press('?');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');

  await page.locator('[data-testid=editor] .view-lines').click();
  await page.keyboard.press('F1');
  await page.keyboard.type('Fanout:');
  const labels = ['Generate Completions', 'Accept Selected Candidate', 'Dismiss Candidates', 'Open File', 'Save', 'Open Settings', 'Show Keyboard Shortcuts', 'Toggle Theme'];
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await expect(rows.first()).toBeVisible();
  const shown = (await rows.allInnerTexts()).join('\n');
  for (const l of labels) expect(shown).toContain(`Fanout: ${l}`);
  await page.screenshot({ path: join(SHOTS, 'command-palette.png') });
  // Run one: Toggle Theme switches to light.
  await page.keyboard.type(' Toggle Theme');
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('[data-testid=editor] .monaco-editor')).toHaveClass(/\bvs\b/);
});

test('light theme from Settings; the model field explains what it takes and refuses synthetic models', async ({ app }) => {
  const { page } = app;
  await openApp(page, app.url, SETTINGS, DRAFT);
  await page.getByTestId('settings').click();
  const panel = page.getByTestId('settings-panel');
  await panel.getByTestId('theme').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('[data-testid=editor] .monaco-editor')).toHaveClass(/\bvs\b/);
  const bg = await page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(bg).toBe('rgb(255, 255, 255)');
  const help = panel.getByTestId('model-help');
  // The help says once what the field takes (no second copy in the placeholder), and never offers synthetic:NAME.
  await expect(help).toContainText("A model folder on the engine's machine");
  await expect(panel.getByPlaceholder('models/fanout-code-4m')).toBeVisible();
  await expect(panel).not.toContainText('synthetic:NAME');
  await page.screenshot({ path: join(SHOTS, 'light-theme-settings.png') });
  const field = panel.getByPlaceholder('models/fanout-code-4m');
  await field.fill('synthetic:tiny');
  await expect(help).toContainText('random weights');
  await expect(panel.getByRole('button', { name: 'Load', exact: true })).toBeDisabled();
  // Back to dark, kept after a reload.
  await panel.getByTestId('theme').selectOption('dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});
