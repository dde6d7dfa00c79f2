// File-system reads with limits, for folders other programs write (Ollama's store, LM Studio's settings):
// a small text file is read only when it is a regular file under a size limit (a manifest replaced by
// /dev/zero or a 4 GB file is refused before it is read), and a folder listing stops at a count. Node only.
import { open, readdir } from 'node:fs/promises';
import { constants, type Dirent } from 'node:fs';

/**
 * Flags for opening a file someone else may have replaced: without O_NONBLOCK, opening a FIFO waits for a
 * writer that never comes (and holds one of libuv's few threads meanwhile); with it the open returns and
 * fstat says it is not a regular file. No effect on regular files; 0 where the platform has no such flag.
 */
export const OPEN_NONBLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The file as UTF-8 text, or a sentence saying why not (missing, not a regular file, larger than `maxBytes`, not UTF-8). */
export async function readBoundedText(path: string, maxBytes: number): Promise<{ ok: true; text: string } | { ok: false; why: string }> {
  let fh;
  try {
    fh = await open(path, OPEN_NONBLOCKING);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, why: code === 'ENOENT' ? 'it does not exist' : `it cannot be opened (${code ?? (e as Error).message})` };
  }
  try {
    // fstat of the opened file, not of the path (it may be swapped meanwhile).
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, why: 'it is not a regular file' };
    if (st.size > maxBytes) return { ok: false, why: `it is ${st.size} bytes, more than the ${maxBytes} such a file ever needs` };
    // One byte more than allowed: a file that grew after fstat is caught too.
    const buf = new Uint8Array(maxBytes + 1);
    let done = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, done, buf.length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
      if (done > maxBytes) return { ok: false, why: `it is more than ${maxBytes} bytes, more than such a file ever needs` };
    }
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, done)) };
    } catch {
      return { ok: false, why: 'it is not UTF-8 text' };
    }
  } catch (e) {
    return { ok: false, why: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  } finally {
    await fh.close();
  }
}

/**
 * The entries of a folder, sorted by name, at most `max` of them (the rest are dropped, `more` says so);
 * hidden entries (".name") are skipped. A folder that cannot be read lists nothing.
 */
export async function listFolder(path: string, max: number): Promise<{ entries: Dirent[]; more: boolean }> {
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return { entries: [], more: false };
  }
  const visible = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries: visible.slice(0, max), more: visible.length > max };
}
