// API keys of remote servers for the Node hosts (the web host): one JSON file, {baseUrl: key}, readable
// by the user alone (0600, in a 0700 folder), outside the app's settings (which live in the page's
// localStorage and may be synced or shared). The desktop app keeps its file in its own folder and seals
// each key with the OS keychain (Electron safeStorage, as a KeyCodec) where it has one. Node only.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** API keys of remote servers, by base URL (HostSessionOptions.remoteKeys). */
export interface RemoteKeyStore {
  get(url: string): Promise<string | undefined>;
  set(url: string, key: string): Promise<void>;
}

/** The codecs keys may be sealed with; a stored value starting "<name>:" is sealed, never a plain key. */
const SEAL_NAMES = ['safeStorage'] as const;

/** $FANOUT_CONFIG_DIR, else $XDG_CONFIG_HOME/fanout, else ~/.config/fanout. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FANOUT_CONFIG_DIR) return env.FANOUT_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'fanout');
}

/**
 * Seals keys before they are written (the OS keychain: Electron's safeStorage). A sealed value is stored as
 * "<name>:<sealed>"; a value without the prefix is a key written while no codec was there (it is sealed
 * at the next write), and a value sealed by a codec that is not there now reads as absent (the user
 * enters the key again).
 */
export interface KeyCodec {
  name: (typeof SEAL_NAMES)[number];
  seal(key: string): string;
  open(sealed: string): string;
}

/** `codec()`: the codec to use now, or undefined (none available: keys are stored as they are, 0600). */
export function fileKeyStore(file = join(configDir(), 'remote-keys.json'), codec: () => KeyCodec | undefined = () => undefined): RemoteKeyStore {
  const decode = (v: string): string | undefined => {
    const sealedBy = SEAL_NAMES.find((n) => v.startsWith(`${n}:`));
    if (!sealedBy) return v; // written while no codec was there
    const c = codec();
    if (c?.name !== sealedBy) return undefined;
    try {
      return c.open(v.slice(sealedBy.length + 1));
    } catch {
      return undefined; // sealed under another login or machine: the user enters it again
    }
  };
  const encode = (key: string): string => {
    const c = codec();
    return c ? `${c.name}:${c.seal(key)}` : key;
  };
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
      const v = (await read())[url];
      return v === undefined ? undefined : decode(v);
    },
    async set(url, key) {
      const keys = { ...(await read()), [url]: encode(key) };
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(keys, null, 1) + '\n', { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    },
  };
}
