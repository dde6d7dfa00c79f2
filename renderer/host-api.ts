// What the Electron preload exposes to the page as `window.fanout` (contextBridge). The web host
// exposes nothing; the renderer then falls back to a file input and a download (files.ts).

export interface OpenedFile {
  /** Full path, used to save back to the same file. */
  path: string;
  /** Base name; picks the editor language. */
  name: string;
  text: string;
}

export interface HostFiles {
  /** Shows the native open dialog; null when the user cancels. */
  openFile(): Promise<OpenedFile | null>;
  /**
   * Writes `text` to `path`, or when there is no path, to one chosen in the native save dialog
   * (suggesting `name`); null when the user cancels.
   */
  saveFile(opts: { path?: string; name: string; text: string }): Promise<{ path: string; name: string } | null>;
}

export interface FanoutPreload {
  /**
   * Asks the preload to post the engine's MessagePort to this window:
   * window.postMessage({ type: 'fanout:engine-port' }, '*', [port]). Asking (rather than the preload
   * posting on load) means the page cannot miss it by attaching its listener late.
   */
  requestEnginePort(): void;
  files?: HostFiles;
}

declare global {
  interface Window {
    fanout?: FanoutPreload;
  }
}
