// Where LM Studio keeps its models. LM Studio's home folder is the one named on the first line of
// ~/.lmstudio-home-pointer (written by LM Studio and its `lms` CLI), else ~/.lmstudio, or ~/.cache/lm-studio
// in releases before 0.3. Models are under <home>/models/<publisher>/<repo>/, unless the user moved them
// (My Models → models directory): then <home>/settings.json names the folder as "downloadsFolder".
// Every folder is used only if it exists; the settings and pointer files are read only when they are
// small regular files.
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { readBoundedText } from './bounded-fs.ts';
import { expandHome } from './model-path.ts';

/** LM Studio's settings.json is a few KB. */
const MAX_SETTINGS_BYTES = 1 << 20;
const MAX_POINTER_BYTES = 4096;

const isDir = async (path: string) => {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
};

/** An absolute folder path written in one of LM Studio's files (`~/` expanded), or null. */
function folderValue(v: unknown, home: string): string | null {
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096 || v.includes('\0')) return null;
  const p = expandHome(v.trim(), home);
  return isAbsolute(p) ? resolve(p) : null;
}

/** LM Studio's home folders that exist, the current one first. */
export async function lmStudioHomes(home: string): Promise<string[]> {
  const homes: string[] = [];
  const pointer = await readBoundedText(join(home, '.lmstudio-home-pointer'), MAX_POINTER_BYTES);
  if (pointer.ok) {
    const dir = folderValue(pointer.text.split(/\r?\n/)[0], home);
    if (dir) homes.push(dir);
  }
  homes.push(join(home, '.lmstudio'), join(home, '.cache', 'lm-studio'));
  const out: string[] = [];
  for (const h of homes) if (!out.includes(h) && (await isDir(h))) out.push(h);
  return out;
}

/**
 * The folders LM Studio's models may be in: <home>/models of each home (listed even when missing, so the
 * picker can say where it looked: ~/.lmstudio/models at least) and each home's settings.json
 * downloadsFolder when that folder exists.
 */
export async function lmStudioModelFolders(home: string): Promise<string[]> {
  const homes = await lmStudioHomes(home);
  const folders: string[] = [];
  const add = (p: string) => {
    if (!folders.includes(p)) folders.push(p);
  };
  for (const h of homes) {
    const settings = await readBoundedText(join(h, 'settings.json'), MAX_SETTINGS_BYTES);
    if (settings.ok) {
      let raw: unknown;
      try {
        raw = JSON.parse(settings.text);
      } catch {
        raw = null;
      }
      const dir = raw && typeof raw === 'object' && !Array.isArray(raw) ? folderValue((raw as Record<string, unknown>).downloadsFolder, home) : null;
      if (dir && (await isDir(dir))) add(dir);
    }
    add(join(h, 'models'));
  }
  if (homes.length === 0) add(join(home, '.lmstudio', 'models'));
  return folders;
}
