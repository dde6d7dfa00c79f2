// Builds the Electron shell into dist/electron/:
//   main.cjs             the main process (electron/main.ts; CommonJS, platform node, `electron` external)
//   preload.cjs          the editor window's preload   } single CommonJS files: sandboxed preloads cannot
//   engine-preload.cjs   the engine window's preload   } require anything but `electron`
//   engine/index.html    the engine page, with the renderer's Content-Security-Policy
//   engine/engine-page.js   the engine bundled for the browser (shaders as text), like the CLI's build
// The renderer itself (dist/renderer/) is scripts/build-renderer.mjs.
//
//   node scripts/build-electron.mjs          build (not minified: the bundles are small and stack traces stay readable)
//   node scripts/build-electron.mjs --dev    the same with source maps
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from './build-renderer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ELECTRON_OUT = join(root, 'dist', 'electron');

export async function buildElectron({ quiet = false, sourcemap = process.argv.includes('--dev') } = {}) {
  const esbuild = await import('esbuild');
  await rm(ELECTRON_OUT, { recursive: true, force: true });
  await mkdir(join(ELECTRON_OUT, 'engine'), { recursive: true });
  // WGSL as text in every bundle: the main process reads GGUF headers through engine/model/load.ts's
  // checks (the model list), which reach the weight-format registry and its shader snippets.
  const common = { absWorkingDir: root, bundle: true, logLevel: quiet ? 'error' : 'warning', sourcemap: sourcemap ? 'linked' : false, legalComments: 'none', loader: { '.wgsl': 'text' } };

  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { main: 'electron/main.ts' },
      outdir: ELECTRON_OUT,
      outExtension: { '.js': '.cjs' },
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      external: ['electron'],
      define: { __FANOUT_CSP__: JSON.stringify(CONTENT_SECURITY_POLICY) },
    }),
    // platform browser: a Node built-in pulled into a preload fails the build instead of failing at run time.
    esbuild.build({
      ...common,
      entryPoints: { preload: 'electron/preload.ts', 'engine-preload': 'electron/engine-preload.ts' },
      outdir: ELECTRON_OUT,
      outExtension: { '.js': '.cjs' },
      platform: 'browser',
      format: 'cjs',
      target: ['chrome130'],
      external: ['electron'],
    }),
    esbuild.build({
      ...common,
      entryPoints: { 'engine-page': 'electron/engine-page/engine-page.ts' },
      outdir: join(ELECTRON_OUT, 'engine'),
      platform: 'browser',
      format: 'esm',
      target: ['es2022', 'chrome130'],
    }),
  ]);

  const html = (await readFile(join(root, 'electron', 'engine-page', 'index.html'), 'utf8')).replace('%CSP%', CONTENT_SECURITY_POLICY);
  await writeFile(join(ELECTRON_OUT, 'engine', 'index.html'), html);
  return ELECTRON_OUT;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  try {
    await buildElectron();
  } catch (e) {
    console.error(`build-electron failed: ${e.message}`);
    process.exit(1);
  }
  console.log(`dist/electron built in ${Date.now() - started} ms`);
}
