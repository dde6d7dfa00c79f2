// electron/ipc.ts against a stand-in ipcMain: every handler refuses messages from anything but our own
// pages in our own windows, validates payloads, and routes the rest.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => {
  const handlers = new Map<string, (e: unknown, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, (e: unknown, ...args: unknown[]) => void>();
  return {
    ipcMain: {
      handle: (ch: string, fn: (e: unknown, ...args: unknown[]) => unknown) => handlers.set(ch, fn),
      on: (ch: string, fn: (e: unknown, ...args: unknown[]) => void) => listeners.set(ch, fn),
    },
    __handlers: handlers,
    __listeners: listeners,
  };
});

import * as electron from 'electron';
import { registerIpc, type IpcDeps } from '../../electron/ipc.ts';
import { IPC } from '../../electron/shared.ts';
import { ModelFolders } from '../../electron/model-folders.ts';
import { LoadCrashes } from '../../electron/load-crashes.ts';

const fake = electron as unknown as {
  __handlers: Map<string, (e: unknown, ...args: unknown[]) => unknown>;
  __listeners: Map<string, (e: unknown, ...args: unknown[]) => void>;
};

function setup(modelBaseDir = '/nowhere') {
  const editorWc = { id: 1 };
  const engineWc = { id: 2 };
  const calls: string[] = [];
  const crashes = new LoadCrashes();
  const engine = {
    webContents: engineWc,
    connectEditor: vi.fn(() => calls.push('connect')),
    report: vi.fn(),
    init: vi.fn(() => ({ restore: null })),
    modelRefusal: (path: string) => crashes.refusal(path),
  };
  const files = { open: vi.fn(async () => null), save: vi.fn(async () => ({ path: '/p/a.ts', name: 'a.ts' })) };
  const deps = {
    editorWindow: () => ({ isDestroyed: () => false, webContents: editorWc }),
    engine,
    files,
    folders: new ModelFolders(),
    modelBaseDir,
    localModels: vi.fn(async () => ({ models: [], searched: [{ source: 'ollama', path: '/home/u/.ollama/models', found: false }], truncated: false })),
    setMenuListener: vi.fn(),
    setUnsavedFiles: vi.fn(),
    log: vi.fn(),
  } as unknown as IpcDeps;
  registerIpc(deps);
  const fromEditor = { sender: editorWc, senderFrame: { url: 'fanout://app/index.html', parent: null } };
  const fromEngine = { sender: engineWc, senderFrame: { url: 'fanout://engine/index.html', parent: null } };
  return { deps, engine, crashes, files, fromEditor, fromEngine, editorWc, engineWc };
}

describe('registerIpc', () => {
  it('answers the editor and refuses everyone else', async () => {
    const { files, fromEditor, fromEngine, editorWc } = setup();
    const save = fake.__handlers.get(IPC.saveFile)!;
    await expect(save(fromEditor, { name: 'a.ts', text: 'x' })).resolves.toEqual({ ok: true, value: { path: '/p/a.ts', name: 'a.ts' } });
    expect(files.save).toHaveBeenCalledTimes(1);
    // The engine page, a sub-frame, a navigated frame, another window: refused, nothing saved.
    for (const e of [
      fromEngine,
      { sender: editorWc, senderFrame: { url: 'fanout://app/index.html', parent: {} } },
      { sender: editorWc, senderFrame: { url: 'https://evil.example/', parent: null } },
      { sender: editorWc, senderFrame: null },
      { sender: { id: 9 }, senderFrame: { url: 'fanout://app/index.html', parent: null } },
    ]) {
      await expect(save(e, { name: 'a.ts', text: 'x' })).resolves.toMatchObject({ ok: false, message: expect.stringContaining('refused') });
    }
    expect(files.save).toHaveBeenCalledTimes(1);
  });

  it('validates payloads', async () => {
    const { files, fromEditor } = setup();
    const save = fake.__handlers.get(IPC.saveFile)!;
    await expect(save(fromEditor, { name: '../../.bashrc', text: 'x' })).resolves.toMatchObject({ ok: false, message: expect.stringContaining('0.name') });
    await expect(save(fromEditor, { name: 'a.ts', text: 'x', mode: 0o777 })).resolves.toMatchObject({ ok: false });
    await expect(fake.__handlers.get(IPC.openFile)!(fromEditor, 'extra')).resolves.toMatchObject({ ok: false });
    expect(files.save).not.toHaveBeenCalled();
    expect(files.open).not.toHaveBeenCalled();
  });

  it('routes the engine port request and the engine reports', async () => {
    const { engine, fromEditor, fromEngine } = setup();
    fake.__listeners.get(IPC.requestEnginePort)!(fromEngine);
    expect(engine.connectEditor).not.toHaveBeenCalled();
    fake.__listeners.get(IPC.requestEnginePort)!(fromEditor);
    expect(engine.connectEditor).toHaveBeenCalledWith(fromEditor.sender);

    const report = fake.__listeners.get(IPC.engineReport)!;
    report(fromEditor, { type: 'ready' }); // only the engine page reports
    report(fromEngine, { type: 'bogus' });
    report(fromEngine, { type: 'ready' }, 'extra');
    expect(engine.report).not.toHaveBeenCalled();
    report(fromEngine, { type: 'ready' });
    expect(engine.report).toHaveBeenCalledWith({ type: 'ready' });

    expect(fake.__handlers.get(IPC.engineInit)!(fromEngine)).toEqual({ restore: null });
    await expect(Promise.resolve().then(() => fake.__handlers.get(IPC.engineInit)!(fromEditor))).rejects.toThrow('refused');
    const resolve = fake.__handlers.get(IPC.resolveModel)!;
    await expect(resolve(fromEditor, 'models/x')).resolves.toMatchObject({ ok: false, message: 'refused' });
    await expect(resolve(fromEngine, 42)).resolves.toMatchObject({ ok: false });
    await expect(resolve(fromEngine, 'models/x')).resolves.toMatchObject({ ok: false, message: 'No such folder: /nowhere/models/x.' });
  });

  it('lists the models on this machine for the engine page only, taking no arguments', async () => {
    const { deps, fromEditor, fromEngine } = setup();
    const list = fake.__handlers.get(IPC.listModels)!;
    await expect(Promise.resolve().then(() => list(fromEditor))).rejects.toThrow('refused');
    await expect(Promise.resolve().then(() => list(fromEngine, '/etc'))).rejects.toThrow(`${IPC.listModels}: invalid arguments`);
    expect(deps.localModels).not.toHaveBeenCalled();
    await expect(list(fromEngine)).resolves.toEqual({ models: [], searched: [{ source: 'ollama', path: '/home/u/.ollama/models', found: false }], truncated: false });
    expect(deps.localModels).toHaveBeenCalledTimes(1);
  });

  it('takes the unsaved-files count from the editor page only, and only a valid one', () => {
    const { deps, fromEditor, fromEngine, editorWc } = setup();
    const unsaved = fake.__listeners.get(IPC.unsavedFiles)!;
    unsaved(fromEngine, 2);
    unsaved({ sender: editorWc, senderFrame: { url: 'fanout://app/index.html', parent: {} } }, 2);
    unsaved(fromEditor, -1);
    unsaved(fromEditor, '2');
    unsaved(fromEditor, 2, 3);
    expect(deps.setUnsavedFiles).not.toHaveBeenCalled();
    expect(deps.log).toHaveBeenCalledWith(expect.stringContaining(`${IPC.unsavedFiles}: invalid arguments`));
    unsaved(fromEditor, 2);
    expect(deps.setUnsavedFiles).toHaveBeenCalledExactlyOnceWith(editorWc, 2);
  });

  it('refuses to resolve a model folder that stopped the engine while loading, until it is allowed again', async () => {
    const base = await mkdtemp(join(tmpdir(), 'fanout-ipc-models-'));
    try {
      await mkdir(join(base, 'models', 'big'), { recursive: true });
      const { crashes, fromEngine } = setup(base);
      const resolve = fake.__handlers.get(IPC.resolveModel)!;
      const dir = join(base, 'models', 'big');
      crashes.add(dir, 'the engine process crashed (exit code 139)');
      // Typed relative or absolute, it is the same folder.
      for (const typed of ['models/big', dir]) {
        await expect(resolve(fromEngine, typed)).resolves.toEqual({
          ok: false,
          message: `Fanout does not load ${dir} by itself again, because the engine stopped while loading it: the engine process crashed (exit code 139).`,
          hint: expect.stringContaining(`To try ${dir} again anyway, choose its folder with File > Open Model…`),
        });
      }
      crashes.allow(dir);
      await expect(resolve(fromEngine, 'models/big')).resolves.toMatchObject({ ok: true, path: dir });
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
