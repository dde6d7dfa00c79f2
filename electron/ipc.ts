// Every IPC handler of the main process. Each one first checks who sent the message — the top-level
// frame of our editor page (fanout://app/) in the current editor window, or of the engine page
// (fanout://engine/) in the current engine window — and drops or refuses anything else; then it
// validates the payload with zod (electron/ipc-schemas.ts, protocol/engine-window.ts).
import { ipcMain, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { engineReportSchema, remoteFetchCancelArgs, remoteFetchRequestSchema, remoteKeyGetArgs, remoteKeySetArgs, resolveModelArgs, type RemoteFetchEvent, type ResolveResult } from '../protocol/engine-window.ts';
import type { RemoteKeyStore } from '../engine/host/remote-keys.ts';
import type { RemoteFetches } from './remote-fetch.ts';
import { senderIs } from './ipc-schemas.ts';
import { menuListenerArgs, noArgs, parseArgs, saveFileArgs, unsavedFilesArgs } from '../protocol/desktop-ipc.ts';
import { APP_HOST, ENGINE_HOST, IPC, type IpcResult } from './shared.ts';
import type { EditorFiles } from './editor-files.ts';
import type { EngineHost } from './engine-window.ts';
import type { ModelFolders } from './model-folders.ts';
import type { LocalModelList } from '../protocol/host.ts';

export interface IpcDeps {
  editorWindow(): BrowserWindow | null;
  engine: EngineHost;
  files: EditorFiles;
  folders: ModelFolders;
  modelBaseDir: string;
  /** The GGUF models on this machine (LocalModelFinder.list of engine/host/local-models.ts). */
  localModels(): Promise<LocalModelList>;
  /** The editor page has (or no longer has) a menu-command listener. */
  setMenuListener(wc: WebContents, on: boolean): void;
  /** The editor page has `count` tabs with unsaved edits. */
  setUnsavedFiles(wc: WebContents, count: number): void;
  /** The engine page's requests to remote servers (its CSP lets it fetch nothing else). */
  remote: RemoteFetches;
  /** API keys of remote servers (a 0600 file, sealed with the OS keychain where Electron has one). */
  remoteKeys: RemoteKeyStore;
  log(line: string): void;
}

type AnyEvent = IpcMainEvent | IpcMainInvokeEvent;

export function registerIpc(d: IpcDeps): void {
  const fromEditor = (e: AnyEvent) => {
    const win = d.editorWindow();
    return !!win && !win.isDestroyed() && e.sender === win.webContents && senderIs(e.senderFrame, APP_HOST);
  };
  const fromEngine = (e: AnyEvent) => e.sender === d.engine.webContents && senderIs(e.senderFrame, ENGINE_HOST);
  const refuse = (channel: string, e: AnyEvent) => d.log(`ipc: refused ${channel} from ${e.senderFrame?.url ?? '(no frame)'}`);

  /** An invoke handler that answers IpcResult; the sender check and argument parsing come first. */
  const handle = <T>(channel: string, from: (e: AnyEvent) => boolean, fn: (e: IpcMainInvokeEvent, args: unknown[]) => Promise<T> | T) => {
    ipcMain.handle(channel, async (e, ...args: unknown[]): Promise<IpcResult<T>> => {
      if (!from(e)) {
        refuse(channel, e);
        return { ok: false, message: 'refused: not sent by the app' };
      }
      try {
        return { ok: true, value: await fn(e, args) };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    });
  };

  // Editor → main

  ipcMain.on(IPC.requestEnginePort, (e, ...args: unknown[]) => {
    if (!fromEditor(e)) return refuse(IPC.requestEnginePort, e);
    if (args.length !== 0) return d.log(`ipc: ${IPC.requestEnginePort}: unexpected arguments`);
    d.engine.connectEditor(e.sender);
  });

  handle(IPC.openFile, fromEditor, (_e, args) => {
    parseArgs(noArgs, args, 'openFile');
    return d.files.open(d.editorWindow());
  });

  handle(IPC.saveFile, fromEditor, (_e, args) => {
    const [req] = parseArgs(saveFileArgs, args, 'saveFile');
    return d.files.save(d.editorWindow(), req);
  });

  ipcMain.on(IPC.menuListener, (e, ...args: unknown[]) => {
    if (!fromEditor(e)) return refuse(IPC.menuListener, e);
    try {
      const [on] = parseArgs(menuListenerArgs, args, IPC.menuListener);
      d.setMenuListener(e.sender, on);
    } catch (err) {
      d.log(`ipc: ${(err as Error).message}`);
    }
  });

  ipcMain.on(IPC.unsavedFiles, (e, ...args: unknown[]) => {
    if (!fromEditor(e)) return refuse(IPC.unsavedFiles, e);
    try {
      const [count] = parseArgs(unsavedFilesArgs, args, IPC.unsavedFiles);
      d.setUnsavedFiles(e.sender, count);
    } catch (err) {
      d.log(`ipc: ${(err as Error).message}`);
    }
  });

  // Engine → main. Not wrapped in IpcResult: the engine page is ours and its preload passes these through.

  ipcMain.handle(IPC.engineInit, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) {
      refuse(IPC.engineInit, e);
      throw new Error('refused');
    }
    parseArgs(noArgs, args, IPC.engineInit);
    return d.engine.init();
  });

  ipcMain.handle(IPC.resolveModel, async (e, ...args: unknown[]): Promise<ResolveResult> => {
    if (!fromEngine(e)) {
      refuse(IPC.resolveModel, e);
      return { ok: false, message: 'refused', hint: '' };
    }
    let path: string;
    try {
      [path] = parseArgs(resolveModelArgs, args, IPC.resolveModel);
    } catch (err) {
      return { ok: false, message: (err as Error).message, hint: 'Enter a model folder path.' };
    }
    const r = await d.folders.resolve(path, d.modelBaseDir);
    // A folder that stopped the engine while loading is not loaded again until the user chooses it.
    return (r.ok && d.engine.modelRefusal(r.path)) || r;
  });

  ipcMain.handle(IPC.listModels, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) {
      refuse(IPC.listModels, e);
      throw new Error('refused');
    }
    parseArgs(noArgs, args, IPC.listModels);
    return d.localModels();
  });

  ipcMain.on(IPC.engineReport, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) return refuse(IPC.engineReport, e);
    const r = engineReportSchema.safeParse(args[0]);
    if (!r.success || args.length !== 1) {
      d.log(`ipc: dropped an invalid engine report: ${r.success ? 'extra arguments' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return;
    }
    d.engine.report(r.data);
  });

  ipcMain.on(IPC.remoteFetch, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) return refuse(IPC.remoteFetch, e);
    const sender = e.sender;
    const send = (ev: RemoteFetchEvent): boolean => {
      if (sender.isDestroyed()) return false;
      sender.send(IPC.remoteFetchEvent, ev);
      return true;
    };
    const r = remoteFetchRequestSchema.safeParse(args[0]);
    if (!r.success || args.length !== 1) {
      const why = r.success ? 'extra arguments' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      d.log(`ipc: refused a remote request: ${why}`);
      // Answer the request it names, if it names one, so the engine page does not wait for ever.
      const rid = (args[0] as { rid?: unknown } | undefined)?.rid;
      if (typeof rid === 'number' && Number.isSafeInteger(rid) && rid >= 0) send({ rid, type: 'error', message: `the app refused the request (${why})` });
      return;
    }
    d.remote.start(r.data, send);
  });

  ipcMain.on(IPC.remoteFetchCancel, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) return refuse(IPC.remoteFetchCancel, e);
    const r = remoteFetchCancelArgs.safeParse(args);
    if (r.success) d.remote.cancel(r.data[0]);
  });

  ipcMain.handle(IPC.remoteKeyGet, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) {
      refuse(IPC.remoteKeyGet, e);
      throw new Error('refused');
    }
    const [url] = parseArgs(remoteKeyGetArgs, args, IPC.remoteKeyGet);
    return d.remoteKeys.get(url);
  });

  ipcMain.handle(IPC.remoteKeySet, (e, ...args: unknown[]) => {
    if (!fromEngine(e)) {
      refuse(IPC.remoteKeySet, e);
      throw new Error('refused');
    }
    const [url, key] = parseArgs(remoteKeySetArgs, args, IPC.remoteKeySet);
    return d.remoteKeys.set(url, key);
  });
}
