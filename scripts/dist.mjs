#!/usr/bin/env node
// `npm run dist [-- electron-builder options]`: installers for this platform (Linux: AppImage + deb,
// macOS: dmg, Windows: nsis) in dist/release/, per build/electron-builder.yml.
//
// 1. Checks for the Electron binary (node_modules/electron/dist): it is packaged as the app's runtime
//    (electronDist), so nothing is downloaded for it. Without it: says how to install it, exits 1.
// 2. Builds the renderer and the Electron shell (production).
// 3. Stages dist/app: a package.json with no dependencies (everything is bundled), electron/, renderer/.
// 4. Runs electron-builder. Extra arguments are passed on (e.g. `-- --linux deb`, `-- --dir`); a target
//    for another platform (--mac on Linux, …) packages that platform's Electron, which electron-builder
//    then downloads.
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { electronBinary, missingElectronMessage } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST_FLAG = { linux: ['--linux', '-l'], darwin: ['--mac', '-m', '--macos'], win32: ['--win', '-w', '--windows'] }[process.platform] ?? [];
const PLATFORM_FLAGS = ['--linux', '-l', '--mac', '-m', '--macos', '--win', '-w', '--windows'];

/** Writes dist/app (what electron-builder packs) from dist/electron and dist/renderer. */
export async function stageApp() {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const app = join(root, 'dist', 'app');
  await rm(app, { recursive: true, force: true });
  await mkdir(app, { recursive: true });
  const appPkg = {
    name: pkg.name,
    productName: 'Fanout',
    version: pkg.version,
    description: pkg.description,
    author: pkg.author ?? 'Fanout contributors <maintainers@fanout.invalid>',
    license: pkg.license,
    main: 'electron/main.cjs',
  };
  await writeFile(join(app, 'package.json'), JSON.stringify(appPkg, null, 2) + '\n');
  const noMaps = (src) => !src.endsWith('.map');
  await cp(join(root, 'dist', 'electron'), join(app, 'electron'), { recursive: true, filter: noMaps });
  await cp(join(root, 'dist', 'renderer'), join(app, 'renderer'), { recursive: true, filter: noMaps });
  return app;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const foreign = args.some((a) => PLATFORM_FLAGS.includes(a) && !HOST_FLAG.includes(a));
  const electron = electronBinary();
  if (!electron.ok && !foreign) {
    process.stderr.write(missingElectronMessage('package the desktop app', electron.reason, electron.version));
    process.stderr.write('npm run dist packages node_modules/electron/dist as the app\'s runtime, so it needs the binary too.\n');
    process.exit(1);
  }
  try {
    const { buildRenderer } = await import(pathToFileURL(join(root, 'scripts', 'build-renderer.mjs')).href);
    await buildRenderer({ minify: true });
    const { buildElectron } = await import(pathToFileURL(join(root, 'scripts', 'build-electron.mjs')).href);
    await buildElectron({ quiet: true, sourcemap: false });
    await stageApp();
  } catch (e) {
    process.stderr.write(`fanout dist: building failed: ${e.message}\n`);
    process.exit(2);
  }
  const version = JSON.parse(await readFile(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const builderArgs = ['--config', join('build', 'electron-builder.yml'), `-c.electronVersion=${version}`];
  if (electron.ok && !foreign) builderArgs.push(`-c.electronDist=${electron.distDir}`);
  else process.stderr.write('fanout dist: packaging for another platform: electron-builder downloads that platform\'s Electron.\n');
  const cli = join(root, 'node_modules', 'electron-builder', 'cli.js');
  const child = spawn(process.execPath, [cli, ...builderArgs, ...args], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
