// Lets tsx load .wgsl files as string modules, as vitest and esbuild do (the engine imports its shaders).
// A script imports this first, statically, and then the engine with dynamic `await import(...)`, which
// runs after the hook is registered.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { readFile } from 'node:fs/promises';
export async function load(url, context, next) {
  if (url.endsWith('.wgsl')) return { format: 'module', shortCircuit: true, source: 'export default ' + JSON.stringify(await readFile(new URL(url), 'utf8')) + ';' };
  return next(url, context);
}`),
);
