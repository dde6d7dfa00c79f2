#!/usr/bin/env node
// The `fanout` command (npm bin). Runs the bundled CLI, dist/fanout.mjs; right after a clone, before
// `npm ci` has run the build, it builds the bundle first.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'fanout.mjs');

if (!existsSync(bundle)) {
  try {
    const { build } = await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href);
    await build({ quiet: true });
  } catch (e) {
    process.stderr.write(`fanout: error: dist/fanout.mjs is missing and building it failed (${e.message.split('\n')[0]}); run npm ci in ${root}.\n`);
    process.exit(2);
  }
}

const { main } = await import(pathToFileURL(bundle).href);
const code = await main(process.argv);
// Exit explicitly: dawn.node can keep the event loop alive after the GPU work is done. Flush first so
// piped output is not cut off.
await new Promise((r) => process.stdout.write('', r));
await new Promise((r) => process.stderr.write('', r));
process.exit(code);
