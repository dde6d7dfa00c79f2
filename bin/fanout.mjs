#!/usr/bin/env node
// The `fanout` command (npm bin). Runs the bundled CLI, dist/fanout.mjs; right after a clone, before
// `npm ci` has run the build, it builds the bundle first.
// The commands that open the GPU run with Dawn's limit warnings filtered from stderr (bin/dawn-stderr.mjs);
// --verbose shows them.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exit, exitWithParent, isFilteredChild, runFiltered } from './dawn-stderr.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'fanout.mjs');

/** Commands that acquire the GPU, and so make Dawn print its limit warnings. */
const GPU_COMMANDS = new Set(['complete', 'score', 'bench', 'eval', 'serve']);

if (!existsSync(bundle)) {
  try {
    const { build } = await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href);
    await build({ quiet: true });
  } catch (e) {
    process.stderr.write(`fanout: error: dist/fanout.mjs is missing and building it failed (${e.message.split('\n')[0]}); run npm ci in ${root}.\n`);
    process.exit(2);
  }
}

const args = process.argv.slice(2);
// The only global option is --verbose (a flag), so the command is the first argument not starting with "-".
const command = args.find((a) => !a.startsWith('-'));
const filter = !isFilteredChild() && GPU_COMMANDS.has(command) && !args.includes('--verbose');

// serve is a server that reads no stdin: its own process group, every signal passed on once (dawn-stderr.mjs).
if (filter) await runFiltered(fileURLToPath(import.meta.url), args, 'fanout', { ownGroup: command === 'serve' });
exitWithParent();

const { main } = await import(pathToFileURL(bundle).href);
const code = await main(process.argv);
await exit(code);
