// The editor window's preload (sandboxed, context-isolated): exposes window.fanout, exactly the
// FanoutPreload of protocol/desktop.ts, and nothing else. The page never sees ipcRenderer; every call
// goes to one fixed channel, and the main process validates the sender and the payload.
//
// The engine port: requestEnginePort() asks the main process for a new MessageChannel to the engine
// window; its port arrives here and is posted into the page with
// window.postMessage({ type: 'fanout:engine-port' }, '*', [port]) (renderer/transport.ts picks it up). The
// main process also sends a new port by itself after the engine window was restarted.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EngineState, FanoutPreload, HostFiles, MenuCommand, OpenedFile } from '../protocol/desktop.ts';
import { IPC, type IpcResult } from './shared.ts';

// Must match ENGINE_PORT_MESSAGE in renderer/transport.ts (not imported: the preload bundle stays tiny).
const ENGINE_PORT_MESSAGE = 'fanout:engine-port';

ipcRenderer.on(IPC.enginePort, (e: IpcRendererEvent) => {
  const port = e.ports[0];
  if (port) window.postMessage({ type: ENGINE_PORT_MESSAGE }, '*', [port]);
});

let engineState: EngineState = { kind: 'starting' };
const stateListeners = new Set<(s: EngineState) => void>();
ipcRenderer.on(IPC.engineState, (_e: IpcRendererEvent, s: EngineState) => {
  engineState = s;
  for (const fn of [...stateListeners]) fn(s);
});

const menuListeners = new Set<(cmd: MenuCommand) => void>();
ipcRenderer.on(IPC.menuCommand, (_e: IpcRendererEvent, cmd: MenuCommand) => {
  for (const fn of [...menuListeners]) fn(cmd);
});

/** Unwraps an invoke result; errors become Errors with the main process's message. */
async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const r = (await ipcRenderer.invoke(channel, ...args)) as IpcResult<T>;
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const files: HostFiles = {
  openFile: () => call<OpenedFile | null>(IPC.openFile),
  // Copy the fields: only these three cross the bridge.
  saveFile: (o) => call<{ path: string; name: string } | null>(IPC.saveFile, { ...(o.path === undefined ? {} : { path: o.path }), name: o.name, text: o.text }),
};

const api: FanoutPreload = {
  requestEnginePort() {
    ipcRenderer.send(IPC.requestEnginePort);
  },
  files,
  onMenuCommand(fn) {
    menuListeners.add(fn);
    ipcRenderer.send(IPC.menuListener, true);
    return () => {
      menuListeners.delete(fn);
      if (menuListeners.size === 0) ipcRenderer.send(IPC.menuListener, false);
    };
  },
  reportUnsaved(count) {
    ipcRenderer.send(IPC.unsavedFiles, count);
  },
  onEngineState(fn) {
    stateListeners.add(fn);
    fn(engineState);
    return () => {
      stateListeners.delete(fn);
    };
  },
};

contextBridge.exposeInMainWorld('fanout', api);
