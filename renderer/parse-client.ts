// Main-thread side of the parse worker: starts it on first use and matches replies to requests.
import type { SyntaxCheckRequest } from './syntax-check.ts';
import type { ParseWorkerReply, ParseWorkerRequest } from './parse.worker.ts';

let worker: Worker | undefined;
let nextSeq = 1;
const pending = new Map<number, { resolve: (m: Map<string, boolean>) => void; reject: (e: Error) => void }>();

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./parse.worker.js', document.baseURI), { type: 'module', name: 'fanout-parse' });
  w.onmessage = (e: MessageEvent<ParseWorkerReply>) => {
    const p = pending.get(e.data.seq);
    if (!p) return;
    pending.delete(e.data.seq);
    if (e.data.ok) p.resolve(new Map(e.data.results));
    else p.reject(new Error(e.data.message));
  };
  w.onerror = (e) => {
    // A worker that fails to load never answers: fail everything waiting and start afresh next time.
    const err = new Error(`the syntax checker failed to start (${e.message || 'parse.worker.js did not load'})`);
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    w.terminate();
    worker = undefined;
  };
  worker = w;
  return w;
}

/** Whether each text adds syntax errors when inserted between prefix and suffix (see syntax-check.ts). */
export function checkSyntax(req: SyntaxCheckRequest): Promise<Map<string, boolean>> {
  const seq = nextSeq++;
  return new Promise((resolve, reject) => {
    pending.set(seq, { resolve, reject });
    const msg: ParseWorkerRequest = { seq, ...req };
    getWorker().postMessage(msg);
  });
}
