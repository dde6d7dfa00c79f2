// What the main process accepts over IPC, and from whom. Pure (zod and URL parsing only) so the tests
// can check every rule without Electron. electron/ipc.ts applies these to every handler.
import { z } from 'zod';
import { formatIssues } from '../protocol/host.ts';
import { APP_HOST, ENGINE_HOST, SCHEME } from './shared.ts';

/** Largest file the editor opens or saves (the same limit as the browser's file input in renderer/files.ts). */
export const MAX_TEXT_BYTES = 8 * 1024 * 1024;

/** The parts of an IPC event's sender frame that the check reads (Electron's WebFrameMain). */
export interface SenderFrame {
  url: string;
  /** null for a top-level frame. */
  parent: unknown;
}

/**
 * Whether an IPC message comes from the top-level frame of one of our pages: the editor (fanout://app/)
 * or the engine page (fanout://engine/). A missing frame (navigated away, destroyed), a sub-frame or any
 * other URL is refused.
 */
export function senderIs(frame: SenderFrame | null | undefined, host: typeof APP_HOST | typeof ENGINE_HOST): boolean {
  if (!frame || frame.parent) return false;
  let u: URL;
  try {
    u = new URL(frame.url);
  } catch {
    return false;
  }
  return u.protocol === `${SCHEME}:` && u.host === host && u.username === '' && u.password === '' && u.port === '';
}

const fileName = z
  .string({ error: 'must be a string (the file name)' })
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..', 'must be a file name, not a path');

const text = z
  .string({ error: 'must be a string (the file text)' })
  .refine((s) => s.length <= MAX_TEXT_BYTES && Buffer.byteLength(s, 'utf8') <= MAX_TEXT_BYTES, `must be at most ${MAX_TEXT_BYTES / 1024 / 1024} MiB`);

/** files.saveFile's argument (protocol/desktop.ts HostFiles.saveFile). */
export const saveFileSchema = z.strictObject({
  path: z.string({ error: 'must be a string (a full path)' }).min(1).max(4096).optional(),
  name: fileName,
  text,
});
export type SaveFileRequest = z.infer<typeof saveFileSchema>;

/** Invoke arguments: [request] for saveFile, [] for openFile. */
export const saveFileArgs = z.tuple([saveFileSchema]);
export const noArgs = z.tuple([]);

/** A menu-listener flag (IPC.menuListener). */
export const menuListenerArgs = z.tuple([z.boolean()]);

/** Far more tabs than anyone opens: a bound on the count, not a limit on tabs. */
export const MAX_UNSAVED_FILES = 100_000;

/** How many tabs have unsaved edits (IPC.unsavedFiles). */
export const unsavedFilesArgs = z.tuple([
  z.number({ error: 'must be a number (the count of tabs with unsaved edits)' }).int('must be a whole number').min(0, 'must not be negative').max(MAX_UNSAVED_FILES, `must be at most ${MAX_UNSAVED_FILES}`),
]);

/** Parses IPC arguments; throws an Error whose message lists each problem ("0.name: must be …"). */
export function parseArgs<T>(schema: z.ZodType<T>, args: unknown[], what: string): T {
  const r = schema.safeParse(args);
  if (!r.success) throw new Error(`${what}: invalid arguments: ${formatIssues(r.error.issues).join('; ')}`);
  return r.data;
}

/**
 * The text of an opened file, or why it cannot be edited: too large, or binary (a NUL byte in the
 * first 8 KiB, as git decides), or not UTF-8.
 */
export function decodeTextFile(bytes: Uint8Array, name: string): { ok: true; text: string } | { ok: false; message: string } {
  if (bytes.byteLength > MAX_TEXT_BYTES) {
    return { ok: false, message: `${name} is ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MiB; the editor opens files up to ${MAX_TEXT_BYTES / 1024 / 1024} MiB` };
  }
  if (bytes.subarray(0, 8192).includes(0)) return { ok: false, message: `${name} is not a text file` };
  try {
    let text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { ok: true, text };
  } catch {
    return { ok: false, message: `${name} is not UTF-8 text` };
  }
}
