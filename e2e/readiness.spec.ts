// Honest readiness against a cold web host: a host of its own (the global one is warm), started with
// Mesa's shader cache pointed at an empty folder, so loading the model is followed by a long kernel
// compile. Every page shows that (a second tab too), and Ctrl+Enter meanwhile waits and then succeeds:
// never a "busy" or "no model" error.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures.ts';
import { cards, draftText, typeAtEnd, waitForCandidates } from './app-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const DRAFT = { fileName: 'fib.ts', text: 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ' };

interface ColdHost {
  url: string;
  log: string[];
  stop(): Promise<void>;
}

/** `node scripts/web.mjs --port 0` (a free port) with an empty shader cache; resolves once it serves. */
async function startColdHost(): Promise<ColdHost> {
  const cache = await mkdtemp(join(tmpdir(), 'fanout-cold-cache-'));
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'scripts', 'web.mjs'), '--port', '0', '--storage', 'f32'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MESA_SHADER_CACHE_DIR: cache },
  });
  const log: string[] = [];
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    await rm(cache, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the cold web host printed no URL within 120 s; its log:\n${log.join('')}`)), 120_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Fanout web host: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the cold web host exited with code ${code}; its log:\n${log.join('')}`));
      });
    });
    return { url, log, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

test.describe('readiness', () => {
  test.skip(({ target }) => target === 'electron', 'starts a web host of its own; the desktop app has its own engine window');

  test('Ctrl+Enter right after a cold start waits and succeeds', async ({ page }) => {
    test.setTimeout(600_000);
    const host = await startColdHost();
    try {
      await page.addInitScript(
        ([d]) => {
          if (sessionStorage.getItem('fanout.e2e.seeded')) return;
          sessionStorage.setItem('fanout.e2e.seeded', '1');
          localStorage.setItem('fanout.settings.v1', JSON.stringify({ n: 4, maxTokens: 8, stop: 'line', autoComplete: false }));
          localStorage.setItem('fanout.draft.v1', JSON.stringify(d));
        },
        [DRAFT] as const,
      );
      await page.goto(host.url);
      await expect(page.getByTestId('status')).toContainText('Engine connected');
      // Not "Ready", not "No model loaded": the host is loading or compiling.
      const state = page.getByTestId('engine-state');
      await expect(state).toHaveAttribute('data-phase', /^(loading|compiling)$/, { timeout: 60_000 });
      await typeAtEnd(page, 'return');
      await page.keyboard.press('ControlOrMeta+Enter');
      await expect(page.getByTestId('run-summary')).toHaveText('waiting for the model…');
      await expect(page.getByTestId('waiting')).toBeVisible();

      // A second tab sees the same load (it started nothing itself).
      const other = await page.context().newPage();
      await other.goto(host.url);
      await expect(other.getByTestId('engine-state')).toHaveAttribute('data-phase', /^(loading|compiling)$/);
      await expect(other.getByTestId('model-progress')).toBeVisible();
      await expect(page.getByTestId('model-progress')).toContainText(/compiling|Loading/);
      await page.screenshot({ path: join(SHOTS, 'readiness-waiting.png') });

      // The request runs once the kernels are compiled: candidates, and never an error.
      await waitForCandidates(page, 4, 540_000);
      expect(await page.getByTestId('error').count(), 'no error while the model got ready').toBe(0);
      expect((await cards(page)).length).toBeGreaterThan(0);
      await expect(other.getByTestId('engine-state')).toHaveAttribute('data-phase', 'ready');
      expect(await draftText(page)).toBe(DRAFT.text + 'return');
      await other.close();
    } catch (e) {
      throw new Error(`${(e as Error).message}\ncold host log:\n${host.log.join('').slice(-4000)}`);
    } finally {
      await host.stop();
    }
  });
});
