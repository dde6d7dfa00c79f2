// API keys of remote servers for the Node hosts (the web host): one JSON file, {baseUrl: key}, readable
// by the user alone (0600, in a 0700 folder), outside the app's settings (which live in the page's
// localStorage and may be synced or shared). The desktop app keeps them in the OS keychain instead
// (Electron safeStorage). Node only.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RemoteKeyStore } from './session.ts';

/** $FANOUT_CONFIG_DIR, else $XDG_CONFIG_HOME/fanout, else ~/.config/fanout. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FANOUT_CONFIG_DIR) return env.FANOUT_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'fanout');
}

export function fileKeyStore(file = join(configDir(), 'remote-keys.json')): RemoteKeyStore {
  const read = async (): Promise<Record<string, string>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw e;
    }
    try {
      const j = JSON.parse(text) as unknown;
      if (j && typeof j === 'object' && !Array.isArray(j)) return Object.fromEntries(Object.entries(j).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    } catch {
      // a damaged file: start over (the keys are entered again)
    }
    return {};
  };
  return {
    async get(url) {
      return (await read())[url];
    },
    async set(url, key) {
      const keys = { ...(await read()), [url]: key };
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(keys, null, 1) + '\n', { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    },
  };
}
