// A model folder served over HTTP (the Electron engine window, a browser): files are `${baseUrl}/${file}`;
// weights are fetched with Range requests, so a multi-GB file is never downloaded whole into memory.
import { clipMiddle, ModelError } from './errors.ts';
import { tooLargeText, type ModelSource } from './source.ts';

export function httpSource(baseUrl: string, fetchFn: typeof fetch = (...a) => fetch(...a)): ModelSource {
  const base = baseUrl.replace(/\/+$/, '');
  const url = (file: string) => `${base}/${file.split('/').map(encodeURIComponent).join('/')}`;
  /** The file's URL for a message (a client may send a 2048-character URL). */
  const shown = (file: string) => clipMiddle(url(file));
  const missing = (file: string, status: number) =>
    new ModelError('missing-file', `${shown(file)} returned HTTP ${status}; check that the model folder is served at ${clipMiddle(base)}.`);
  const sizes = new Map<string, number>();
  /** fetch, with a server that cannot be reached as a ModelError (fetch rejects with a bare TypeError, "fetch failed"). */
  const get = async (file: string, init?: RequestInit): Promise<Response> => {
    try {
      return await fetchFn(url(file), init);
    } catch (e) {
      const code = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
      const why = typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : 'the request failed';
      throw new ModelError('missing-file', `${shown(file)} cannot be fetched (${why}); check that the model server runs and serves the model folder there.`);
    }
  };
  /** A response body; the connection dropping half way is a ModelError too. */
  const body = async <T>(file: string, read: Promise<T>): Promise<T> => {
    try {
      return await read;
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError('missing-file', `${shown(file)}: the connection to the model server broke off while reading the file; check the server and load again.`);
    }
  };

  async function size(file: string): Promise<number> {
    const known = sizes.get(file);
    if (known !== undefined) return known;
    // A 1-byte range answers with Content-Range "bytes 0-0/TOTAL" (HEAD may lack Content-Length when compressed).
    const res = await get(file, { headers: { Range: 'bytes=0-0' } });
    if (res.status === 404 || res.status === 410) throw missing(file, res.status);
    let total: number | undefined;
    const range = res.headers.get('content-range');
    if (res.status === 206 && range) {
      const m = /\/(\d+)\s*$/.exec(range);
      if (m) total = Number(m[1]);
    } else if (res.status === 200) {
      const len = res.headers.get('content-length');
      if (len !== null) total = Number(len);
    } else if (res.status === 416) {
      total = 0; // empty file: no byte 0 to return
    }
    await res.body?.cancel();
    if (total === undefined || !Number.isFinite(total)) {
      throw new Error(`${shown(file)}: cannot tell the file size (HTTP ${res.status}, no Content-Range/Content-Length); serve the model folder with a server that supports Range requests.`);
    }
    sizes.set(file, total);
    return total;
  }

  return {
    name: base,
    async exists(file) {
      const res = await get(file, { method: 'HEAD' });
      await res.body?.cancel();
      return res.ok;
    },
    async readText(file, maxBytes) {
      const res = await get(file);
      if (!res.ok) {
        await res.body?.cancel();
        if (res.status === 404 || res.status === 410) throw missing(file, res.status);
        throw new Error(`${shown(file)} returned HTTP ${res.status} ${res.statusText}; check the model server.`);
      }
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        throw new ModelError('too-large', tooLargeText(shown(file), declared, maxBytes));
      }
      // Streamed and counted: a server may send more than it declares (or declare nothing).
      return body(file, readCapped(res, maxBytes, () => new ModelError('too-large', tooLargeText(shown(file), undefined, maxBytes))));
    },
    size,
    async read(file, offset, length) {
      if (length === 0) return new Uint8Array(0);
      const res = await get(file, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
      if (res.status === 404 || res.status === 410) throw missing(file, res.status);
      if (res.status === 416) {
        throw new ModelError('corrupt-safetensors', `${shown(file)} is truncated: bytes ${offset}..${offset + length} lie past its end. Download the file again.`);
      }
      if (res.status === 200) {
        // The server ignored Range and is sending the whole file: refuse rather than buffer gigabytes.
        await res.body?.cancel();
        throw new Error(`${shown(file)}: the server ignored the Range header (HTTP 200); serve the model folder with a server that supports Range requests.`);
      }
      if (res.status !== 206) {
        await res.body?.cancel();
        throw new Error(`${shown(file)} returned HTTP ${res.status} ${res.statusText} for a range request; check the model server.`);
      }
      const bytes = new Uint8Array(await body(file, res.arrayBuffer()));
      if (bytes.byteLength !== length) {
        throw new ModelError(
          'corrupt-safetensors',
          `${shown(file)} is truncated: bytes ${offset}..${offset + length} were requested but ${bytes.byteLength} came back. Download the file again.`,
        );
      }
      return bytes;
    },
  };
}

/** The response body as UTF-8 text, refused (tooBig()) as soon as more than maxBytes have come. */
async function readCapped(res: Response, maxBytes: number, tooBig: () => Error): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooBig();
    }
    parts.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** A model URL: one ending in .gguf is that file (the source is its folder, `gguf` its name), else a Hugging Face folder. */
export function modelUrlSource(url: string, fetchFn?: typeof fetch): ModelSource {
  const m = /^(.*)\/([^/?#]+\.gguf)$/i.exec(url);
  return m ? { ...httpSource(m[1]!, fetchFn), gguf: decodeURIComponent(m[2]!) } : httpSource(url, fetchFn);
}
