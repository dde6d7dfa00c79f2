// Who may send the main process IPC, and what an opened file must be to be edited. Pure (URL parsing
// only) so the tests can check every rule without Electron. electron/ipc.ts applies these to every
// handler, with the argument schemas of protocol/desktop-ipc.ts.
import { MAX_TEXT_BYTES } from '../protocol/desktop-ipc.ts';
import { APP_HOST, ENGINE_HOST, SCHEME } from './shared.ts';

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
