// Open and save: native dialogs when the host offers them (Electron), otherwise a file input and a
// download (web host).
import type { HostFiles, OpenedFile } from '../protocol/desktop.ts';

export interface OpenResult {
  name: string;
  /** Known only with native dialogs; lets Save write back to the same file. */
  path?: string;
  text: string;
}

export async function openFile(files: HostFiles | undefined): Promise<OpenResult | null> {
  if (files) {
    const f: OpenedFile | null = await files.openFile();
    return f && { name: f.name, path: f.path, text: f.text };
  }
  return pickWithInput();
}

/** Returns the saved file's name and path (path only with native dialogs), or null when cancelled. */
export async function saveFile(
  files: HostFiles | undefined,
  file: { name: string; path?: string; text: string },
): Promise<{ name: string; path?: string } | null> {
  if (files) return files.saveFile(file);
  const url = URL.createObjectURL(new Blob([file.text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled; the download keeps its own reference.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name: file.name };
}

/** Largest file the browser fallback reads; bigger ones would make the editor and the prompt unusable. */
const MAX_OPEN_BYTES = 8 * 1024 * 1024;

function pickWithInput(): Promise<OpenResult | null> {
  return new Promise((resolve, reject) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return resolve(null);
      if (file.size > MAX_OPEN_BYTES) {
        reject(new Error(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MiB; the editor opens files up to 8 MiB`));
        return;
      }
      file.text().then((text) => resolve({ name: file.name, text }), reject);
    });
    input.addEventListener('cancel', () => resolve(null));
    input.click();
  });
}
