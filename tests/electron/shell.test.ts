// The menu template, the URL policy, the app's file layout and model folder resolution.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { menuTemplate, SHORTCUTS, type MenuActions } from '../../electron/menu.ts';
import { allowedNavigation, allowedRequest, ownHost } from '../../electron/url-policy.ts';
import { appLayout } from '../../electron/paths.ts';
import { ModelFolders, servedName } from '../../electron/model-folders.ts';

const actions = (): MenuActions => ({
  newTab: vi.fn(),
  closeTab: vi.fn(),
  nextTab: vi.fn(),
  previousTab: vi.fn(),
  open: vi.fn(),
  openRecent: vi.fn(),
  clearRecent: vi.fn(),
  save: vi.fn(),
  saveAs: vi.fn(),
  openModel: vi.fn(),
  openModelFile: vi.fn(),
  restartEngine: vi.fn(),
});
const items = (m: MenuItemConstructorOptions) => m.submenu as MenuItemConstructorOptions[];
const byLabel = (list: MenuItemConstructorOptions[], label: string) => list.find((i) => i.label === label);

describe('menu', () => {
  it('has File, Edit and View with the desktop shortcuts', () => {
    const a = actions();
    const menu = menuTemplate({ platform: 'linux', dev: false, recent: [], appName: 'Fanout' }, a);
    expect(menu.map((m) => m.label)).toEqual(['&File', '&Edit', '&View']);
    const file = items(menu[0]);
    expect(byLabel(file, 'Open…')?.accelerator).toBe(SHORTCUTS.open);
    expect(byLabel(file, 'Save')?.accelerator).toBe('CmdOrCtrl+S');
    expect(byLabel(file, 'Save As…')?.accelerator).toBe('CmdOrCtrl+Shift+S');
    expect(byLabel(file, 'Open Model…')?.accelerator).toBe(SHORTCUTS.openModel);
    // A GGUF file has its own item beside it (a Linux or Windows dialog picks folders or files, not both).
    const labels = file.map((i) => i.label ?? i.type);
    expect(labels.slice(labels.indexOf('Open Model…'), labels.indexOf('Open Model…') + 3)).toEqual(['Open Model…', 'Open Model File (.gguf)…', 'Restart Engine']);
    (byLabel(file, 'Open Model File (.gguf)…') as { click(): void }).click();
    expect(a.openModelFile).toHaveBeenCalled();
    expect(a.openModel).not.toHaveBeenCalled();
    expect(byLabel(file, 'New File')?.accelerator).toBe('CmdOrCtrl+N');
    expect(byLabel(file, 'Close Tab')?.accelerator).toBe('CmdOrCtrl+W');
    expect(byLabel(file, 'Next Tab')?.accelerator).toBe('Ctrl+Tab');
    expect(file.at(-1)?.role).toBe('quit');
    (byLabel(file, 'Save') as { click(): void }).click();
    expect(a.save).toHaveBeenCalled();
    (byLabel(file, 'Restart Engine') as { click(): void }).click();
    expect(a.restartEngine).toHaveBeenCalled();
    expect(items(menu[1]).map((i) => i.role ?? i.type)).toEqual(['undo', 'redo', 'separator', 'cut', 'copy', 'paste', 'delete', 'separator', 'selectAll']);
  });
  it('lists recent files, with Clear', () => {
    const a = actions();
    const menu = menuTemplate({ platform: 'win32', dev: false, recent: ['C:\\R&D\\a.ts', 'C:\\b.ts'], appName: 'Fanout' }, a);
    const recent = items(byLabel(items(menu[0]), 'Open Recent')!);
    expect(recent.map((i) => i.label ?? i.type)).toEqual(['C:\\R&&D\\a.ts', 'C:\\b.ts', 'separator', 'Clear Recently Opened']);
    (recent[1] as { click(): void }).click();
    expect(a.openRecent).toHaveBeenCalledWith('C:\\b.ts');
    const none = items(byLabel(items(menuTemplate({ platform: 'linux', dev: false, recent: [], appName: 'F' }, a)[0]), 'Open Recent')!);
    expect(none).toEqual([{ label: 'No Recent Files', enabled: false }]);
  });
  it('offers reload and developer tools in development only', () => {
    const roles = (dev: boolean) => items(menuTemplate({ platform: 'linux', dev, recent: [], appName: 'F' }, actions())[2]).map((i) => i.role);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('reload');
    expect(roles(true)).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools', 'zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']));
  });
  it('has the app and Window menus on macOS', () => {
    const menu = menuTemplate({ platform: 'darwin', dev: false, recent: [], appName: 'Fanout' }, actions());
    expect(menu.map((m) => m.label ?? m.role)).toEqual(['Fanout', 'File', 'Edit', 'View', 'windowMenu']);
    expect(items(menu[1]).at(-1)?.role).toBe('close');
  });
});

describe('URL policy', () => {
  it('knows our hosts', () => {
    expect(ownHost('fanout://app/index.html')).toBe('app');
    expect(ownHost('fanout://engine/models/x/config.json')).toBe('engine');
    for (const u of ['fanout://other/', 'file:///etc/passwd', 'https://app/', 'fanout://u:p@app/', 'junk']) expect(ownHost(u), u).toBeNull();
  });
  it('allows no remote content', () => {
    expect(allowedRequest('fanout://app/app.js', false)).toBe(true);
    expect(allowedRequest('data:font/woff2;base64,AA', false)).toBe(true);
    expect(allowedRequest('blob:fanout://app/1234', false)).toBe(true);
    for (const u of ['https://example.com/x.js', 'http://127.0.0.1:7070/', 'ws://127.0.0.1/ws', 'file:///etc/passwd', 'ftp://x/']) expect(allowedRequest(u, true), u).toBe(false);
    expect(allowedRequest('devtools://devtools/bundled/inspector.html', false)).toBe(false);
    expect(allowedRequest('devtools://devtools/bundled/inspector.html', true)).toBe(true);
  });
  it('allows navigation only within the same page origin', () => {
    expect(allowedNavigation('fanout://app/index.html', 'fanout://app/index.html')).toBe(true);
    expect(allowedNavigation('', 'fanout://app/index.html')).toBe(true);
    expect(allowedNavigation('fanout://app/index.html', 'fanout://engine/index.html')).toBe(false);
    expect(allowedNavigation('fanout://app/index.html', 'https://example.com/')).toBe(false);
    expect(allowedNavigation('fanout://app/index.html', 'file:///etc/passwd')).toBe(false);
    expect(allowedNavigation('https://example.com/', 'fanout://app/index.html')).toBe(false);
  });
});

describe('app layout', () => {
  it('finds the bundled model in the repository in development and in resources when packaged', () => {
    const devLayout = appLayout({ mainDir: '/repo/dist/electron', isPackaged: false, resourcesPath: '/x' });
    expect(devLayout).toEqual({
      rendererDir: '/repo/dist/renderer',
      engineDir: '/repo/dist/electron/engine',
      preload: '/repo/dist/electron/preload.cjs',
      enginePreload: '/repo/dist/electron/engine-preload.cjs',
      modelsDir: '/repo/models',
      modelBaseDir: '/repo',
    });
    const packaged = appLayout({ mainDir: '/opt/Fanout/resources/app.asar/electron', isPackaged: true, resourcesPath: '/opt/Fanout/resources' });
    expect(packaged.rendererDir).toBe('/opt/Fanout/resources/app.asar/renderer');
    expect(packaged.modelsDir).toBe('/opt/Fanout/resources/models');
    // The app's default model setting, "models/fanout-code-4m", resolves against modelBaseDir.
    expect(packaged.modelBaseDir).toBe('/opt/Fanout/resources');
  });
});

describe('model folders', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'fanout-models-'));
    await mkdir(join(base, 'models', 'm1'), { recursive: true });
    await writeFile(join(base, 'models', 'tiny.gguf'), 'GGUF and the rest');
    await writeFile(join(base, 'models', 'sha256-0123'), 'GGUF, an Ollama blob');
    await writeFile(join(base, 'models', 'notes.txt'), 'not a model');
    await mkdir(join(base, 'models', 'dir.gguf'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });
  it('resolves relative and absolute folders to a stable URL and registers them', async () => {
    const f = new ModelFolders();
    const r = await f.resolve('models/m1', base);
    expect(r).toMatchObject({ ok: true, path: join(base, 'models', 'm1') });
    if (!r.ok) return;
    expect(r.url).toMatch(/^fanout:\/\/engine\/models\/[0-9a-f]{24}$/);
    const id = r.url.split('/').pop()!;
    expect(f.dirFor(id)).toBe(join(base, 'models', 'm1'));
    const again = await new ModelFolders().resolve(join(base, 'models', 'm1'), '/elsewhere');
    expect(again).toEqual(r);
  });
  it('registers a GGUF file (by its name, or by its first bytes without one) under an id of its own, served by its name', async () => {
    const f = new ModelFolders();
    const named = await f.resolve('models/tiny.gguf', base);
    expect(named).toMatchObject({ ok: true, path: join(base, 'models', 'tiny.gguf'), gguf: 'tiny.gguf' });
    const blob = await f.resolve(join(base, 'models', 'sha256-0123'), '/elsewhere');
    expect(blob).toMatchObject({ ok: true, path: join(base, 'models', 'sha256-0123'), gguf: 'sha256-0123' });
    if (!named.ok || !blob.ok) return;
    const id = named.url.split('/').pop()!;
    expect(f.fileFor(id)).toEqual({ path: join(base, 'models', 'tiny.gguf'), name: 'tiny.gguf' });
    expect(f.dirFor(id)).toBeUndefined();
    // A file and a folder at the same path never share an id; the same file keeps its URL.
    expect(id).not.toBe(new ModelFolders().register(join(base, 'models', 'tiny.gguf')));
    expect(await new ModelFolders().resolve(join(base, 'models', 'tiny.gguf'), '/x')).toEqual(named);
  });
  it('refuses a file that is not GGUF, and a folder named .gguf, saying what it is', async () => {
    const f = new ModelFolders();
    expect(await f.resolve('models/notes.txt', base)).toMatchObject({ ok: false, message: `${join(base, 'models', 'notes.txt')} is a file but not a GGUF file (it does not start with "GGUF").` });
    expect(await f.resolve('models/dir.gguf', base)).toMatchObject({ ok: false, message: `No such file: ${join(base, 'models', 'dir.gguf')}.` });
    expect(await f.resolve('models/nope.gguf', base)).toMatchObject({ ok: false, message: `No such file: ${join(base, 'models', 'nope.gguf')}.` });
  });
  it('serves a GGUF file by its own name only when that is a plain URL segment', () => {
    expect(servedName('/m/qwen2.5-coder-7b-Q4_K_M.gguf')).toBe('qwen2.5-coder-7b-Q4_K_M.gguf');
    expect(servedName('/m/blobs/sha256-abc')).toBe('sha256-abc');
    for (const odd of ['/m/.hidden.gguf', '/m/100%.gguf', `/m/${'x'.repeat(300)}.gguf`]) expect(servedName(odd), odd).toBe('model.gguf');
  });
  it('explains a missing folder, naming where relative paths start', async () => {
    const r = await new ModelFolders().resolve('models/nope', base);
    expect(r).toMatchObject({ ok: false, message: `No such folder: ${join(base, 'models', 'nope')}.` });
    if (!r.ok) expect(r.hint).toContain(`Relative paths start at ${base}`);
    expect((await new ModelFolders().resolve('  ', base)).ok).toBe(false);
  });
});
