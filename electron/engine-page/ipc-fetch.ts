// fetch() for the engine page's remote backend, made of EngineHostApi.remoteFetch: the main process makes
// the HTTP request (electron/remote-fetch.ts) and streams the response back as events; this turns them
// into a Response whose body is a stream, so engine/remote/openai-remote.ts reads server-sent events as
// they arrive, exactly as with the browser's fetch. Aborting the signal (or cancelling the body) cancels
// the request in the main process. Only what the remote backend sends is supported: a string URL, GET or
// POST, a record of headers, a string body.
import type { EngineHostApi, RemoteFetchEvent, RemoteFetchRequest } from '../../protocol/engine-window.ts';

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function ipcFetch(remoteFetch: EngineHostApi['remoteFetch']): typeof fetch {
  let nextRid = 1;
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = (init?.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'POST') return reject(new TypeError(`ipcFetch: ${method} is not supported`));
      if (init?.body !== undefined && init.body !== null && typeof init.body !== 'string') return reject(new TypeError('ipcFetch: the body must be a string'));
      const given = new Headers(init?.headers);
      const headers: RemoteFetchRequest['headers'] = {};
      if (given.get('content-type') === 'application/json') headers['Content-Type'] = 'application/json';
      const auth = given.get('authorization');
      if (auth) headers.Authorization = auth;
      const signal = init?.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);

      const rid = nextRid++;
      let body: ReadableStreamDefaultController<Uint8Array> | undefined;
      let headSeen = false;
      let ended = false;
      const stream = new ReadableStream<Uint8Array>({
        start: (c) => void (body = c),
        cancel: () => stop(),
      });
      const fail = (err: unknown) => {
        if (ended) return;
        ended = true;
        if (headSeen) body?.error(err);
        else reject(err);
      };
      const onEvent = (ev: RemoteFetchEvent) => {
        if (ended || ev.rid !== rid) return;
        switch (ev.type) {
          case 'head':
            if (ev.status < 200 || ev.status > 599) return fail(new TypeError(`the server answered with status ${ev.status}`));
            headSeen = true;
            resolve(new Response(NULL_BODY.has(ev.status) ? null : stream, { status: ev.status, statusText: ev.statusText, headers: ev.contentType ? { 'content-type': ev.contentType } : {} }));
            return;
          case 'chunk':
            body?.enqueue(ev.bytes);
            return;
          case 'end':
            ended = true;
            if (headSeen) body?.close();
            else reject(new TypeError('the response ended before its head'));
            return;
          case 'error':
            return fail(new TypeError(ev.message));
        }
      };
      const cancel = remoteFetch({ rid, url, method, headers, ...(typeof init?.body === 'string' ? { body: init.body } : {}) }, onEvent);
      const stop = () => {
        if (ended) return;
        ended = true;
        cancel();
      };
      signal?.addEventListener(
        'abort',
        () => {
          const wasEnded = ended;
          stop();
          if (wasEnded) return;
          if (headSeen) body?.error(signal.reason);
          else reject(signal.reason);
        },
        { once: true },
      );
    });
}
