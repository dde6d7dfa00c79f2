// The Electron main process: app lifecycle (one instance), the editor window, the engine window
// (electron/engine-window.ts), the fanout:// protocol, IPC, the menu, recent files and window state.
//
// Security: every window is sandboxed and context-isolated without Node integration; pages come from
// fanout:// (never file://) under a strict Content-Security-Policy (the renderer's, also sent as a
// header); no remote content, no navigation away, no new windows (electron/security.ts); each IPC
// message's sender and payload are checked (electron/ipc.ts). Requests to a remote completion server the
// user chose (Settings → Engine → Remote) are made here for the engine page (electron/remote-fetch.ts),
// which itself reaches nothing but fanout:.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, Menu, safeStorage, screen } from 'electron';
import type { MenuCommand, OpenedFile } from '../protocol/desktop.ts';
import { isDevRun } from './dev-mode.ts';
import { EditorFiles } from './editor-files.ts';
import { EngineHost } from './engine-window.ts';
import { registerIpc } from './ipc.ts';
import { menuTemplate, type MenuActions } from './menu.ts';
import { ModelFolders } from './model-folders.ts';
import { LocalModelFinder } from '../engine/host/local-models.ts';
import { fileKeyStore, type KeyCodec } from '../engine/host/remote-keys.ts';
import { RemoteFetches } from './remote-fetch.ts';
import { appLayout } from './paths.ts';
import { handleScheme, registerSchemePrivileges } from './protocol.ts';
import { RecentFiles } from './recent-files.ts';
import { hardenApp } from './security.ts';
import { APP_URL, ENGINE_URL, IPC, lockedDownPreferences } from './shared.ts';
import { PROCEED_BUTTON, UnsavedGuard } from './unsaved-close.ts';
import { fitToDisplays, loadWindowState, MIN_SIZE, trackWindowState } from './window-state.ts';

/** The renderer's Content-Security-Policy (scripts/build-renderer.mjs), put here by scripts/build-electron.mjs. */
declare const __FANOUT_CSP__: string;

const log = (line: string) => process.stderr.write(`[fanout] ${line}\n`);

app.setName('Fanout');
// The e2e tests (and anyone who wants a separate profile) point the user-data folder elsewhere.
if (process.env.FANOUT_USER_DATA_DIR) app.setPath('userData', resolve(process.env.FANOUT_USER_DATA_DIR));
const dev = isDevRun(app.isPackaged, process.env);
const layout = appLayout({ mainDir: __dirname, isPackaged: app.isPackaged, resourcesPath: process.resourcesPath });

registerSchemePrivileges();
app.enableSandbox();
// Chromium on Linux offers WebGPU only behind this switch (it is on by default on Windows and macOS).
if (process.platform === 'linux') app.commandLine.appendSwitch('enable-unsafe-webgpu');

/** Files named on the command line (after the app path when run as `electron main.cjs …`). */
function fileArgs(argv: readonly string[]): string[] {
  const rest = argv.slice(process.defaultApp ? 2 : 1);
  return rest.filter((a) => !a.startsWith('-') && existsSync(a)).map((a) => resolve(a));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  run();
}

function run(): void {
  let editor: BrowserWindow | null = null;
  /** The editor window's unsaved-tabs count and the close/quit question (electron/unsaved-close.ts). */
  let unsaved: UnsavedGuard | null = null;
  let menuListener = false;
  /** A file to show once the page listens for menu commands (passed on the command line or by the OS). */
  let pendingOpen: OpenedFile | null = null;

  const userData = app.getPath('userData');
  const recent = new RecentFiles(join(userData, 'recent-files.json'));
  const files = new EditorFiles(recent);
  const folders = new ModelFolders();
  // The GGUF models already on this machine, for the model list (the engine page asks; IPC.listModels).
  const localModels = new LocalModelFinder();
  const stateFile = join(userData, 'window-state.json');
  const engine = new EngineHost({ url: ENGINE_URL, preload: layout.enginePreload, devTools: dev, log });

  /** Sends a menu command to the page; false when the page does not listen for them. */
  const toPage = (cmd: MenuCommand): boolean => {
    if (!editor || editor.isDestroyed() || !menuListener) return false;
    editor.webContents.send(IPC.menuCommand, cmd);
    return true;
  };
  const showError = (message: string, detail: string) => {
    const opts = { type: 'error' as const, title: 'Fanout', message, detail };
    void (editor && !editor.isDestroyed() ? dialog.showMessageBox(editor, opts) : dialog.showMessageBox(opts));
  };
  const pageOnly = (what: string, cmd: MenuCommand) => () => {
    if (!toPage(cmd)) log(`File > ${what}: the page does not handle menu commands; use the toolbar`);
  };
  const openPath = async (path: string) => {
    let file: OpenedFile;
    try {
      file = await files.read(path);
    } catch (e) {
      recent.remove(path);
      showError(`Cannot open ${path}`, (e as Error).message);
      return;
    }
    if (!toPage({ type: 'open-file', file })) pendingOpen = file;
    editor?.focus();
  };

  /** File > Open Model… / Open Model File…: the dialog, then the chosen model loads. */
  const chooseModel = async (opts: Electron.OpenDialogOptions) => {
    const r = editor && !editor.isDestroyed() ? await dialog.showOpenDialog(editor, opts) : await dialog.showOpenDialog(opts);
    if (r.canceled || r.filePaths.length === 0) return;
    const path = r.filePaths[0];
    // Chosen explicitly: it loads even if it stopped the engine while loading before (electron/load-crashes.ts).
    engine.allowModel(path);
    // The page makes it the model setting and loads it (with its progress bar); without a listener the
    // main process loads it on its own connection (every window hears 'loaded').
    if (toPage({ type: 'load-model', path })) return;
    try {
      const end = await engine.loadModel(path);
      if (end.type === 'error') showError(end.message, end.hint);
    } catch (e) {
      showError(`Cannot load ${path}`, (e as Error).message);
    }
  };

  const actions: MenuActions = {
    open: pageOnly('Open', { type: 'open' }),
    save: pageOnly('Save', { type: 'save' }),
    saveAs: pageOnly('Save As', { type: 'save-as' }),
    newTab: pageOnly('New File', { type: 'new-tab' }),
    closeTab: pageOnly('Close Tab', { type: 'close-tab' }),
    nextTab: pageOnly('Next Tab', { type: 'next-tab' }),
    previousTab: pageOnly('Previous Tab', { type: 'previous-tab' }),
    openRecent: (path) => void openPath(path),
    clearRecent: () => {
      recent.clear();
      app.clearRecentDocuments();
    },
    // On Linux and Windows one dialog cannot pick both folders and files: a folder (Hugging Face) and a
    // GGUF file have a menu item each.
    openModel: () =>
      void chooseModel({ title: 'Open Model Folder', properties: ['openDirectory'], defaultPath: layout.modelsDir }),
    openModelFile: () =>
      void chooseModel({
        title: 'Open Model File',
        properties: ['openFile'],
        // "All files": Ollama's model files (blobs/sha256-…) have no extension.
        filters: [
          { name: 'GGUF model', extensions: ['gguf'] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    restartEngine: () => engine.restart(),
  };

  const buildMenu = () =>
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ platform: process.platform, dev, recent: recent.files, appName: app.name }, actions)));
  recent.onChange(buildMenu);

  function createEditor(): void {
    const primary = screen.getPrimaryDisplay();
    const areas = [primary.workArea, ...screen.getAllDisplays().filter((d) => d.id !== primary.id).map((d) => d.workArea)];
    const st = fitToDisplays(loadWindowState(stateFile), areas);
    const win = new BrowserWindow({
      x: st.x,
      y: st.y,
      width: st.width,
      height: st.height,
      minWidth: MIN_SIZE.width,
      minHeight: MIN_SIZE.height,
      show: false,
      title: 'Fanout',
      backgroundColor: '#1e1e1e',
      webPreferences: lockedDownPreferences(layout.preload, dev),
    });
    editor = win;
    const guard = new UnsavedGuard(
      (p) =>
        dialog
          .showMessageBox(win, { type: 'warning', title: 'Fanout', message: p.message, detail: p.detail, buttons: p.buttons, defaultId: p.defaultId, cancelId: p.cancelId, noLink: true })
          .then((r) => r.response === PROCEED_BUTTON),
      log,
    );
    unsaved = guard;
    win.on('close', (e) => guard.intercept('close', e, () => !win.isDestroyed() && win.close()));
    if (st.maximized) win.maximize();
    if (st.fullScreen) win.setFullScreen(true);
    trackWindowState(win, stateFile);
    win.once('ready-to-show', () => win.show());

    const wc = win.webContents;
    wc.on('did-start-navigation', (e) => {
      if (!e.isMainFrame || e.isSameDocument) return;
      // A reload: the old page's engine connection and menu listener are gone.
      engine.editorGone(wc);
      menuListener = false;
    });
    wc.on('render-process-gone', (_e, d) => {
      log(`editor: renderer ${d.reason} (exit code ${d.exitCode})`);
      engine.editorGone(wc);
      menuListener = false;
      if (d.reason !== 'clean-exit') setTimeout(() => !win.isDestroyed() && wc.reload(), 500);
    });
    wc.on('preload-error', (_e, path, err) => log(`editor: preload ${path} failed: ${err.message}`));
    win.on('closed', () => {
      engine.editorGone(wc);
      menuListener = false;
      editor = null;
      if (unsaved === guard) unsaved = null;
      // macOS apps stay open without windows (the Dock icon reopens one); elsewhere closing it quits.
      if (process.platform !== 'darwin') app.quit();
    });
    void win.loadURL(APP_URL);
  }

  app.on('second-instance', (_e, argv) => {
    if (editor && !editor.isDestroyed()) {
      if (editor.isMinimized()) editor.restore();
      editor.focus();
    } else createEditor();
    for (const f of fileArgs(argv)) void openPath(f);
  });
  app.on('open-file', (e, path) => {
    e.preventDefault();
    if (app.isReady()) void openPath(path);
    else app.once('ready', () => void openPath(path));
  });
  app.on('activate', () => {
    if (!editor) createEditor();
  });
  app.on('before-quit', (e) => {
    // Quitting closes the editor window: ask first (before the engine stops) while tabs are unsaved.
    if (editor && !editor.isDestroyed() && unsaved && !unsaved.intercept('quit', e, () => app.quit())) return;
    engine.stop();
  });

  void app.whenReady().then(() => {
    if (!existsSync(join(layout.rendererDir, 'index.html')) || !existsSync(join(layout.engineDir, 'index.html'))) {
      dialog.showErrorBox('Fanout is not built', `${layout.rendererDir} or ${layout.engineDir} is missing. Build the app with npm run build (npm start builds it).`);
      app.exit(1);
      return;
    }
    if (!existsSync(layout.modelsDir)) log(`no bundled models at ${layout.modelsDir}: choose a model folder with File > Open Model…`);
    hardenApp({ dev, log });
    handleScheme(
      { appDir: layout.rendererDir, engineDir: layout.engineDir, modelDir: (id) => folders.dirFor(id), modelFile: (id) => folders.fileFor(id), csp: __FANOUT_CSP__ },
      log,
    );
    registerIpc({
      editorWindow: () => editor,
      engine,
      files,
      folders,
      modelBaseDir: layout.modelBaseDir,
      localModels: () => localModels.list(),
      remote: new RemoteFetches(),
      remoteKeys: fileKeyStore(join(userData, 'remote-keys.json'), keychainCodec),
      setUnsavedFiles: (wc, count) => {
        if (editor?.webContents === wc) unsaved?.report(count);
      },
      setMenuListener: (wc, on) => {
        if (editor?.webContents !== wc) return;
        menuListener = on;
        if (on && pendingOpen) {
          const file = pendingOpen;
          pendingOpen = null;
          toPage({ type: 'open-file', file });
        }
      },
      log,
    });
    buildMenu();
    // The editor first: it is the app's first window (Playwright's firstWindow()).
    createEditor();
    engine.start();
    for (const f of fileArgs(process.argv)) void openPath(f);
  });
}

/**
 * The OS keychain as a KeyCodec for the remote servers' API keys (Electron safeStorage: Keychain on macOS,
 * DPAPI on Windows, the Secret Service or KWallet on Linux), or undefined where there is none: then the
 * keys are kept as they are in the 0600 file. On Linux without a keyring safeStorage falls back to a
 * fixed password ('basic_text'), which protects nothing, so that counts as none.
 */
function keychainCodec(): KeyCodec | undefined {
  if (!app.isReady() || !safeStorage.isEncryptionAvailable()) return undefined;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return undefined;
  return {
    name: 'safeStorage',
    seal: (key) => safeStorage.encryptString(key).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
