// The worker side of WorkerTokenizer (worker-tokenizer.ts): builds the model's tokenizer from the
// tokenizer.json it is started with, then answers plan and encode messages one at a time. It runs in a
// worker thread so that a tokenizer regex that backtracks without end stalls only this thread, which the
// host stops at its time budget. Bundled to dist/tokenize-worker.mjs (scripts/web.mjs); from source,
// tokenize-worker.mjs loads this file through tsx.
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer } from '../tokenizer/tokenizer.ts';
import { planPrompt } from '../prompt-plan.ts';
import type { TokenizeReply, TokenizeCall } from './worker-tokenizer.ts';

const port = parentPort!;
const reply = (m: TokenizeReply) => port.postMessage(m);

let tok: Tokenizer | undefined;
try {
  tok = Tokenizer.fromJSON((workerData as { json: unknown }).json);
  reply({ type: 'ready' });
} catch (e) {
  reply({ type: 'failed', message: (e as Error).message });
}

port.on('message', (m: TokenizeCall) => {
  if (!tok) return;
  try {
    const value = m.kind === 'plan' ? planPrompt(tok, m.input, m.contextLimit, m.reserve) : m.texts.map((t) => tok!.encode(t, { specials: false }));
    reply({ type: 'result', id: m.id, value });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply({ type: 'thrown', id: m.id, name: err.name, message: err.message });
  }
});
