// The web host: serves the built renderer (dist/renderer/) over HTTP and speaks the host protocol on a
// WebSocket at /ws (one JSON message per frame), with one HostSession (one engine, one GPU) shared by
// all connections. Node only. Listens on 127.0.0.1 only.
//
// Security: the page's Content-Security-Policy (taken from dist/renderer/index.html, where
// scripts/build-renderer.mjs writes it) is also sent as a header on every response. Requests whose Host
// header is not 127.0.0.1:PORT or localhost:PORT are refused (DNS rebinding), and a WebSocket upgrade
// whose Origin is not this host's own origin is refused (other web sites must not drive the engine or
// read local model folders through it). Any local process can reach the port, so /ws also needs this
// launch's secret token (like Jupyter's): the printed URL carries it (`/?token=…`), opening that URL sets
// an HttpOnly SameSite=Strict cookie the page's WebSocket then sends; Node clients pass `?token=` or
// `Authorization: Bearer`. The page itself (/ and /index.html) is served only with the token or cookie,
// so a wrong bookmark gets a page saying where the right address is, not an app that cannot connect.
//
// Routes: GET /            the renderer (index.html and its assets)
//         GET /ws          the protocol WebSocket
//         GET /models/NAME/FILE   files of the bundled model folders (models/), with Range support:
//                          what httpSource needs to load a model in a browser or the Electron engine window
//         GET /engine-test.html, /engine-test.js   only with `engineTestDir`: the in-browser engine page (e2e)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** What /models/ serves: the files a model folder is read from, nothing else (no keys, no dotfiles, no source). */
const MODEL_FILE = /\.(json|safetensors|gguf)$/i;
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HostError, HostSession, type HostSessionOptions } from './session.ts';
import { fileKeyStore } from './remote-keys.ts';
import { ProtocolError, type LocalModelRef } from '../../protocol/host.ts';
import type { ModelSource } from '../model/source.ts';
import { contentType } from './content-type.ts';
import { resolveModelPath } from './model-path.ts';
import { clipMiddle } from '../model/errors.ts';
import { WorkerTokenizer } from './worker-tokenizer.ts';
import { modelPathKind } from './gguf-file.ts';
import { LocalModelFinder } from './local-models.ts';

export interface WebHostOptions {
  /** Port to listen on; 0 = any free port. */
  port: number;
  /** The built renderer (dist/renderer/ with index.html). */
  rendererDir: string;
  /** Folder whose sub-folders are served under /models/ (the package's models/); none when undefined. */
  modelsDir?: string;
  /** Folder with engine-test.html and engine-test.js (the in-browser engine page), served when set. */
  engineTestDir?: string;
  /**
   * The session's GPU factory and options; `source` defaults to nodeModelSource({ baseDir: modelBaseDir }),
   * `localModels` (list-models) to a LocalModelFinder over this machine's Ollama, LM Studio and
   * FANOUT_MODEL_DIRS folders.
   */
  session: Omit<HostSessionOptions, 'source'> & { source?: HostSessionOptions['source'] };
  /** Relative folder paths in load messages resolve against this folder (default: the current directory). */
  modelBaseDir?: string;
  /** Log lines (default: nothing). */
  log?: (line: string) => void;
  /** The launch's secret for /ws and the page (default: 32 random bytes, base64url). Tests may fix it. */
  token?: string;
  /** Most milliseconds one request may spend tokenizing (in a worker, worker-tokenizer.ts); default 10 s. */
  tokenizeBudgetMs?: number;
}

export interface WebHost {
  /** http://127.0.0.1:PORT/ (the page needs the token: open `pageUrl`). */
  url: string;
  /** http://127.0.0.1:PORT/?token=TOKEN: the address to open (and to print). */
  pageUrl: string;
  /** ws://127.0.0.1:PORT/ws?token=TOKEN: the protocol WebSocket for Node clients. */
  wsUrl: string;
  /** This launch's secret. */
  token: string;
  port: number;
  session: HostSession;
  /** Closes the sockets and the server, cancels what runs, frees the GPU. */
  close(): Promise<void>;
}


/** The Content-Security-Policy of the built page (its meta tag), sent as a header too. */
export async function pageCsp(rendererDir: string): Promise<string> {
  const index = join(rendererDir, 'index.html');
  let html: string;
  try {
    html = await readFile(index, 'utf8');
  } catch {
    throw new Error(`${index} is missing: build the renderer with npm run build:renderer.`);
  }
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  if (!m || m[1].includes('%CSP%')) throw new Error(`${index} has no Content-Security-Policy meta tag: rebuild the renderer with npm run build:renderer.`);
  return m[1];
}

/**
 * Model sources for Node: `dir` → the folder or GGUF file (`~/` is the home folder, `home` in tests;
 * relative paths resolve against `baseDir`; a file is GGUF by its .gguf name or, like Ollama's blobs,
 * by its first bytes), `url` → HTTP with Range requests, `synthetic` → refused (random weights have no
 * tokenizer to generate text with).
 */
export function nodeModelSource(opts: { baseDir: string; home?: string }): (ref: LocalModelRef) => Promise<ModelSource> {
  return async (ref) => {
    switch (ref.kind) {
      case 'dir': {
        const dir = resolveModelPath(ref.path, opts.baseDir, opts.home);
        const kind = await modelPathKind(dir);
        const where = `Enter the path of a Hugging Face model folder or a .gguf file on the host's machine (relative paths start at ${opts.baseDir}).`;
        if (kind === 'missing' || (kind === 'folder' && /\.gguf$/i.test(dir))) {
          throw new HostError('load-failed', `No such ${/\.gguf$/i.test(dir) ? 'file' : 'folder'} on the host: ${clipMiddle(dir)}.`, where);
        }
        if (kind === 'other-file') throw new HostError('load-failed', `${clipMiddle(dir)} is a file but not a GGUF file (it does not start with "GGUF").`, where);
        const { dirSource } = await import('../model/fs-source.ts');
        // A GGUF file: the source is its folder and `gguf` its name (an Ollama blob has no .gguf extension).
        return kind === 'gguf' ? { ...dirSource(dirname(dir)), gguf: basename(dir) } : dirSource(dir);
      }
      case 'url': {
        const { modelUrlSource } = await import('../model/http-source.ts');
        return modelUrlSource(ref.url);
      }
      case 'synthetic':
        throw new HostError(
          'load-failed',
          `synthetic:${clipMiddle(ref.name, 60)} cannot be loaded here: synthetic models have random weights and no tokenizer, so they cannot complete text.`,
          'Load a model folder (e.g. models/fanout-code-4m). Synthetic models are for timing: fanout bench --model synthetic:tiny.',
        );
    }
  };
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const csp = await pageCsp(opts.rendererDir);
  const log = opts.log ?? (() => {});
  // Requests are tokenized in a worker: a tokenizer.json regex that backtracks without end cannot stall
  // this thread (and with it every client's connection, status and cancel).
  // The engine options object is kept as given (web-cli sets memoryBudget in it once the GPU is known).
  const requestTokenizer = new WorkerTokenizer({ budgetMs: opts.tokenizeBudgetMs });
  const engineOptions = opts.session.engine ?? {};
  const finder = new LocalModelFinder();
  engineOptions.requestTokenizer ??= requestTokenizer;
  const session = new HostSession({
    ...opts.session,
    engine: engineOptions,
    source: opts.session.source ?? nodeModelSource({ baseDir: opts.modelBaseDir ?? process.cwd() }),
    localModels: opts.session.localModels ?? (() => finder.list()),
    remoteKeys: opts.session.remoteKeys ?? fileKeyStore(),
  });
  let port = opts.port;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const token = opts.token ?? randomBytes(32).toString('base64url');
  if (!/^[A-Za-z0-9_-]{16,256}$/.test(token)) throw new Error('the web host token must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -.');
  // Cookies are not kept apart by port: one name per port, so two hosts on one machine do not clash.
  const cookieName = () => `fanout-token-${port}`;
  const tokenBytes = Buffer.from(token);
  const isToken = (t: string | undefined | null) => {
    if (!t) return false;
    const b = Buffer.from(t);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };
  /** Where the request carries the token: ?token=, the cookie, or Authorization: Bearer (null: nowhere valid). */
  const tokenOf = (req: IncomingMessage, query: URLSearchParams): 'query' | 'cookie' | 'header' | null => {
    if (isToken(query.get('token'))) return 'query';
    if (isToken(cookieValue(req.headers.cookie, cookieName()))) return 'cookie';
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (auth && isToken(auth[1])) return 'header';
    return null;
  };

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((e) => {
      log(`http: ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, 'Internal error: ' + (e as Error).message);
      else res.destroy();
    });
  });

  const baseHeaders = (type?: string): Record<string, string> => ({
    // frame-ancestors works only as a header (a meta tag ignores it): no other page may frame this one.
    'Content-Security-Policy': `${csp}; frame-ancestors 'none'`,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
    ...(type ? { 'Content-Type': type } : {}),
  });
  const send = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, baseHeaders('text/plain; charset=utf-8'));
    res.end(text + '\n');
  };

  async function handleHttp(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      send(res, 403, `Forbidden: this host answers only to http://127.0.0.1:${port}/ (Host was ${JSON.stringify(req.headers.host ?? '')}).`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, `Method ${req.method} not allowed: this host serves files (GET, HEAD) and the WebSocket at /ws.`);
      return;
    }
    let path: string;
    let query: URLSearchParams;
    try {
      const u = new URL(req.url ?? '/', 'http://x');
      path = decodeURIComponent(u.pathname);
      query = u.searchParams;
    } catch {
      send(res, 400, 'Bad request: the path is not valid percent-encoding.');
      return;
    }
    if (path === '/ws') {
      send(res, 426, 'Upgrade required: /ws is the host protocol WebSocket.');
      return;
    }
    if (path.startsWith('/models/')) {
      if (!opts.modelsDir) return send(res, 404, 'Not found: this host serves no model folders.');
      return serveFile(req, res, opts.modelsDir, path.slice('/models/'.length), true, true);
    }
    if (opts.engineTestDir && (path === '/engine-test.html' || path === '/engine-test.js')) {
      return serveFile(req, res, opts.engineTestDir, path.slice(1), false);
    }
    if (path === '/' || path === '/index.html') {
      const via = tokenOf(req, query);
      if (!via) {
        send(res, 403, `Forbidden: this page needs the address with this launch's key, which the web host printed when it started ("Fanout web host: http://127.0.0.1:${port}/?token=…"). Open that address; a new launch has a new key.`);
        return;
      }
      if (via === 'query') res.setHeader('Set-Cookie', `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`);
      return serveFile(req, res, opts.rendererDir, 'index.html', false);
    }
    return serveFile(req, res, opts.rendererDir, path.slice(1), false);
  }

  /** Serves root/rel (never outside root); `ranges`: answer Range requests with 206. */
  async function serveFile(req: IncomingMessage, res: ServerResponse, root: string, rel: string, ranges: boolean, modelFiles = false) {
    const base = resolve(root);
    const file = resolve(base, rel);
    if (rel.includes('\0') || (file !== base && !file.startsWith(base + sep))) return send(res, 404, 'Not found.');
    if (modelFiles) {
      // Model files only, never a dotfile, and never through a symlink that leads out of the folder.
      if (!MODEL_FILE.test(file) || relative(base, file).split(sep).some((p) => p.startsWith('.'))) return send(res, 404, 'Not found.');
      try {
        const [realBase, real] = await Promise.all([realpath(base), realpath(file)]);
        if (!real.startsWith(realBase + sep)) return send(res, 404, 'Not found.');
      } catch {
        return send(res, 404, 'Not found.');
      }
    }
    let size: number;
    try {
      const s = await stat(file);
      if (!s.isFile()) return send(res, 404, `Not found: ${rel}.`);
      size = s.size;
    } catch {
      return send(res, 404, `Not found: ${rel}.`);
    }
    const headers = baseHeaders(contentType(file));
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = ranges ? req.headers.range : undefined;
    if (ranges) headers['Accept-Ranges'] = 'bytes';
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === '' && m[2] === '')) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      if (m[1] === '') {
        start = Math.max(0, size - Number(m[2]));
      } else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(Number(m[2]), size - 1);
      }
      if (start >= size || start > end) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = String(Math.max(0, end - start + 1));
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    const fh = await open(file, 'r');
    try {
      const stream = fh.createReadStream({ start, end, autoClose: false });
      await new Promise<void>((ok, fail) => {
        stream.on('error', fail);
        res.on('close', ok);
        stream.pipe(res);
      });
    } finally {
      await fh.close();
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 << 20 });
  const sockets = new Set<WebSocket>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, why: string) => {
      log(`ws: refused ${req.headers.origin ?? '(no origin)'}: ${why}`);
      socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
    };
    const u = new URL(req.url ?? '/', 'http://x');
    const path = u.pathname;
    if (path !== '/ws') return refuse(404, `no WebSocket at ${path}; use /ws`);
    const host = req.headers.host ?? '';
    if (!allowedHosts().has(host)) return refuse(403, `Host ${JSON.stringify(host)} is not this host (127.0.0.1:${port})`);
    const origin = req.headers.origin;
    if (origin !== undefined && originHost(origin) !== host) {
      return refuse(403, `Origin ${origin} may not use this host; open http://127.0.0.1:${port}/ instead`);
    }
    if (!tokenOf(req, u.searchParams)) {
      return refuse(403, `/ws needs this launch's token: open the address the web host printed (http://127.0.0.1:${port}/?token=…), or connect to /ws?token=… (or send Authorization: Bearer …)`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
  });

  function onSocket(ws: WebSocket) {
    sockets.add(ws);
    const conn = session.connect((batch) => {
      if (ws.readyState !== ws.OPEN) throw new Error('socket closed');
      for (const ev of batch) ws.send(JSON.stringify(ev));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        conn.reject(new ProtocolError(['(message): binary frames are not accepted; send each message as a JSON text frame']));
        return;
      }
      void conn.receiveFrame(data.toString());
    });
    ws.on('close', () => {
      sockets.delete(ws);
      conn.close();
    });
    ws.on('error', (e) => log(`ws: ${e.message}`));
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} is in use: pick another with --port P (0 = any free port)`) : e),
    );
    server.listen(opts.port, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  log(`listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    pageUrl: `${url}?token=${token}`,
    wsUrl: `ws://127.0.0.1:${port}/ws?token=${token}`,
    token,
    port,
    session,
    close() {
      closing ??= (async () => {
        for (const ws of sockets) ws.close(1001, 'the host is shutting down');
        wss.close();
        await session.close();
        requestTokenizer.close();
        await new Promise<void>((ok) => {
          server.close(() => ok());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** The value of cookie `name` in a Cookie header (undefined when absent). */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** "host:port" of an Origin header ("" when it is not a URL, e.g. "null"). */
function originHost(origin: string): string {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:') return '';
    return u.host;
  } catch {
    return '';
  }
}
