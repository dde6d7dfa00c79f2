// Web worker for the "parses first" re-rank: parses prefix+candidate+suffix with the TypeScript
// compiler off the UI thread. Bundled on its own (dist/renderer/parse.worker.js) and started only when
// that mode is first selected, so the compiler (several MB) is never loaded otherwise.
import ts from 'typescript';
import { addsSyntaxErrors, type SyntaxCheckRequest } from './syntax-check.ts';

export interface ParseWorkerRequest extends SyntaxCheckRequest {
  seq: number;
}
export type ParseWorkerReply =
  | { seq: number; ok: true; results: [string, boolean][] }
  | { seq: number; ok: false; message: string };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ParseWorkerRequest>) => void) | null;
  postMessage(msg: ParseWorkerReply): void;
};

scope.onmessage = (e) => {
  const { seq, ...req } = e.data;
  try {
    scope.postMessage({ seq, ok: true, results: [...addsSyntaxErrors(ts, req)] });
  } catch (err) {
    scope.postMessage({ seq, ok: false, message: err instanceof Error ? err.message : String(err) });
  }
};
