// A model folder on the local disk (Node only: imported by Node entry points, never by the browser build).
// Weight ranges are read through a FileHandle, so a multi-GB file is never read whole.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { GGUF_MAGIC } from './gguf.ts';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelError } from './errors.ts';
import { tooLargeText, type ModelSource } from './source.ts';

export function dirSource(dir: string): ModelSource {
  const root = resolve(dir);
  const path = (file: string) => join(root, file);
  const missing = (file: string) =>
    new ModelError('missing-file', `${path(file)} does not exist; check the model folder path (${root}).`);
  return {
    name: root,
    async exists(file) {
      try {
        return (await stat(path(file))).isFile();
      } catch {
        return false;
      }
    },
    async readText(file, maxBytes) {
      let fh;
      try {
        fh = await open(path(file), 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing(file);
        throw e;
      }
      try {
        // fstat of the opened file (not the path: it may be swapped meanwhile). A FIFO or a device
        // (config.json → /dev/zero) is not a file; a regular file is read at most maxBytes + 1.
        const st = await fh.stat();
        if (!st.isFile()) throw new ModelError('missing-file', `${path(file)} is not a regular file (a device, a pipe or a folder); the model folder needs the real file.`);
        if (st.size > maxBytes) throw new ModelError('too-large', tooLargeText(path(file), st.size, maxBytes));
        const buf = new Uint8Array(Math.min(st.size, maxBytes) + 1);
        let done = 0;
        for (;;) {
          const { bytesRead } = await fh.read(buf, done, buf.length - done, done);
          if (bytesRead === 0) break;
          done += bytesRead;
          if (done > maxBytes) throw new ModelError('too-large', tooLargeText(path(file), undefined, maxBytes));
          if (done === buf.length) break;
        }
        return new TextDecoder().decode(buf.subarray(0, done));
      } finally {
        await fh.close();
      }
    },
    async size(file) {
      try {
        return (await stat(path(file))).size;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing(file);
        throw e;
      }
    },
    async read(file, offset, length) {
      const out = new Uint8Array(length);
      if (length === 0) return out;
      let fh;
      try {
        fh = await open(path(file), 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing(file);
        throw e;
      }
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(out, done, length - done, offset + done);
          if (bytesRead === 0) {
            throw new ModelError(
              'corrupt-safetensors',
              `${path(file)} is truncated: bytes ${offset}..${offset + length} were requested but the file ends at ` +
                `${offset + done}. Download the file again.`,
            );
          }
          done += bytesRead;
        }
      } finally {
        await fh.close();
      }
      return out;
    },
  };
}

/** Whether `path` is a regular file that starts with GGUF's magic ("GGUF"); false when it cannot be read. */
export function startsWithGguf(path: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
    const b = new Uint8Array(4);
    return readSync(fd, b, 0, 4, 0) === 4 && new DataView(b.buffer).getUint32(0, true) === GGUF_MAGIC;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * A model path on disk: a GGUF file — named .gguf, or without that extension but starting with "GGUF",
 * like Ollama's blobs/sha256-<hex> — (the source is its folder, `gguf` its name) or a Hugging Face folder.
 */
export function modelPathSource(path: string): ModelSource {
  return /\.gguf$/i.test(path) || startsWithGguf(path) ? { ...dirSource(dirname(resolve(path))), gguf: basename(path) } : dirSource(path);
}
