// Settings → Engine → Remote: the app generates 32 ranked candidates through an OpenAI-compatible server.
// The server is `fanout serve` (the real engine behind /v1/completions), started here on a free port;
// the app under test drives it through engine/remote/openai-remote.ts (the web host directly; the
// desktop app's engine window through its main process, electron/remote-fetch.ts). At the end the host is
// pointed back at its bundled model, for the specs that follow.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.ts';
import { cards, draftText, endedEmpty, expectDescending, openApp, typeAtEnd, waitForCandidates } from './app-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const DRAFT = { fileName: 'fib.ts', text: 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ' };

let serve: ChildProcess | undefined;
let baseUrl = '';

test.beforeAll(async () => {
  serve = spawn(process.execPath, [join(ROOT, 'bin', 'fanout.mjs'), 'serve', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  serve.stderr!.on('data', (d) => (stderr += d));
  baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve!.stdout!.on('data', (d) => {
      out += d;
      const m = /^fanout serve: (\S+\/v1) /m.exec(out);
      if (m) resolve(m[1]);
    });
    serve!.on('exit', (code) => reject(new Error(`fanout serve exited with ${code}: ${stderr}`)));
  });
});

test.afterAll(() => {
  serve?.kill('SIGINT');
});

test('Remote engine: 32 ranked candidates from fanout serve; back to the local model', async ({ app }) => {
  const { page } = app;
  await openApp(page, app.url, { n: 32, maxTokens: 16, stop: 'line', rerank: 'mean', autoComplete: false }, DRAFT);
  await typeAtEnd(page, 'return');

  await page.getByTestId('settings').click();
  const panel = page.getByTestId('settings-panel');
  await panel.getByTestId('engine-kind').selectOption('remote');
  const url = panel.getByTestId('remote-url');
  await url.fill('ftp://nowhere');
  await expect(panel.getByTestId('remote-help')).toContainText('Use an http:// or https:// URL.');
  await expect(panel.getByTestId('remote-connect')).toBeDisabled();
  await url.fill(baseUrl);
  await panel.getByTestId('remote-connect').click();
  await expect(panel.getByTestId('remote-help')).toContainText('Connected: fanout-code-4m', { timeout: 60_000 });
  await expect(page.getByTestId('status')).toContainText(`remote: ${baseUrl}`);
  await page.screenshot({ path: join(SHOTS, 'settings-remote-engine.png') });
  await page.getByTestId('settings').click();
  await expect(panel).toBeHidden();

  await page.keyboard.press('ControlOrMeta+Enter');
  await waitForCandidates(page, 32);
  const list = await cards(page);
  const empty = await endedEmpty(page);
  expect(list.reduce((a, c) => a + c.count, 0) + empty).toBe(32);
  expectDescending(list);
  // Scores are log-probabilities from the server (not the 0 a server without them would give).
  expect(list.some((c) => c.score < 0)).toBe(true);
  await page.screenshot({ path: join(SHOTS, 'candidates-remote.png') });
  expect(await draftText(page)).toBe(DRAFT.text + 'return');
  // The status bar names the server, not a local adapter, and shows no local-only figures.
  await expect(page.getByTestId('status')).not.toContainText('params');
  await expect(page.getByTestId('status')).not.toContainText('KV/step');

  // Back to this machine's model.
  await page.getByTestId('settings').click();
  await expect(panel.getByTestId('engine-kind')).toHaveValue('remote');
  await panel.getByTestId('engine-kind').selectOption('local');
  await panel.getByPlaceholder(/models\/fanout-code-4m/).fill('models/fanout-code-4m');
  await panel.getByRole('button', { name: 'Load', exact: true }).click();
  await expect(panel.getByRole('button', { name: 'Load', exact: true })).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('status')).not.toContainText('remote:');
});
