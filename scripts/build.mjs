// Bundles the CLI (engine/host/cli.ts and everything it imports, shaders included as text) into
// dist/fanout.mjs, which bin/fanout.mjs runs. Run by `npm run build` and by `prepare` on npm ci;
// bin/fanout.mjs also calls build() when the bundle is missing.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the bundle to `outfile` (default dist/fanout.mjs) and returns its path. */
export async function build({ quiet = false, outfile = join(root, 'dist', 'fanout.mjs') } = {}) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, 'engine', 'host', 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // dawn.node is a native addon: loaded from node_modules at run time, never bundled.
    external: ['webgpu'],
    loader: { '.wgsl': 'text' },
    // CommonJS dependencies bundled into ESM call require() for Node built-ins; give them one.
    banner: { js: "import { createRequire as __fanoutCreateRequire } from 'node:module'; const require = __fanoutCreateRequire(import.meta.url);" },
    logLevel: quiet ? 'error' : 'info',
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await build();
  } catch (e) {
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  }
}
