// `fanout serve`: the local engine behind an OpenAI-compatible HTTP API, so other editors and tools (and
// Fanout's own Remote backend) can use it. An adapter around HostSession (engine/host/session.ts): each
// HTTP request is one connection of the session, so requests queue FIFO behind the one GPU (at most 16
// waiting, then 429), and a client that disconnects closes its connection, which cancels its request.
//
// Routes: POST /v1/completions (protocol/openai.ts maps the fields), GET /v1/models, GET /health.
// Security: binds 127.0.0.1 unless told otherwise; any other address needs an API key (clients send
// `Authorization: Bearer KEY`; /health stays open). On loopback without a key, the Host header must name
// the loopback address and POST bodies must be application/json, so a web page the user visits cannot
// drive the engine (no DNS rebinding, no "simple" cross-origin POST). No CORS headers unless an origin
// is configured. Node only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { GenerateEvent, ModelInfo } from '../../protocol/engine.ts';
import { HostSession, type HostSessionOptions } from './session.ts';
import type { ErrorCode, HostEvent, ModelRef } from '../../protocol/host.ts';
import { ApiError, ChoiceBuilder, finishReason, toGenerateRequest } from '../../protocol/openai.ts';

export interface ServeOptions {
  session: HostSessionOptions;
  /** Loaded before the server listens. */
  model: ModelRef;
  /** 0 = any free port. */
  port: number;
  /** Address to bind (default 127.0.0.1). Anything but loopback needs `apiKey`. */
  host?: string;
  /** Required as `Authorization: Bearer KEY` on /v1/* when set. */
  apiKey?: string;
  /** Sends CORS headers for this origin (e.g. http://localhost:5173); none by default. */
  corsOrigin?: string;
  /** Largest request body, bytes (default 8 MiB). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface Server {
  /** http://HOST:PORT/v1 (what an OpenAI client takes as its base URL) */
  baseUrl: string;
  port: number;
  session: HostSession;
  model: ModelInfo;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The HTTP status of a host error code. */
function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'bad-message':
      return 400;
    case 'queue-full':
      return 429;
    case 'no-model':
    case 'busy':
    case 'no-gpu':
      return 503;
    default:
      return 500;
  }
}

function apiErrorOf(code: ErrorCode, message: string, hint: string): ApiError {
  const status = statusOf(code);
  const type = status === 400 ? 'invalid_request_error' : status === 429 ? 'rate_limit_error' : status === 503 ? 'service_unavailable' : 'server_error';
  return new ApiError(status, `${message} ${hint}`.trim(), type, null, code);
}

/** Loads `ref` on a connection of `session`; resolves with the model or rejects with the host's error. */
function load(session: HostSession, ref: ModelRef): Promise<ModelInfo> {
  return new Promise((resolve, reject) => {
    const conn = session.connect((batch: HostEvent[]) => {
      for (const ev of batch) {
        if (ev.type === 'loaded') {
          resolve(ev.model);
          conn.close();
        } else if (ev.type === 'error') {
          reject(new Error(`${ev.message} ${ev.hint}`.trim()));
          conn.close();
        }
      }
    });
    void conn.receive({ type: 'load', id: 'serve-load', model: ref });
  });
}

export async function startServe(opts: ServeOptions): Promise<Server> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = LOOPBACK.has(host);
  const log = opts.log ?? (() => {});
  if (!loopback && !opts.apiKey) {
    throw new Error(`--host ${host} makes the engine reachable from other machines: give an API key with --api-key-file FILE (clients send Authorization: Bearer KEY), or leave --host out to serve on 127.0.0.1 only.`);
  }
  if (opts.apiKey !== undefined && !/^[\x21-\x7e]{16,512}$/.test(opts.apiKey)) {
    throw new Error('the API key must be 16 to 512 printable ASCII characters without spaces (the first line of the --api-key-file).');
  }
  const keyBytes = opts.apiKey ? Buffer.from(opts.apiKey) : undefined;
  const maxBody = opts.maxBodyBytes ?? 8 << 20;
  const session = new HostSession(opts.session);
  let model: ModelInfo;
  try {
    model = await load(session, opts.model);
  } catch (e) {
    await session.close();
    throw e;
  }
  const created = Math.floor(Date.now() / 1000);
  let port = opts.port;
  const open = new Set<ServerResponse>();

  const authorized = (req: IncomingMessage): boolean => {
    if (!keyBytes) return true;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const b = Buffer.from(m[1]);
    return b.length === keyBytes.length && timingSafeEqual(b, keyBytes);
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...cors() });
    res.end(text);
  };
  const cors = (): Record<string, string> => (opts.corsOrigin ? { 'Access-Control-Allow-Origin': opts.corsOrigin, Vary: 'Origin' } : {});
  const fail = (res: ServerResponse, e: unknown) => {
    const err = e instanceof ApiError ? e : new ApiError(500, `internal error: ${(e as Error).message ?? String(e)}`, 'server_error');
    if (!(e instanceof ApiError)) log(`internal error: ${(e as Error).stack ?? String(e)}`);
    send(res, err.status, err.body());
  };

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    handle(req, res).catch((e) => fail(res, e));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '') || '/';
    if (loopback && !keyBytes) {
      const h = (req.headers.host ?? '').toLowerCase();
      if (![`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(h)) {
        throw new ApiError(403, `Host ${JSON.stringify(req.headers.host ?? '')} is not this server: use http://127.0.0.1:${port}/v1.`, 'invalid_request_error');
      }
    }
    if (req.method === 'OPTIONS' && opts.corsOrigin) {
      res.writeHead(204, { ...cors(), 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    if (path === '/health') {
      if (req.method !== 'GET') throw new ApiError(405, 'GET /health', 'invalid_request_error');
      const m = session.model;
      return send(res, m ? 200 : 503, { status: m ? 'ok' : 'no-model', model: m?.name ?? null, queued: session.state.queued, generating: session.state.generating });
    }
    if (!path.startsWith('/v1/')) throw new ApiError(404, `No route ${path}: the API is under /v1 (POST /v1/completions, GET /v1/models).`, 'not_found_error');
    if (!authorized(req)) throw new ApiError(401, 'Missing or wrong API key: send Authorization: Bearer KEY (the key in the server\'s --api-key-file).', 'authentication_error', null, 'invalid_api_key');
    if (path === '/v1/models') {
      if (req.method !== 'GET') throw new ApiError(405, 'GET /v1/models', 'invalid_request_error');
      const m = session.model ?? model;
      return send(res, 200, { object: 'list', data: [{ id: m.name, object: 'model', created, owned_by: 'fanout', max_model_len: m.contextLength, fim: m.fim }] });
    }
    if (path === '/v1/completions') {
      if (req.method !== 'POST') throw new ApiError(405, 'POST /v1/completions with a JSON body', 'invalid_request_error');
      return completions(req, res);
    }
    if (path === '/v1/chat/completions') throw new ApiError(404, 'Chat completions are not served: Fanout serves code-completion models; use POST /v1/completions.', 'not_found_error');
    throw new ApiError(404, `No route ${path}: use POST /v1/completions or GET /v1/models.`, 'not_found_error');
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new ApiError(415, `Content-Type ${JSON.stringify(type)}: send the request body as application/json.`, 'invalid_request_error');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > maxBody) throw new ApiError(413, `The request body is larger than ${maxBody >> 20} MiB: send a shorter prompt.`, 'invalid_request_error');
      chunks.push(c);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      throw new ApiError(400, `The body is not JSON: ${(e as Error).message}`, 'invalid_request_error');
    }
  }

  async function completions(req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    const m = session.model;
    if (!m) throw new ApiError(503, 'No model is loaded (a load failed or the device was lost): restart fanout serve.', 'service_unavailable');
    const { request, logprobs, stream, includeUsage } = toGenerateRequest(body, () => randomInt(0, 2 ** 31));
    const asked = (body as { model?: unknown }).model;
    if (typeof asked === 'string' && asked !== '' && asked !== m.name) {
      throw new ApiError(404, `The model ${JSON.stringify(asked)} is not served here; this server serves ${JSON.stringify(m.name)} (GET /v1/models).`, 'not_found_error', 'model', 'model_not_found');
    }
    if (request.suffix && !m.fim) throw new ApiError(400, `suffix: ${m.name} has no fill-in-the-middle tokens; leave suffix out.`, 'invalid_request_error', 'suffix', 'unsupported_value');

    const id = `cmpl-${randomBytes(12).toString('hex')}`;
    const choices = Array.from({ length: request.n }, () => new ChoiceBuilder());
    let promptTokens = 0;
    let ended = false;
    const head = () => ({ id, object: 'text_completion', created: Math.floor(Date.now() / 1000), model: m.name });
    const usage = () => {
      const completion = choices.reduce((a, c) => a + c.tokens, 0);
      return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
    };
    // Stream headers go out with the first chunk, so an error before the request runs (a full queue) is
    // still an HTTP status.
    const sse = (data: unknown) => {
      if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', ...cors() });
      res.write(`data: ${JSON.stringify(data)}\n\n`);
    };

    await new Promise<void>((resolve) => {
      const finishWith = (fn: () => void) => {
        if (ended) return;
        ended = true;
        fn();
        conn.close();
        resolve();
      };
      const onEvent = (ev: GenerateEvent) => {
        if (ev.type === 'start') {
          promptTokens = ev.promptTokens;
        } else if (ev.type === 'token') {
          const c = choices[ev.sample];
          const piece = c.add(ev);
          if (stream && (piece.text !== '' || piece.logprob !== null)) {
            const lp = logprobs && piece.logprob !== null ? { tokens: [piece.text], token_logprobs: [piece.logprob], top_logprobs: null, text_offset: [c.text.length - piece.text.length] } : null;
            sse({ ...head(), choices: [{ index: ev.sample, text: piece.text, logprobs: lp, finish_reason: null }] });
          }
        } else if (ev.type === 'finish') {
          const c = choices[ev.sample];
          c.finish = finishReason(ev.reason);
          if (stream) sse({ ...head(), choices: [{ index: ev.sample, text: '', logprobs: null, finish_reason: c.finish }] });
        } else if (ev.type === 'done') {
          finishWith(() => {
            if (stream) {
              if (includeUsage) sse({ ...head(), choices: [], usage: usage() });
              if (!res.headersSent) sse({ ...head(), choices: [] });
              res.end('data: [DONE]\n\n');
            } else {
              send(res, 200, {
                ...head(),
                choices: choices.map((c, index) => ({ index, text: c.text, logprobs: logprobs ? c.lp : null, finish_reason: c.finish ?? 'stop' })),
                usage: usage(),
              });
            }
          });
        }
      };
      const conn = session.connect((batch) => {
        for (const ev of batch) {
          if (ended) return;
          if (ev.type === 'event' && ev.id === id) onEvent(ev.event);
          else if (ev.type === 'error' && (ev.id === id || ev.id === null)) {
            const err = apiErrorOf(ev.code, ev.message, ev.hint);
            finishWith(() => {
              if (!res.headersSent) send(res, err.status, err.body());
              else res.end(`data: ${JSON.stringify(err.body())}\n\ndata: [DONE]\n\n`);
            });
          }
        }
      });
      // The client went away before the answer was complete: closing the connection cancels the request
      // (running: it stops within one decode step; waiting: it leaves the queue).
      res.on('close', () => {
        if (!ended) {
          ended = true;
          conn.close();
          resolve();
        }
      });
      void conn.receive({ type: 'generate', id, request });
    });
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} is in use: pick another with --port P (0 = any free port)`) : e),
    );
    server.listen(opts.port, host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${urlHost}:${port}/v1`;
  log(`listening on ${baseUrl}`);
  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    port,
    session,
    model,
    close() {
      closing ??= (async () => {
        for (const res of open) res.destroy();
        await session.close();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
