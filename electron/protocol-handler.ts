// The fanout:// protocol as a pure function of the request: which file (and which byte range) answers it,
// with which status and headers. electron/protocol.ts turns the answer into a Response (streamed from
// the file) inside Electron; the tests call resolveRequest directly.
//
//   fanout://app/…                      dist/renderer (the editor page, its scripts, workers, fonts)
//   fanout://engine/index.html, …       dist/electron/engine (the engine page)
//   fanout://engine/models/<id>/<file>  a registered model folder's files, with Range support (the
//                                       engine's httpSource reads weights in byte ranges)
//   fanout://engine/models/<id>/<name>  a registered GGUF file, by its one name, with Range support
//
// Only GET and HEAD. Paths never leave their root (no "..", no encoded separators, no NUL, no dotfiles);
// models are served only when registered (the main process registers a folder or a GGUF file when the
// engine loads it): a folder's top-level *.json and *.safetensors files only, a GGUF file under the one
// name it was registered with and no other path. Model files are for the engine page only: a request
// whose Origin is another page is refused.
import { createReadStream } from 'node:fs';
import { stat as fsStat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { APP_HOST, ENGINE_HOST, SCHEME } from './shared.ts';
import { contentType } from '../engine/host/content-type.ts';

/** The parts of a fetch Request the handler reads. */
export interface ProtocolRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null };
}

export interface ProtocolContext {
  /** dist/renderer */
  appDir: string;
  /** dist/electron/engine */
  engineDir: string;
  /** The registered model folders by id. */
  modelDir(id: string): string | undefined;
  /** The registered GGUF files by id: the file and the one name it is served by. */
  modelFile?(id: string): { path: string; name: string } | undefined;
  /** The Content-Security-Policy sent with every response. */
  csp: string;
}

export type ProtocolBody = { kind: 'file'; path: string; start: number; end: number } | { kind: 'text'; text: string };

export interface ProtocolReply {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD, 416 and empty files. `end` is inclusive. */
  body?: ProtocolBody;
}

export type StatFn = (path: string) => Promise<{ isFile(): boolean; size: number }>;


/** A file a model folder may serve: top-level, not hidden, *.json or *.safetensors. */
export function isModelFile(name: string): boolean {
  return /^[^./\\][^/\\]*\.(json|safetensors)$/i.test(name) && !name.includes('\0');
}

/**
 * `rel` (already percent-decoded, '/'-separated) inside `root`, or null when it would leave the root or
 * names something we never serve (empty segments, '.', '..', backslashes, NUL, dotfiles).
 */
export function safeJoin(root: string, rel: string): string | null {
  if (rel === '' || rel.includes('\0') || rel.includes('\\')) return null;
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p.startsWith('.'))) return null;
  const base = resolve(root);
  const full = resolve(base, ...parts);
  const r = relative(base, full);
  if (r === '' || r.startsWith('..') || isAbsolute(r) || r.split(sep).includes('..')) return null;
  return full;
}

/**
 * A Range header against a file of `size` bytes: the inclusive byte range to send, 'unsatisfiable'
 * (answer 416), or null (no or unusable header: send the whole file). One range only; multi-range
 * requests are answered with the whole file, as RFC 9110 allows.
 */
export function parseRange(header: string | null, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (header === null) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    // Suffix range: the last b bytes.
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return null; // invalid: ignore the header
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Answers one request. Never throws: a bad request gets a 4xx reply. */
export async function resolveRequest(req: ProtocolRequest, ctx: ProtocolContext, stat: StatFn = fsStat): Promise<ProtocolReply> {
  const base: Record<string, string> = {
    'Content-Security-Policy': ctx.csp,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
  const text = (status: number, message: string, extra: Record<string, string> = {}): ProtocolReply => ({
    status,
    headers: { ...base, 'Content-Type': 'text/plain; charset=utf-8', ...extra },
    body: req.method === 'HEAD' ? undefined : { kind: 'text', text: message + '\n' },
  });

  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, `Method ${req.method} not allowed.`, { Allow: 'GET, HEAD' });
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return text(400, 'Bad request: not a URL.');
  }
  if (url.protocol !== `${SCHEME}:`) return text(404, 'Not found.');
  // Percent-encoded separators would let a "segment" hide a path; we never produce them.
  if (/%(2f|5c|00)/i.test(url.pathname)) return text(404, 'Not found.');
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return text(400, 'Bad request: the path is not valid percent-encoding.');
  }

  let file: string | null = null;
  let ranges = false;
  if (url.host === APP_HOST) {
    file = safeJoin(ctx.appDir, path === '/' ? 'index.html' : path.slice(1));
  } else if (url.host === ENGINE_HOST) {
    const m = /^\/models\/([A-Za-z0-9_-]{1,64})\/(.+)$/.exec(path);
    if (m) {
      const origin = req.headers.get('origin');
      if (origin !== null && origin !== `${SCHEME}://${ENGINE_HOST}`) return text(403, 'Forbidden: model files are served to the engine page only.');
      const one = ctx.modelFile?.(m[1]);
      if (one) {
        // A registered GGUF file: that file under its one name, nothing beside it.
        if (m[2] !== one.name) return text(404, `Not found: this model is one GGUF file, ${one.name}.`);
        file = one.path;
      } else {
        const dir = ctx.modelDir(m[1]);
        if (!dir) return text(404, 'Not found: no such model folder is registered.');
        if (!isModelFile(m[2])) return text(404, `Not found: ${m[2]} is not a model file (top-level *.json or *.safetensors).`);
        file = safeJoin(dir, m[2]);
      }
      ranges = true;
    } else if (path.startsWith('/models/')) {
      return text(404, 'Not found.');
    } else {
      file = safeJoin(ctx.engineDir, path === '/' ? 'index.html' : path.slice(1));
    }
  } else {
    return text(404, 'Not found.');
  }
  if (!file) return text(404, 'Not found.');

  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return text(404, `Not found: ${path}.`);
    size = s.size;
  } catch {
    return text(404, `Not found: ${path}.`);
  }

  const headers: Record<string, string> = { ...base, 'Content-Type': contentType(file) };
  if (ranges) headers['Accept-Ranges'] = 'bytes';
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (ranges) {
    const r = parseRange(req.headers.get('range'), size);
    if (r === 'unsatisfiable') return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' } };
    if (r) {
      ({ start, end } = r);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  headers['Content-Length'] = String(Math.max(0, end - start + 1));
  const body: ProtocolBody | undefined = req.method === 'HEAD' || end < start ? undefined : { kind: 'file', path: file, start, end };
  return { status, headers, body };
}

/** The reply as a fetch Response; a file body is streamed from disk (only the requested range). */
export function toResponse(reply: ProtocolReply): Response {
  let body: ConstructorParameters<typeof Response>[0] = null;
  if (reply.body?.kind === 'text') body = reply.body.text;
  else if (reply.body?.kind === 'file') {
    const stream = createReadStream(reply.body.path, { start: reply.body.start, end: reply.body.end });
    body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
  }
  return new Response(body, { status: reply.status, headers: reply.headers });
}
