// The application menu of a desktop editor: File (Open…, Open Recent, Save, Save As…, Open Model…, Open
// Model File (.gguf)…, Restart Engine, Quit), Edit (the standard roles), View (zoom, full screen; reload and developer tools
// in development only), and on macOS the app and Window menus. menuTemplate is pure (the tests check
// it); the main process builds it with Menu.buildFromTemplate and rebuilds it when the recent list changes.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newTab(): void;
  closeTab(): void;
  nextTab(): void;
  previousTab(): void;
  open(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  save(): void;
  saveAs(): void;
  openModel(): void;
  /** A GGUF file (a second item: on Linux and Windows one dialog picks folders or files, not both). */
  openModelFile(): void;
  restartEngine(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Development build: adds Reload, Force Reload and Toggle Developer Tools. */
  dev: boolean;
  recent: readonly string[];
  appName: string;
}

/** Accelerators, for the README and the tests. CmdOrCtrl = Cmd on macOS, Ctrl elsewhere. */
export const SHORTCUTS = {
  open: 'CmdOrCtrl+O',
  save: 'CmdOrCtrl+S',
  saveAs: 'CmdOrCtrl+Shift+S',
  // Not Shift+O: the editor (Monaco) uses Ctrl+Shift+O for "go to symbol".
  openModel: 'CmdOrCtrl+Shift+M',
  newTab: 'CmdOrCtrl+N',
  closeTab: 'CmdOrCtrl+W',
  nextTab: 'Ctrl+Tab',
  previousTab: 'Ctrl+Shift+Tab',
} as const;

export function menuTemplate(opts: MenuOptions, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  // On Windows "&" in a label marks the access key; a literal one is written "&&".
  const label = (s: string) => (opts.platform === 'win32' ? s.replace(/&/g, '&&') : s);

  const recent: MenuItemConstructorOptions[] = opts.recent.length
    ? [
        ...opts.recent.map((p): MenuItemConstructorOptions => ({ label: label(p), click: () => actions.openRecent(p) })),
        { type: 'separator' },
        { label: 'Clear Recently Opened', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Files', enabled: false }];

  const file: MenuItemConstructorOptions = {
    label: mac ? 'File' : '&File',
    submenu: [
      { label: 'New File', accelerator: SHORTCUTS.newTab, click: () => actions.newTab() },
      { label: 'Open…', accelerator: SHORTCUTS.open, click: () => actions.open() },
      { label: 'Open Recent', submenu: recent },
      { type: 'separator' },
      { label: 'Save', accelerator: SHORTCUTS.save, click: () => actions.save() },
      { label: 'Save As…', accelerator: SHORTCUTS.saveAs, click: () => actions.saveAs() },
      { type: 'separator' },
      { label: 'Next Tab', accelerator: SHORTCUTS.nextTab, click: () => actions.nextTab() },
      { label: 'Previous Tab', accelerator: SHORTCUTS.previousTab, click: () => actions.previousTab() },
      { label: 'Close Tab', accelerator: SHORTCUTS.closeTab, click: () => actions.closeTab() },
      { type: 'separator' },
      { label: 'Open Model…', accelerator: SHORTCUTS.openModel, click: () => actions.openModel() },
      { label: 'Open Model File (.gguf)…', click: () => actions.openModelFile() },
      { label: 'Restart Engine', click: () => actions.restartEngine() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: mac ? 'Edit' : '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as MenuItemConstructorOptions] : []),
      { role: 'delete' },
      { type: 'separator' },
      { role: 'selectAll' },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: mac ? 'View' : '&View',
    submenu: [
      ...(opts.dev ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[]) : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };

  if (!mac) return [file, edit, view];
  return [
    {
      label: opts.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    file,
    edit,
    view,
    { role: 'windowMenu' },
  ];
}
