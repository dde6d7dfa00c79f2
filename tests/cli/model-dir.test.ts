// The default model folder: models/DEFAULT's choice if it is a model folder, else the first folder
// (by name) under models/ with a config.json.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelDir, packageRoot, resolveModelDir } from '../../engine/host/cli-model.ts';
import { CliError } from '../../engine/host/cli-errors.ts';
import { ROOT } from './helpers.ts';

async function root(models: Record<string, boolean>, pinned?: string): Promise<string> {
  const r = await mkdtemp(join(tmpdir(), 'fanout-root-'));
  await mkdir(join(r, 'models'));
  for (const [name, isModel] of Object.entries(models)) {
    await mkdir(join(r, 'models', name));
    if (isModel) await writeFile(join(r, 'models', name, 'config.json'), '{}');
  }
  if (pinned !== undefined) await writeFile(join(r, 'models', 'DEFAULT'), pinned);
  return r;
}

describe('defaultModelDir', () => {
  it('takes the first folder with config.json, by name', async () => {
    const r = await root({ 'c-model': true, 'a-empty': false, 'b-model': true });
    expect(defaultModelDir(r)).toBe(join(r, 'models', 'b-model'));
  });

  it('prefers the folder named in models/DEFAULT', async () => {
    const r = await root({ 'a-model': true, 'z-model': true }, 'z-model\n');
    expect(defaultModelDir(r)).toBe(join(r, 'models', 'z-model'));
  });

  it('ignores a DEFAULT naming a folder that is not a model', async () => {
    const r = await root({ 'a-model': true, broken: false }, 'broken');
    expect(defaultModelDir(r)).toBe(join(r, 'models', 'a-model'));
  });

  it('says what to do when there is no model', async () => {
    const r = await root({ empty: false });
    expect(() => defaultModelDir(r)).toThrow(CliError);
    expect(() => defaultModelDir(r)).toThrow(/has no folder with a config\.json; pass --model DIR/);
    const bare = await mkdtemp(join(tmpdir(), 'fanout-root-'));
    expect(() => defaultModelDir(bare)).toThrow(/pass --model DIR/);
  });
});

describe('packageRoot / resolveModelDir', () => {
  it('finds the package root from the source tree', () => {
    expect(join(packageRoot(), '/')).toBe(join(ROOT, '/'));
  });

  it('checks an explicit --model folder', async () => {
    const r = await root({ m: true, x: false });
    expect(resolveModelDir(join(r, 'models', 'm'))).toBe(join(r, 'models', 'm'));
    expect(() => resolveModelDir(join(r, 'models', 'x'))).toThrow(/no config\.json in it/);
    expect(() => resolveModelDir(join(r, 'nope'))).toThrow(/no such folder/);
  });

  it('takes ~/ as the home folder (a quoted --model is not expanded by the shell)', async () => {
    const r = await root({ m: true });
    const home = process.env.HOME;
    process.env.HOME = join(r, 'models'); // os.homedir() reads HOME on POSIX
    try {
      expect(resolveModelDir('~/m')).toBe(join(r, 'models', 'm'));
    } finally {
      process.env.HOME = home;
    }
  });
});
