// What a model path on disk is: a folder (Hugging Face), a GGUF file — by its name ending .gguf or, for
// files without that extension such as Ollama's blobs (blobs/sha256-<hex>), by its first four bytes
// "GGUF" — or something else. Node only; used where a path someone typed or picked is turned into a source.
import { open, stat } from 'node:fs/promises';
import { GGUF_MAGIC } from '../model/gguf.ts';
import { OPEN_NONBLOCKING } from './bounded-fs.ts';

export type ModelPathKind = 'folder' | 'gguf' | 'other-file' | 'missing';

/** Whether the file starts with GGUF's magic (little-endian "GGUF"); false when it cannot be read. */
export async function hasGgufMagic(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, OPEN_NONBLOCKING);
  } catch {
    return false;
  }
  try {
    if (!(await fh.stat()).isFile()) return false;
    const b = new Uint8Array(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return bytesRead === 4 && new DataView(b.buffer).getUint32(0, true) === GGUF_MAGIC;
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

/** What `path` (absolute) names. A file ending .gguf counts as GGUF without reading it: the loader names what is wrong with it. */
export async function modelPathKind(path: string): Promise<ModelPathKind> {
  let st;
  try {
    st = await stat(path);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'folder';
  if (!st.isFile()) return 'other-file';
  if (/\.gguf$/i.test(path)) return 'gguf';
  return (await hasGgufMagic(path)) ? 'gguf' : 'other-file';
}
