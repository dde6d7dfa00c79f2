#!/usr/bin/env node
// `npm start [-- FILE…]`: the desktop app. Checks for the Electron binary (without it: says how to get
// it, or to use `npm run web`, and exits 1), builds what is stale (dist/renderer when renderer/ is
// newer; dist/electron always, it takes a second), then runs Electron on dist/electron/main.cjs.
// Extra arguments go to the app (files to open; Chromium switches).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { electronBinary, missingElectronMessage } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest mtime of the source files under `dir` (0 when none). */
function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|tsx|css|html)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);

/** Builds dist/renderer (when stale) and dist/electron. */
export async function buildDesktop({ quiet = false } = {}) {
  const rendererOut = join(root, 'dist', 'renderer', 'index.html');
  const rendererSources = Math.max(newest(join(root, 'renderer')), mtime(join(root, 'engine', 'host', 'protocol.ts')), mtime(join(root, 'scripts', 'build-renderer.mjs')));
  if (mtime(rendererOut) < rendererSources) {
    if (!quiet) process.stderr.write('fanout: building the app (dist/renderer)…\n');
    const { buildRenderer } = await import(pathToFileURL(join(root, 'scripts', 'build-renderer.mjs')).href);
    await buildRenderer();
  }
  const { buildElectron } = await import(pathToFileURL(join(root, 'scripts', 'build-electron.mjs')).href);
  await buildElectron({ quiet: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const electron = electronBinary();
  if (!electron.ok) {
    process.stderr.write(missingElectronMessage('start the desktop app', electron.reason, electron.version));
    process.exit(1);
  }
  try {
    await buildDesktop();
  } catch (e) {
    process.stderr.write(`fanout: error: building the desktop app failed (${String(e.message).split('\n')[0]}); run npm ci in ${root}.\n`);
    process.exit(2);
  }
  const env = { ...process.env };
  // Set in some shells and CI images; it would make Electron run main.cjs as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electron.path, [join(root, 'dist', 'electron', 'main.cjs'), ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`fanout: cannot run ${electron.path}: ${e.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
