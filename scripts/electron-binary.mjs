// Whether the Electron binary is installed, and what to tell the user when it is not. `npm ci` with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1 (CI, machines without network access to Electron's downloads)
// installs the `electron` package — its types and launcher — without the binary in
// node_modules/electron/dist; everything but `npm start`, `npm run dist` and the Electron e2e project
// works without it. Used by scripts/start.mjs and scripts/dist.mjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * { ok: true, path, distDir, version } when the binary is there; { ok: false, reason } otherwise.
 * The package's own lookup (require('electron')) gives the path: it honours ELECTRON_OVERRIDE_DIST_PATH.
 */
export function electronBinary() {
  const require = createRequire(join(root, 'package.json'));
  let pkg;
  try {
    pkg = require('electron/package.json');
  } catch {
    return { ok: false, reason: 'the electron package is not installed (node_modules/electron is missing): run npm ci' };
  }
  let path;
  try {
    path = require('electron');
  } catch {
    return {
      ok: false,
      version: pkg.version,
      reason: 'node_modules/electron has no binary (no path.txt, no dist/): it was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed',
    };
  }
  if (typeof path !== 'string' || !existsSync(path)) {
    return { ok: false, version: pkg.version, reason: `the Electron binary ${path} does not exist` };
  }
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(dirname(require.resolve('electron/package.json')), 'dist');
  return { ok: true, path, distDir, version: pkg.version };
}

/** The message for a missing binary; `what` is the command's purpose ("start the desktop app"). */
export function missingElectronMessage(what, reason, version = '<version>') {
  return [
    `fanout: cannot ${what}: the Electron binary is not installed.`,
    `  Why: ${reason}.`,
    '',
    `Either install Electron ${version}. This needs network access to Electron's downloads on GitHub (or ELECTRON_MIRROR set to`,
    'a mirror), with ELECTRON_SKIP_BINARY_DOWNLOAD unset:',
    '',
    '    node node_modules/electron/install.js',
    '',
    `(or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an unpacked Electron ${version} for this platform),`,
    '',
    'or run the same app in your browser, with the engine in a local Node process (no Electron needed):',
    '',
    '    npm run web',
    '',
  ].join('\n');
}
