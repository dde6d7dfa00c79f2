// The arguments the desktop app's main process accepts over IPC from its pages (the calls of
// protocol/desktop.ts's preload API), as zod schemas; electron/ipc.ts parses every call with them.
// Browser-safe (the page's preload API types take their shapes from here, type-only).
import { z } from 'zod';
import { formatIssues } from './host.ts';

/** Largest file the editor opens or saves (the same limit as the browser's file input in renderer/files.ts). */
export const MAX_TEXT_BYTES = 8 * 1024 * 1024;

const fileName = z
  .string({ error: 'must be a string (the file name)' })
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..', 'must be a file name, not a path');

const text = z
  .string({ error: 'must be a string (the file text)' })
  .refine((s) => s.length <= MAX_TEXT_BYTES && new TextEncoder().encode(s).byteLength <= MAX_TEXT_BYTES, `must be at most ${MAX_TEXT_BYTES / 1024 / 1024} MiB`);

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

