// The engine window's preload (sandboxed, context-isolated): exposes window.fanoutEngineHost to the
// engine page (electron/engine-page/) and hands it the UI connections' MessagePorts with
// window.postMessage({ type: 'fanout:ui-port', conn }, '*', [port]).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC, UI_PORT_MESSAGE } from './shared.ts';
import type { EngineControl, EngineHostApi, EngineInit, RemoteFetchEvent, ResolveResult } from '../protocol/engine-window.ts';
import type { LocalModelList } from '../protocol/host.ts';

ipcRenderer.on(IPC.uiPort, (e: IpcRendererEvent, msg: { conn?: unknown }) => {
  const port = e.ports[0];
  if (port && typeof msg?.conn === 'number') window.postMessage({ type: UI_PORT_MESSAGE, conn: msg.conn }, '*', [port]);
});

// Remote requests in flight, by the page's request number: their events go to the page's listener.
const remoteListeners = new Map<number, (ev: RemoteFetchEvent) => void>();
ipcRenderer.on(IPC.remoteFetchEvent, (_e: IpcRendererEvent, ev: RemoteFetchEvent) => {
  const fn = remoteListeners.get(ev?.rid);
  if (!fn) return;
  if (ev.type === 'end' || ev.type === 'error') remoteListeners.delete(ev.rid);
  fn(ev);
});

const api: EngineHostApi = {
  init: () => ipcRenderer.invoke(IPC.engineInit) as Promise<EngineInit>,
  resolveModel: (path) => ipcRenderer.invoke(IPC.resolveModel, path) as Promise<ResolveResult>,
  listModels: () => ipcRenderer.invoke(IPC.listModels) as Promise<LocalModelList>,
  report: (r) => ipcRenderer.send(IPC.engineReport, r),
  onControl(fn) {
    ipcRenderer.on(IPC.control, (_e: IpcRendererEvent, c: EngineControl) => fn(c));
  },
  remoteFetch(req, onEvent) {
    remoteListeners.set(req.rid, onEvent);
    ipcRenderer.send(IPC.remoteFetch, req);
    return () => {
      if (remoteListeners.delete(req.rid)) ipcRenderer.send(IPC.remoteFetchCancel, req.rid);
    };
  },
  remoteKey: {
    get: (url) => ipcRenderer.invoke(IPC.remoteKeyGet, url) as Promise<string | undefined>,
    set: (url, key) => ipcRenderer.invoke(IPC.remoteKeySet, url, key) as Promise<void>,
  },
};

contextBridge.exposeInMainWorld('fanoutEngineHost', api);
