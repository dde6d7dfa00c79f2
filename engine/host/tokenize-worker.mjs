// Runs tokenize-worker.ts from source (tests, tsx): registers tsx's loader in this worker thread first.
// The built CLI and web host use dist/tokenize-worker.mjs, the bundled worker, instead of this file.
import { register } from 'tsx/esm/api';

register();
await import('./tokenize-worker.ts');
