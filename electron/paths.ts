// Where the app's files are, in development (dist/electron/main.cjs run from the repository) and in a
// packaged app (<resources>/app.asar/electron/main.cjs, the bundled model under <resources>/models).
// The renderer and the engine page sit at the same place relative to main.cjs in both. Pure.
import { dirname, join } from 'node:path';

export interface AppLayout {
  /** dist/renderer: the editor page (fanout://app/). */
  rendererDir: string;
  /** dist/electron/engine: the engine page (fanout://engine/). */
  engineDir: string;
  /** The editor window's preload. */
  preload: string;
  /** The engine window's preload. */
  enginePreload: string;
  /** The folder with the bundled model folder(s). */
  modelsDir: string;
  /** Relative model paths ("models/fanout-code-4m", the app's default) resolve against this folder. */
  modelBaseDir: string;
}

/** `mainDir`: the folder of main.cjs (__dirname). */
export function appLayout(opts: { mainDir: string; isPackaged: boolean; resourcesPath: string }): AppLayout {
  const { mainDir } = opts;
  const modelsDir = opts.isPackaged ? join(opts.resourcesPath, 'models') : join(mainDir, '..', '..', 'models');
  return {
    rendererDir: join(mainDir, '..', 'renderer'),
    engineDir: join(mainDir, 'engine'),
    preload: join(mainDir, 'preload.cjs'),
    enginePreload: join(mainDir, 'engine-preload.cjs'),
    modelsDir,
    modelBaseDir: dirname(modelsDir),
  };
}
