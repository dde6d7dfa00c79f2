// The built main process (dist/electron/main.cjs, rebuilt here) started under plain Node with a
// stand-in `electron` module (fixtures/fake-electron.cjs): what it asks of Electron at start-up —
// scheme privileges, sandbox, windows and their security settings, IPC channels, the menu — and what
// its fanout:// handler answers. No Electron binary needed; the real thing is covered by the e2e
// project "electron" where the binary is installed.
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC } from '../../electron/shared.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tmp: string;

interface Record_ {
  switches: string[];
  privileges: { scheme: string; privileges: Record<string, boolean> }[];
  sandbox: boolean;
  windows: { url: string | null; show: boolean | undefined; webPreferences: Record<string, unknown> }[];
  menu: { label: string; items: string[] }[];
  ipc: { handle: string[]; on: string[] };
  logs: string[];
  errors: string[];
  requestFilter?: string;
  devicePermission: boolean | null;
  sessionEvents: string[];
  protocol: Record<string, { status: number; csp: string | null; type: string | null }> & { scheme?: string };
}

let rec: Record_;
/** The same start-up as the packaged app, with FANOUT_DEV=1 in its environment. */
let packaged: Record_;

/** Starts the built main process under the stand-in Electron; returns what it asked for. */
async function startMain(name: string, env: Record<string, string>): Promise<Record_> {
  const userData = join(tmp, `user-data-${name}`);
  await mkdir(userData);
  const r = spawnSync(process.execPath, ['--require', join(ROOT, 'tests', 'electron', 'fixtures', 'fake-electron.cjs'), join(tmp, 'app', 'electron', 'main.cjs')], {
    encoding: 'utf8',
    env: { ...process.env, FANOUT_DEV: '', FAKE_USER_DATA: userData, FANOUT_USER_DATA_DIR: userData, ...env },
    timeout: 60_000,
  });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`the main process did not start (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as Record_;
}

beforeAll(async () => {
  const { buildElectron } = (await import(join(ROOT, 'scripts', 'build-electron.mjs'))) as { buildElectron(o: { quiet: boolean }): Promise<string> };
  const out = await buildElectron({ quiet: true });
  // The app's layout in a folder of its own: electron/ next to renderer/ (a stand-in index.html).
  tmp = await mkdtemp(join(tmpdir(), 'fanout-main-smoke-'));
  await cp(out, join(tmp, 'app', 'electron'), { recursive: true });
  await mkdir(join(tmp, 'app', 'renderer'));
  await writeFile(join(tmp, 'app', 'renderer', 'index.html'), '<!doctype html><title>Fanout</title>');
  rec = await startMain('dev', {});
  packaged = await startMain('packaged', { FAKE_PACKAGED: '1', FAKE_RESOURCES: join(tmp, 'resources'), FANOUT_DEV: '1' });
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('main process start-up (stand-in Electron)', () => {
  it('starts without errors', () => {
    expect(rec.errors).toEqual([]);
  });

  it('registers fanout:// as a privileged, streaming scheme and sandboxes every renderer', () => {
    expect(rec.privileges).toEqual([
      { scheme: 'fanout', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true }) },
    ]);
    expect(rec.sandbox).toBe(true);
    expect(rec.requestFilter).toBe('function');
    if (process.platform === 'linux') expect(rec.switches).toContain('enable-unsafe-webgpu');
  });

  it('opens the editor first, then the hidden engine window, both locked down', () => {
    expect(rec.windows.map((w) => w.url)).toEqual(['fanout://app/index.html', 'fanout://engine/index.html']);
    expect(rec.windows[1].show).toBe(false);
    for (const w of rec.windows) {
      expect(w.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true });
      expect(String(w.webPreferences.preload)).toMatch(/preload\.cjs$/);
    }
    expect(rec.windows[1].webPreferences.backgroundThrottling).toBe(false);
  });

  it('listens on exactly the IPC channels it validates', () => {
    expect(rec.ipc.handle.sort()).toEqual([IPC.engineInit, IPC.listModels, IPC.openFile, IPC.remoteKeyGet, IPC.remoteKeySet, IPC.resolveModel, IPC.saveFile].sort());
    expect(rec.ipc.on.sort()).toEqual([IPC.engineReport, IPC.menuListener, IPC.remoteFetch, IPC.remoteFetchCancel, IPC.requestEnginePort, IPC.unsavedFiles].sort());
  });

  it('denies devices: permission checks, and the HID, USB and serial choosers', () => {
    expect(rec.devicePermission).toBe(false);
    expect(rec.sessionEvents.sort()).toEqual(['select-hid-device', 'select-serial-port', 'select-usb-device']);
  });

  it('packaged, it has no developer tools even with FANOUT_DEV=1 (from the repository it has them)', () => {
    expect(packaged.errors).toEqual([]);
    expect(packaged.windows).toHaveLength(2);
    for (const w of packaged.windows) expect(w.webPreferences.devTools).toBe(false);
    const view = (r: Record_) => r.menu.find((m) => /View/.test(m.label))!.items;
    expect(view(packaged)).not.toContain('toggleDevTools');
    expect(view(packaged)).not.toContain('reload');
    for (const w of rec.windows) expect(w.webPreferences.devTools).toBe(true);
    expect(view(rec)).toContain('toggleDevTools');
  });

  it('builds the File, Edit and View menus', () => {
    const labels = rec.menu.map((m) => m.label);
    expect(labels).toEqual(process.platform === 'darwin' ? ['Fanout', 'File', 'Edit', 'View', undefined] : ['&File', '&Edit', '&View']);
    const file = rec.menu.find((m) => /File/.test(m.label))!;
    expect(file.items).toEqual(expect.arrayContaining(['Open…', 'Open Recent', 'Save', 'Save As…', 'Open Model…', 'Open Model File (.gguf)…', 'Restart Engine']));
  });

  it('serves its pages over fanout:// with the CSP header', () => {
    const app = rec.protocol['fanout://app/index.html'];
    expect(app.status).toBe(200);
    expect(app.type).toBe('text/html; charset=utf-8');
    expect(app.csp).toContain("script-src 'self'");
    expect(app.csp).toContain("default-src 'self'");
    expect(rec.protocol['fanout://engine/index.html'].status).toBe(200);
    expect(rec.protocol['fanout://app/%2e%2e/package.json'].status).toBe(404);
    expect(rec.protocol['https://example.com/'].status).toBe(404);
    expect(rec.protocol.scheme).toBe('fanout');
  });
});
