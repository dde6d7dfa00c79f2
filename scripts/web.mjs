#!/usr/bin/env node
// `npm run web [-- --port P] [--model DIR] [--storage f32] [--no-preload] [--engine-test-page] [--verbose]`:
// the Fanout app in a browser. Builds what is missing or stale, then runs the web host:
//   dist/renderer/      the app (scripts/build-renderer.mjs), rebuilt when renderer/ sources are newer
//   dist/web.mjs        engine/host/web-cli.ts bundled for Node (shaders as text), rebuilt when engine/ is newer
//   dist/tokenize-worker.mjs   the tokenizer worker it starts (engine/host/tokenize-worker.ts), rebuilt likewise
//   dist/engine-test/   with --engine-test-page: engine/host/engine-test-page.ts bundled for the browser
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** Newest mtime of the files under `dir` matching `re` (0 when none). */
function newest(dir, re) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, re));
    else if (re.test(e.name) && !/\.test\.tsx?$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : 0);
const SRC = /\.(ts|tsx|mjs|wgsl|css|html)$/;

async function esbuild() {
  return import('esbuild');
}

/** Builds to a private file and renames it into place, so a concurrent start never runs half a file. */
async function bundle(options, outfile) {
  mkdirSync(dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.tmp`;
  const { build } = await esbuild();
  await build({ ...options, outfile: tmp, bundle: true, format: 'esm', logLevel: 'error', loader: { '.wgsl': 'text' } });
  renameSync(tmp, outfile);
}

export async function buildWeb({ engineTestPage = false } = {}) {
  const engineSources = Math.max(newest(join(root, 'engine'), SRC), newest(join(root, 'shaders'), SRC), mtime(fileURLToPath(import.meta.url)));

  const rendererOut = join(dist, 'renderer', 'index.html');
  if (mtime(rendererOut) < Math.max(newest(join(root, 'renderer'), SRC), newest(join(root, 'engine', 'host'), /^protocol\.ts$/), mtime(join(root, 'scripts', 'build-renderer.mjs')))) {
    process.stderr.write('fanout web: building the app (dist/renderer)…\n');
    const { buildRenderer } = await import(pathToFileURL(join(root, 'scripts', 'build-renderer.mjs')).href);
    await buildRenderer();
  }

  const workerOut = join(dist, 'tokenize-worker.mjs');
  if (mtime(workerOut) < engineSources) {
    await bundle({ entryPoints: [join(root, 'engine', 'host', 'tokenize-worker.ts')], platform: 'node', target: 'node20' }, workerOut);
  }

  const webOut = join(dist, 'web.mjs');
  if (mtime(webOut) < engineSources) {
    await bundle(
      {
        entryPoints: [join(root, 'engine', 'host', 'web-cli.ts')],
        platform: 'node',
        target: 'node20',
        // dawn.node is a native addon; ws has optional native add-ons: both load from node_modules.
        external: ['webgpu', 'ws'],
        banner: { js: "import { createRequire as __fanoutCreateRequire } from 'node:module'; const require = __fanoutCreateRequire(import.meta.url);" },
      },
      webOut,
    );
  }

  if (engineTestPage) {
    const pageOut = join(dist, 'engine-test', 'engine-test.js');
    if (mtime(pageOut) < engineSources) {
      // platform browser: a node:* import anywhere in the engine or the session fails this build.
      await bundle({ entryPoints: [join(root, 'engine', 'host', 'engine-test-page.ts')], platform: 'browser', target: ['es2022', 'chrome120'] }, pageOut);
    }
    writeFileSync(
      join(dist, 'engine-test', 'engine-test.html'),
      '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <title>Fanout engine test</title>\n' +
        '    <script type="module" src="engine-test.js"></script>\n  </head>\n  <body>\n    <p>Engine page: <span id="status">loading</span></p>\n  </body>\n</html>\n',
    );
  }
  return webOut;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let webOut;
  try {
    webOut = await buildWeb({ engineTestPage: process.argv.includes('--engine-test-page') });
  } catch (e) {
    process.stderr.write(`fanout web: error: building failed (${String(e.message).split('\n')[0]}); run npm ci in ${root}.\n`);
    process.exit(2);
  }
  // Dawn's limit warnings are filtered from stderr unless --verbose (bin/dawn-stderr.mjs).
  const { exitWithParent, isFilteredChild, runFiltered } = await import(pathToFileURL(join(root, 'bin', 'dawn-stderr.mjs')).href);
  if (!isFilteredChild() && !process.argv.includes('--verbose')) await runFiltered(fileURLToPath(import.meta.url), process.argv.slice(2), 'fanout web', { ownGroup: true });
  exitWithParent();
  const { main } = await import(pathToFileURL(webOut).href);
  const code = await main(process.argv);
  // dawn.node can keep the event loop alive after the GPU is released.
  await new Promise((r) => process.stdout.write('', r));
  process.exit(code);
}
