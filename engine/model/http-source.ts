// A model folder served over HTTP (the Electron engine window, a browser): files are `${baseUrl}/${file}`;
// weights are fetched with Range requests, so a multi-GB file is never downloaded whole into memory.
import { ModelError } from './errors.ts';
import type { ModelSource } from './source.ts';

export function httpSource(baseUrl: string, fetchFn: typeof fetch = (...a) => fetch(...a)): ModelSource {
  const base = baseUrl.replace(/\/+$/, '');
  const url = (file: string) => `${base}/${file.split('/').map(encodeURIComponent).join('/')}`;
  const missing = (file: string, status: number) =>
    new ModelError('missing-file', `${url(file)} returned HTTP ${status}; check that the model folder is served at ${base}.`);
  const sizes = new Map<string, number>();

  async function size(file: string): Promise<number> {
    const known = sizes.get(file);
    if (known !== undefined) return known;
    // A 1-byte range answers with Content-Range "bytes 0-0/TOTAL" (HEAD may lack Content-Length when compressed).
    const res = await fetchFn(url(file), { headers: { Range: 'bytes=0-0' } });
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
      throw new Error(`${url(file)}: cannot tell the file size (HTTP ${res.status}, no Content-Range/Content-Length); serve the model folder with a server that supports Range requests.`);
    }
    sizes.set(file, total);
    return total;
  }

  return {
    name: base,
    async exists(file) {
      const res = await fetchFn(url(file), { method: 'HEAD' });
      await res.body?.cancel();
      return res.ok;
    },
    async readText(file) {
      const res = await fetchFn(url(file));
      if (!res.ok) {
        await res.body?.cancel();
        if (res.status === 404 || res.status === 410) throw missing(file, res.status);
        throw new Error(`${url(file)} returned HTTP ${res.status} ${res.statusText}; check the model server.`);
      }
      return res.text();
    },
    size,
    async read(file, offset, length) {
      if (length === 0) return new Uint8Array(0);
      const res = await fetchFn(url(file), { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
      if (res.status === 404 || res.status === 410) throw missing(file, res.status);
      if (res.status === 416) {
        throw new ModelError('corrupt-safetensors', `${url(file)} is truncated: bytes ${offset}..${offset + length} lie past its end. Download the file again.`);
      }
      if (res.status === 200) {
        // The server ignored Range and is sending the whole file: refuse rather than buffer gigabytes.
        await res.body?.cancel();
        throw new Error(`${url(file)}: the server ignored the Range header (HTTP 200); serve the model folder with a server that supports Range requests.`);
      }
      if (res.status !== 206) {
        await res.body?.cancel();
        throw new Error(`${url(file)} returned HTTP ${res.status} ${res.statusText} for a range request; check the model server.`);
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength !== length) {
        throw new ModelError(
          'corrupt-safetensors',
          `${url(file)} is truncated: bytes ${offset}..${offset + length} were requested but ${bytes.byteLength} came back. Download the file again.`,
        );
      }
      return bytes;
    },
  };
}
