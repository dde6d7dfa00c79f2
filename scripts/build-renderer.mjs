// Builds the renderer (the app's UI) into dist/renderer/: index.html, app.js + app.css (React, Monaco,
// the app), Monaco's editor and TypeScript workers, the parse worker (TypeScript compiler, loaded only
// for "parses first"), and fonts. Everything is local files: no CDN, no inline script, no eval, so the
// page runs under the strict Content-Security-Policy written into index.html.
//
//   node scripts/build-renderer.mjs            production build (minified)
//   node scripts/build-renderer.mjs --dev      unminified, with source maps
import * as esbuild from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'renderer');
const dev = process.argv.includes('--dev');

// What the page may do. Monaco injects <style> elements (hence 'unsafe-inline' for styles only);
// workers are same-origin files; the engine is reached over a same-origin WebSocket or a MessagePort.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

export async function buildRenderer({ minify = !dev } = {}) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      app: 'renderer/main.tsx',
      'editor.worker': 'monaco-editor/editor/editor.worker.js',
      'ts.worker': 'monaco-editor/language/typescript/ts.worker.js',
      'parse.worker': 'renderer/parse.worker.ts',
    },
    outdir,
    bundle: true,
    // ESM everywhere: the workers are started as module workers.
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome120'],
    jsx: 'automatic',
    minify,
    sourcemap: dev ? 'linked' : false,
    legalComments: 'linked',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    assetNames: 'assets/[name]-[hash]',
    define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
    // The TypeScript compiler (parse worker) requires these only when it detects Node; in a worker the
    // calls are never reached, so they stay unresolved instead of pulling in polyfills.
    external: ['fs', 'path', 'os', 'crypto', 'inspector', 'perf_hooks', 'source-map-support'],
    logLevel: 'warning',
    metafile: true,
  });

  const html = (await readFile(join(root, 'renderer', 'index.html'), 'utf8')).replace('%CSP%', CONTENT_SECURITY_POLICY);
  await writeFile(join(outdir, 'index.html'), html);
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const { metafile } = await buildRenderer();
  const sizes = Object.entries(metafile.outputs)
    .filter(([file]) => /\.(js|css)$/.test(file))
    .map(([file, o]) => `  ${file.replace(/^dist\/renderer\//, '')}  ${(o.bytes / 1024 / 1024).toFixed(2)} MiB`);
  console.log(`dist/renderer built in ${Date.now() - started} ms\n${sizes.join('\n')}`);
}
