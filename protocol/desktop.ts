// What the Electron preload exposes to the page as `window.fanout` (contextBridge). The web host
// exposes nothing; the renderer then falls back to a file input and a download (files.ts). The main
// process checks each call's arguments with protocol/desktop-ipc.ts.
//
// The messages (a file, a menu command, the engine's state) are zod schemas with their types inferred;
// the page parses what the preload hands it (renderer/main.tsx, renderer/transport.ts). The preload API
// itself is an interface of functions: its arguments are checked in the main process (desktop-ipc.ts).
import { z } from 'zod';
import type { SaveFileRequest } from './desktop-ipc.ts';

export const openedFileSchema = z.object({
  /** Full path, used to save back to the same file. */
  path: z.string(),
  /** Base name; picks the editor language. */
  name: z.string(),
  text: z.string(),
});
export type OpenedFile = z.infer<typeof openedFileSchema>;

export interface HostFiles {
  /** Shows the native open dialog; null when the user cancels. */
  openFile(): Promise<OpenedFile | null>;
  /**
   * Writes `text` to `path`, or when there is no path, to one chosen in the native save dialog
   * (suggesting `name`); null when the user cancels.
   */
  saveFile(opts: SaveFileRequest): Promise<{ path: string; name: string } | null>;
}

/**
 * A command from the desktop app's menu (or the OS) that the page carries out, because it needs the
 * editor's text or the app's settings.
 */
export const menuCommandSchema = z.discriminatedUnion('type', [
  /** File > Open… (Ctrl/Cmd+O): do what the toolbar's Open does. */
  z.object({ type: z.literal('open') }),
  /** File > Save (Ctrl/Cmd+S): do what the toolbar's Save does. */
  z.object({ type: z.literal('save') }),
  /** File > Save As… (Ctrl/Cmd+Shift+S): files.saveFile without a path (the save dialog). */
  z.object({ type: z.literal('save-as') }),
  /** File > Open Recent, or a file passed to the app: the main process has read it; show it in the editor. */
  z.object({ type: z.literal('open-file'), file: openedFileSchema }),
  /** File > Open Model…: the user chose this model folder; make it the model setting and load it. */
  z.object({ type: z.literal('load-model'), path: z.string().min(1) }),
  /** File > New File, Close Tab, Next Tab, Previous Tab: the page's tabs. */
  z.object({ type: z.literal('new-tab') }),
  z.object({ type: z.literal('close-tab') }),
  z.object({ type: z.literal('next-tab') }),
  z.object({ type: z.literal('previous-tab') }),
]);
/**
 * A command from the desktop app's menu (or the OS) that the page carries out, because it needs the
 * editor's text or the app's settings.
 */
export type MenuCommand = z.infer<typeof menuCommandSchema>;

/** The desktop engine's state, as the main process sees it (the engine window may be restarted). */
export const engineStateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('starting') }),
  z.object({ kind: z.literal('ready') }),
  /** It stopped (crash, hang, lost GPU device); a new one starts in `retryInMs`. */
  z.object({ kind: z.literal('restarting'), reason: z.string(), retryInMs: z.number(), attempt: z.number() }),
  /** It stopped too often; nothing restarts it until the user asks (File > Restart Engine). */
  z.object({ kind: z.literal('failed'), reason: z.string() }),
]);
export type EngineState = z.infer<typeof engineStateSchema>;

export interface FanoutPreload {
  /**
   * Asks the preload to post the engine's MessagePort to this window:
   * window.postMessage({ type: 'fanout:engine-port' }, '*', [port]). Asking (rather than the preload
   * posting on load) means the page cannot miss it by attaching its listener late.
   */
  requestEnginePort(): void;
  files?: HostFiles;
  /**
   * Subscribes to menu commands; returns the unsubscribe function. Until a page subscribes, File >
   * Open…, Save and Save As… do nothing and File > Open Model… loads the folder without changing the
   * model setting.
   */
  onMenuCommand?(fn: (cmd: MenuCommand) => void): () => void;
  /**
   * Subscribes to the engine's state; the listener is called at once with the current state. Returns the
   * unsubscribe function.
   */
  onEngineState?(fn: (state: EngineState) => void): () => void;
  /**
   * Tells the desktop app how many tabs have unsaved edits, whenever that changes: closing the window or
   * quitting asks first while any do.
   */
  reportUnsaved?(count: number): void;
}

declare global {
  interface Window {
    fanout?: FanoutPreload;
  }
}
