// The packaged app's own protections: the Electron fuses build/electron-builder.yml flips, and that a
// packaged app is never a development run (no devtools), whatever its environment says.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isDevRun } from '../../electron/dev-mode.ts';

const BUILDER_YML = fileURLToPath(new URL('../../build/electron-builder.yml', import.meta.url));

/** The `key: value` lines of one top-level block of a YAML file (enough for the flat fuse list). */
function topLevelBlock(yaml: string, key: string): Record<string, string> {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l === `${key}:`);
  if (start < 0) throw new Error(`no top-level ${key}: in the file`);
  const out: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^ {2}([A-Za-z0-9]+): *(\S+) *$/.exec(line);
    if (!m) break; // the next top-level key
    out[m[1]] = m[2];
  }
  return out;
}

describe('electron-builder fuses', () => {
  it('flips the hardening fuses, embedded asar integrity validation included', () => {
    const fuses = topLevelBlock(readFileSync(BUILDER_YML, 'utf8'), 'electronFuses');
    expect(fuses).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      onlyLoadAppFromAsar: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
      enableCookieEncryption: 'true',
      grantFileProtocolExtraPrivileges: 'false',
    });
  });
  it('packs the app into an asar archive (what the integrity fuses check)', () => {
    expect(readFileSync(BUILDER_YML, 'utf8')).toMatch(/^asar: true$/m);
  });
});

describe('isDevRun', () => {
  it('is never a development run when packaged, whatever FANOUT_DEV says', () => {
    for (const env of [{}, { FANOUT_DEV: '1' }, { FANOUT_DEV: 'true' }, { FANOUT_DEV: '0' }]) expect(isDevRun(true, env), JSON.stringify(env)).toBe(false);
  });
  it('is one when run from the repository, unless FANOUT_DEV=0', () => {
    expect(isDevRun(false, {})).toBe(true);
    expect(isDevRun(false, { FANOUT_DEV: '1' })).toBe(true);
    expect(isDevRun(false, { FANOUT_DEV: '0' })).toBe(false);
  });
});
