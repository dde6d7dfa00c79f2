// Open and save for the editor, with native dialogs. The page may write only to files the user chose:
// in a dialog during this run, from File > Open Recent, or passed to the app on the command line. A save
// to any other path (a page bug, or a compromised page) shows the save dialog instead of writing.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { app, dialog, type BrowserWindow } from 'electron';
import type { OpenedFile } from '../protocol/desktop.ts';
import { decodeTextFile } from './ipc-schemas.ts';
import type { SaveFileRequest } from '../protocol/desktop-ipc.ts';
import type { RecentFiles } from './recent-files.ts';

const FILTERS = [
  { name: 'Code', extensions: ['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'rs', 'go', 'java', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'rb', 'php', 'swift', 'kt', 'json', 'md', 'txt', 'css', 'html', 'sh'] },
  { name: 'All Files', extensions: ['*'] },
];

export class EditorFiles {
  private readonly granted = new Set<string>();
  private lastDir: string | undefined;

  constructor(private readonly recent: RecentFiles) {}

  private grant(path: string): void {
    this.granted.add(path);
    this.lastDir = dirname(path);
    this.recent.add(path);
    app.addRecentDocument(path);
  }

  /** Reads a file the user chose (dialog, recent list, command line) for the editor. Throws with a message. */
  async read(path: string): Promise<OpenedFile> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`);
    }
    const name = basename(path);
    const r = decodeTextFile(bytes, name);
    if (!r.ok) throw new Error(r.message);
    this.grant(path);
    return { path, name, text: r.text };
  }

  /** File > Open… / the toolbar's Open: the native dialog; null when cancelled. */
  async open(win: BrowserWindow | null): Promise<OpenedFile | null> {
    const opts: Electron.OpenDialogOptions = { properties: ['openFile'], filters: FILTERS, ...(this.lastDir ? { defaultPath: this.lastDir } : {}) };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    if (r.canceled || r.filePaths.length === 0) return null;
    return this.read(r.filePaths[0]);
  }

  /** Save (to the chosen path when it was granted, else through the save dialog); null when cancelled. */
  async save(win: BrowserWindow | null, req: SaveFileRequest): Promise<{ path: string; name: string } | null> {
    let path = req.path !== undefined && (this.granted.has(req.path) || this.recent.has(req.path)) ? req.path : undefined;
    if (path === undefined) {
      const defaultPath = req.path ?? join(this.lastDir ?? app.getPath('documents'), req.name);
      const opts: Electron.SaveDialogOptions = { defaultPath, filters: FILTERS, properties: ['showOverwriteConfirmation', 'createDirectory'] };
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      if (r.canceled || !r.filePath) return null;
      path = r.filePath;
    }
    try {
      await writeFile(path, req.text, 'utf8');
    } catch (e) {
      throw new Error(`cannot write ${path}: ${(e as Error).message}`);
    }
    this.grant(path);
    return { path, name: basename(path) };
  }
}
