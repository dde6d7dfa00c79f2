// Names shared by the main process, the preloads and the engine page: the custom scheme, its hosts and
// the IPC channels. Pure constants (no Electron imports), so the unit tests and every bundle can use them.

/** The app's own scheme; registered as standard + secure, so its pages are a secure context (WebGPU). */
export const SCHEME = 'fanout';
/** fanout://app/… serves dist/renderer (the editor window). */
export const APP_HOST = 'app';
/** fanout://engine/… serves the engine page and, under /models/<id>/, the registered model folders and GGUF files. */
export const ENGINE_HOST = 'engine';

export const APP_URL = `${SCHEME}://${APP_HOST}/index.html`;
export const ENGINE_URL = `${SCHEME}://${ENGINE_HOST}/index.html`;
/** Base URL of a registered model folder (or of a registered GGUF file's one name), as the engine page fetches it (same origin as the page). */
export const modelBaseUrl = (id: string) => `${SCHEME}://${ENGINE_HOST}/models/${id}`;

/** IPC channels. `editor:*` are used by the editor window's preload, `engine:*` by the engine window's. */
export const IPC = {
  /** editor → main (send): "give me a port to the engine" (renderer/host-api.ts requestEnginePort). */
  requestEnginePort: 'fanout:editor:request-engine-port',
  /** main → editor (postMessage with one port): the engine port; the preload hands it to the page. */
  enginePort: 'fanout:editor:engine-port',
  /** editor → main (invoke): native open dialog; returns IpcResult<OpenedFile | null>. */
  openFile: 'fanout:editor:open-file',
  /** editor → main (invoke): save (dialog when needed); returns IpcResult<{ path, name } | null>. */
  saveFile: 'fanout:editor:save-file',
  /** main → editor (send): a menu command (File > Save, Open Recent, Open Model…). */
  menuCommand: 'fanout:editor:menu-command',
  /** editor → main (send): the page has (true) / no longer has (false) a menu-command listener. */
  menuListener: 'fanout:editor:menu-listener',
  /** main → editor (send): the engine's state (starting, ready, restarting, failed). */
  engineState: 'fanout:editor:engine-state',
  /** editor → main (send): how many tabs have unsaved edits (closing the window or quitting asks first while any do). */
  unsavedFiles: 'fanout:editor:unsaved-files',

  /** engine → main (invoke): start-up parameters (EngineInit). */
  engineInit: 'fanout:engine:init',
  /** engine → main (send): an EngineReport (ready, device lost, model, request start/end, control replies, logs). */
  engineReport: 'fanout:engine:report',
  /** engine → main (invoke): resolve a model folder or GGUF file path to a fanout://engine/models/<id> URL (ResolveResult). */
  resolveModel: 'fanout:engine:resolve-model',
  /** engine → main (invoke): the GGUF models on this machine (engine/host/local-models.ts; a LocalModelList). */
  listModels: 'fanout:engine:list-models',
  /** engine → main (send): a request to a remote server (protocol/engine-window.ts RemoteFetchRequest; electron/remote-fetch.ts). */
  remoteFetch: 'fanout:engine:remote-fetch',
  /** engine → main (send): cancel remote request `rid`. */
  remoteFetchCancel: 'fanout:engine:remote-fetch-cancel',
  /** main → engine (send): a RemoteFetchEvent (head, body chunk, end, error). */
  remoteFetchEvent: 'fanout:engine:remote-fetch-event',
  /** engine → main (invoke): the kept API key of a remote server's base URL (string | undefined). */
  remoteKeyGet: 'fanout:engine:remote-key-get',
  /** engine → main (invoke): keep this API key for a base URL (sealed with the OS keychain where there is one). */
  remoteKeySet: 'fanout:engine:remote-key-set',
  /** main → engine (postMessage with one port): a UI connection; message { conn }. */
  uiPort: 'fanout:engine:ui-port',
  /** main → engine (send): an EngineControl message. */
  control: 'fanout:engine:control',
} as const;

/** The window message by which the engine preload hands a UI port to the engine page (port = ports[0]). */
export const UI_PORT_MESSAGE = 'fanout:ui-port';

/** What an invoke handler returns: errors travel as data, so the page gets our message, not Electron's wrapper. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * The webPreferences of every window the app creates: sandboxed, context-isolated, no Node integration,
 * web security on, spellcheck off; devtools only when `devTools` (development builds).
 */
export function lockedDownPreferences(preload: string, devTools: boolean) {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
    devTools,
  } as const;
}
