// The page under test comes from the `app` fixture, so the same specs drive the web app (project "web":
// Chromium against the web host that global-setup.ts starts) and the desktop app (project "electron":
// the real Electron app, launched with Playwright's _electron.launch on dist/electron/main.cjs, its
// editor window as `app.page`). A spec only uses `app.page` and `app.url`, never starts anything itself.
//
// The Electron project needs the Electron binary (node_modules/electron/dist). Where it is missing
// (`npm ci` with ELECTRON_SKIP_BINARY_DOWNLOAD=1, no network), its tests are skipped with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, _electron, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';

export type Target = 'web' | 'electron';

export interface AppUnderTest {
  target: Target;
  page: Page;
  /** The app's URL: the web host's page, or the desktop app's fanout://app/index.html. */
  url: string;
  /** The web host's base URL for protocol clients (ws://…/ws) and HTTP (running for both targets). */
  hostUrl: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The desktop app's editor page (electron/shared.ts APP_URL). */
export const ELECTRON_APP_URL = 'fanout://app/index.html';

/** Why the Electron app cannot be launched here, or null when it can. */
export function electronUnavailable(): string | null {
  const require = createRequire(import.meta.url);
  let path: unknown;
  try {
    path = require('electron');
  } catch {
    return (
      'the Electron binary is not installed (node_modules/electron has no binary: npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1, ' +
      'or the download failed). Install it with network access (node node_modules/electron/install.js) to run these specs against ' +
      'the desktop app; project "web" runs them against the web app'
    );
  }
  if (typeof path !== 'string' || !existsSync(path)) return `the Electron binary ${String(path)} does not exist; reinstall it with node node_modules/electron/install.js`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'there is no display for Electron\'s windows (DISPLAY and WAYLAND_DISPLAY are unset); run the specs under a virtual display: xvfb-run -a npm run e2e';
  }
  return null;
}

let skipLogged = false;
let built = false;

/** Builds dist/electron once per worker (dist/renderer is built by the global setup's web host). */
function buildElectronOnce() {
  if (built) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-electron.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building dist/electron failed:\n${r.stdout}${r.stderr}`);
  built = true;
}

/** The editor window (fanout://app/…); the hidden engine window is the other one. */
async function editorWindow(app: ElectronApplication, timeoutMs = 60_000): Promise<Page> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const w = app.windows().find((p) => p.url().startsWith('fanout://app/'));
    if (w) return w;
    if (Date.now() > deadline) throw new Error(`the Electron app opened no editor window within ${timeoutMs / 1000} s (windows: ${app.windows().map((p) => p.url()).join(', ') || 'none'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Launches the desktop app with a fresh profile (fresh settings, draft and recent files for each test). */
async function launchElectron(testInfo: TestInfo) {
  buildElectronOnce();
  const userData = await mkdtemp(join(tmpdir(), 'fanout-electron-e2e-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
  env.FANOUT_USER_DATA_DIR = userData;
  const app = await _electron.launch({
    // On Linux without a GPU, Chromium's WebGPU runs on SwiftShader, as in the web project's Chromium.
    args: [join(ROOT, 'dist', 'electron', 'main.cjs'), ...(process.platform === 'linux' ? ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'] : [])],
    cwd: ROOT,
    env,
    timeout: 120_000,
  });
  const log: string[] = [];
  app.process().stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const close = async () => {
    // A test may leave edited tabs: the app would then ask before quitting (unsaved-close.ts) and hang the teardown.
    for (const w of app.windows()) await w.evaluate(() => (window as { fanout?: { reportUnsaved?: (n: number) => void } }).fanout?.reportUnsaved?.(0)).catch(() => {});
    await app.close().catch(() => {});
    if (testInfo.status !== testInfo.expectedStatus && log.length) await testInfo.attach('electron-main.log', { body: log.join(''), contentType: 'text/plain' });
    await rm(userData, { recursive: true, force: true });
  };
  try {
    const page = await editorWindow(app);
    return { page, close };
  } catch (e) {
    await close();
    throw new Error(`${(e as Error).message}\nmain process log:\n${log.join('')}`);
  }
}

export const test = base.extend<{ target: Target; electronGuard: void; app: AppUnderTest }>({
  target: ['web', { option: true }],
  // Auto fixture, set up before `app`: skips the Electron project (with its reason, printed once)
  // where the binary is missing.
  electronGuard: [
    async ({ target }, use, testInfo) => {
      if (target === 'electron') {
        const why = electronUnavailable();
        if (why) {
          if (!skipLogged) console.log(`[e2e] project "electron" skipped: ${why}.`);
          skipLogged = true;
          testInfo.skip(true, `Electron target: ${why}`);
        }
      }
      await use();
    },
    { auto: true },
  ],
  app: async ({ target, page }, use, testInfo) => {
    const hostUrl = process.env.FANOUT_E2E_URL;
    if (!hostUrl) throw new Error('FANOUT_E2E_URL is not set: run the specs through e2e/playwright.config.ts (npm run e2e), whose global setup starts the web host.');
    if (target === 'electron') {
      const electron = await launchElectron(testInfo);
      electron.page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
      try {
        await use({ target, page: electron.page, url: ELECTRON_APP_URL, hostUrl });
      } finally {
        await electron.close();
      }
      return;
    }
    // Surface page errors in the test output: a crash in the renderer should fail loudly.
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    await use({ target, page, url: hostUrl, hostUrl });
  },
});

export { expect };
