// A model folder path as a person typed it (Settings, --model, File > Open Model…) → an absolute path
// on the host's machine. The path never passes through a shell, so `~` would otherwise name a folder
// called "~" in the current directory: it is expanded here, as a shell would, to the host's home folder.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** `~` → home, `~/x` (and `~\x` on Windows) → home/x; anything else, `~user/x` included, unchanged. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  const m = /^~([/\\])(.*)$/s.exec(path);
  if (!m || (m[1] === '\\' && process.platform !== 'win32')) return path;
  return join(home, m[2]!);
}

/** The absolute folder for a typed path: `~` expanded, then relative paths resolved against `baseDir`. */
export function resolveModelPath(path: string, baseDir: string, home: string = homedir()): string {
  const p = expandHome(path.trim(), home);
  return isAbsolute(p) ? resolve(p) : resolve(baseDir, p);
}
