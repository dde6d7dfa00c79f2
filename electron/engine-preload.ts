// The engine window's preload (sandboxed, context-isolated): exposes window.fanoutEngineHost to the
// engine page (electron/engine-page/) and hands it the UI connections' MessagePorts with
// window.postMessage({ type: 'fanout:ui-port', conn }, '*', [port]).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, UI_PORT_MESSAGE } from './shared.ts';
import type { EngineControl, EngineHostApi, EngineInit, ResolveResult } from '../protocol/engine-window.ts';
import type { LocalModelList } from '../protocol/host.ts';

ipcRenderer.on(IPC.uiPort, (e: IpcRendererEvent, msg: { conn?: unknown }) => {
  const port = e.ports[0];
  if (port && typeof msg?.conn === 'number') window.postMessage({ type: UI_PORT_MESSAGE, conn: msg.conn }, '*', [port]);
});

const api: EngineHostApi = {
  init: () => ipcRenderer.invoke(IPC.engineInit) as Promise<EngineInit>,
  resolveModel: (path) => ipcRenderer.invoke(IPC.resolveModel, path) as Promise<ResolveResult>,
  listModels: () => ipcRenderer.invoke(IPC.listModels) as Promise<LocalModelList>,
  report: (r) => ipcRenderer.send(IPC.engineReport, r),
  onControl(fn) {
    ipcRenderer.on(IPC.control, (_e: IpcRendererEvent, c: EngineControl) => fn(c));
  },
};

contextBridge.exposeInMainWorld('fanoutEngineHost', api);
