// The desktop app's engine page (electron/engine-page/, dist/electron/engine/) in plain Chromium: what
// the Electron engine window runs, without Electron. The page is served from the web host's origin
// (page.route), its preload API (window.fanoutEngineHost) is a stand-in that resolves the bundled model
// folder to the web host's /models/ (Range requests, as the fanout:// protocol serves them), and the UI
// connection is a MessageChannel handed over as the engine preload does. Runs in project "web" only.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import type { HostEvent } from '../protocol/host.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENGINE_DIR = join(ROOT, 'dist', 'electron', 'engine');

interface PageState {
  ui: HostEvent[];
  reports: { type: string; [k: string]: unknown }[];
}

test.beforeAll(() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-electron.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building dist/electron failed:\n${r.stdout}${r.stderr}`);
});

/** Serves the built engine page at /electron-engine/ on the web host's origin, with a stand-in engine preload API. */
async function openEnginePage(page: Page, hostUrl: string, query = '') {
  const base = new URL('/electron-engine/', hostUrl).href;
  await page.route(`${base}**`, (route) => {
    const file = new URL(route.request().url()).pathname.replace('/electron-engine/', '') || 'index.html';
    if (file !== 'index.html' && file !== 'engine-page.js') return route.fulfill({ status: 404 });
    return route.fulfill({
      body: readFileSync(join(ENGINE_DIR, file)),
      contentType: file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8',
    });
  });
  // The engine preload's API, as electron/engine-preload.ts exposes it. ?restore=PATH: the main process
  // asks the page to reload that model (EngineInit.restore), as after an engine restart.
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown> & { __state: PageState };
    w.__state = { ui: [], reports: [] };
    const restore = new URL(location.href).searchParams.get('restore');
    w.fanoutEngineHost = {
      init: async () => ({ restore: restore ? { kind: 'dir', path: restore } : null }),
      resolveModel: async (path: string) =>
        path === 'models/fanout-code-4m'
          ? { ok: true, url: new URL('/models/fanout-code-4m', location.href).href, path: '/bundled/models/fanout-code-4m' }
          : { ok: false, message: `No such folder: ${path}.`, hint: 'Choose a model folder.' },
      report: (rep: { type: string }) => w.__state.reports.push(rep),
      onControl: (fn: unknown) => {
        w.__control = fn;
      },
    };
  });
  await page.goto(`${base}index.html${query}`);
  await expect(page.locator('#status')).toHaveText('ready');
}

/** Hands the page a UI connection as the engine preload does; its replies collect in __state.ui. */
async function connectUi(page: Page, conn: number) {
  await page.evaluate((c) => {
    const w = window as unknown as { __state: PageState; __port: MessagePort };
    const ch = new MessageChannel();
    ch.port1.onmessage = (e) => w.__state.ui.push(e.data as HostEvent);
    w.__port = ch.port1;
    window.postMessage({ type: 'fanout:ui-port', conn: c }, '*', [ch.port2]);
  }, conn);
}

const state = (page: Page) => page.evaluate(() => (window as unknown as { __state: PageState }).__state);

test('the Electron engine page serves a UI port: load by folder, generate, reports to the main process', async ({ app }) => {
  const { page } = app;
  page.on('console', (m) => m.type() === 'error' && console.log(`[engine page] ${m.text()}`));
  await openEnginePage(page, app.hostUrl);
  await connectUi(page, 7);
  const send = (msg: Record<string, unknown>) => page.evaluate((m) => (window as unknown as { __port: MessagePort }).__port.postMessage(m), msg);
  const until = async (id: string, end: (m: HostEvent) => boolean, timeout = 240_000) => {
    await expect.poll(async () => (await state(page)).ui.some((m) => 'id' in m && m.id === id && end(m)), { timeout }).toBe(true);
    return (await state(page)).ui.filter((m) => 'id' in m && m.id === id);
  };

  // URLs are refused (no remote content); a missing folder is explained by the main process's answer.
  await send({ type: 'load', id: 'url', model: { kind: 'url', url: 'https://example.com/m' } });
  const [refused] = await until('url', (m) => m.type === 'error');
  expect(refused).toMatchObject({ type: 'error', code: 'load-failed' });
  await send({ type: 'load', id: 'missing', model: { kind: 'dir', path: 'nope' } });
  const [missing] = await until('missing', (m) => m.type === 'error');
  expect(missing).toMatchObject({ type: 'error', code: 'load-failed', message: 'No such folder: nope.' });

  await send({ type: 'load', id: 'load', model: { kind: 'dir', path: 'models/fanout-code-4m' } });
  const loaded = await until('load', (m) => m.type === 'loaded' || m.type === 'error');
  const end = loaded.at(-1)!;
  if (end.type === 'error') throw new Error(`the engine page could not load the model: ${end.message} (${end.hint})`);
  expect(end).toMatchObject({ type: 'loaded', model: { name: 'fanout-code-4m' } });
  expect(loaded.some((m) => m.type === 'progress')).toBe(true);

  await send({ type: 'generate', id: 'gen', request: { prefix: 'function add(a, b) {\n  return', n: 4, maxTokens: 4, seed: 3 } });
  const gen = await until('gen', (m) => (m.type === 'event' && m.event.type === 'done') || m.type === 'error');
  expect(gen.find((m) => m.type === 'error')).toBeUndefined();
  expect(gen.filter((m) => m.type === 'event' && m.event.type === 'finish')).toHaveLength(4);

  // What the main process hears: ready, the loaded model (to reload after a restart), request starts/ends.
  const { reports } = await state(page);
  expect(reports[0]).toEqual({ type: 'ready' });
  expect(reports).toContainEqual({ type: 'model', ref: { kind: 'dir', path: 'models/fanout-code-4m' } });
  expect(reports).toContainEqual({ type: 'request', conn: 7, id: 'gen', kind: 'generate', state: 'start' });
  expect(reports).toContainEqual({ type: 'request', conn: 7, id: 'gen', kind: 'generate', state: 'end' });
  expect(reports.filter((x) => x.type === 'device-lost')).toEqual([]);

  // The main process's own connection (control): its replies come back as reports.
  await page.evaluate(() => (window as unknown as { __control(c: unknown): void }).__control({ type: 'client', message: { type: 'status', id: 'main-1' } }));
  await expect
    .poll(async () => (await state(page)).reports.some((x) => x.type === 'control' && (x.events as HostEvent[]).some((e) => e.type === 'status' && e.id === 'main-1')))
    .toBe(true);

  // close-conn ends the UI connection: nothing more is answered on it.
  await page.evaluate(() => (window as unknown as { __control(c: unknown): void }).__control({ type: 'close-conn', conn: 7 }));
  const before = (await state(page)).ui.length;
  await send({ type: 'status', id: 'after-close' });
  await page.waitForTimeout(500);
  expect((await state(page)).ui.length).toBe(before);

  // A UI page that goes away (reload, window closed): the main process sends close-conn and the engine
  // page cancels what that connection ran. (Chromium has no MessagePort close event to notice it by itself.)
  await connectUi(page, 8);
  await send({ type: 'generate', id: 'long', request: { prefix: 'function add(a, b) {\n  return', n: 4, maxTokens: 1000, stop: 'none', seed: 5 } });
  await expect
    .poll(
      async () => {
        const got = (await state(page)).ui.filter((m) => 'id' in m && m.id === 'long');
        const failed = got.find((m) => m.type === 'error');
        if (failed?.type === 'error') throw new Error(`the long generate failed: ${failed.message}`);
        return got.length;
      },
      { timeout: 120_000 },
    )
    .toBeGreaterThan(4);
  const started = Date.now();
  await page.evaluate(() => (window as unknown as { __control(c: unknown): void }).__control({ type: 'close-conn', conn: 8 }));
  const atClose = (await state(page)).ui.filter((m) => 'id' in m && m.id === 'long').length;
  // Far from the 4 × 1000 tokens asked for: it ends because it was cancelled, not because it finished.
  expect(atClose).toBeLessThan(1000);
  await expect
    .poll(async () => (await state(page)).reports.some((x) => x.type === 'request' && x.id === 'long' && x.state === 'end'), { timeout: 20_000 })
    .toBe(true);
  console.log(`[engine page] close-conn cancelled its generate after ${atClose} replies, within ${Date.now() - started} ms`);
});

test('after a restart the engine page reloads the previous model and tells the UI how that went', async ({ app }) => {
  const { page } = app;
  // The model loads before any UI port is attached: the first UI connection still hears 'loaded'.
  await openEnginePage(page, app.hostUrl, '?restore=models/fanout-code-4m');
  await expect.poll(async () => (await state(page)).reports.some((x) => x.type === 'model'), { timeout: 240_000 }).toBe(true);
  expect((await state(page)).reports).toContainEqual({ type: 'model', ref: { kind: 'dir', path: 'models/fanout-code-4m' } });
  await connectUi(page, 1);
  // (`state` broadcasts come and go beside it: the first other message is the point.)
  const firstNews = async () => (await state(page)).ui.find((m) => m.type !== 'state');
  await expect.poll(firstNews).toMatchObject({ type: 'loaded', id: 'restore', model: { name: 'fanout-code-4m' } });

  // A folder that no longer loads: the UI gets a notice, and the main process hears that no model is loaded.
  await openEnginePage(page, app.hostUrl, '?restore=gone');
  await connectUi(page, 1);
  await expect.poll(firstNews, { timeout: 60_000 }).toMatchObject({ type: 'error', id: null, code: 'load-failed' });
  const notice = await firstNews();
  if (notice?.type === 'error') expect(notice.message).toBe('After the engine restarted, the model could not be loaded again: No such folder: gone.');
  expect((await state(page)).reports).toContainEqual({ type: 'model', ref: null });
});
