// The bundled held-out files and the next-line positions drawn from them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactLineMatch, loadHeldout, normalizedLineMatch, pickLines, type HeldoutFile } from '../../engine/eval/heldout.ts';
import { ROOT } from '../cli/helpers.ts';

const DIR = join(ROOT, 'evals', 'heldout');

describe('evals/heldout', () => {
  it('lists only packages the training manifest held out, with accepted licences and their licence text', async () => {
    const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
      files: { package: string; version: string; license: string; licenseFile: string; file: string }[];
    };
    const training = JSON.parse(readFileSync(join(ROOT, 'tools', 'train', 'manifest.json'), 'utf8')) as {
      packages: { name: string; version: string; license: string; split: string }[];
    };
    const byName = new Map(training.packages.map((p) => [p.name, p]));
    for (const f of manifest.files) {
      const p = byName.get(f.package);
      expect(p, f.package).toBeDefined();
      expect(p!.split, f.package).toBe('val');
      expect(p!.version).toBe(f.version);
      expect(p!.license).toBe(f.license);
      expect(['MIT', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', '0BSD']).toContain(f.license);
      expect(readFileSync(join(DIR, f.licenseFile), 'utf8').length).toBeGreaterThan(100);
    }
    const files = await loadHeldout(DIR);
    expect(files.length).toBe(manifest.files.length);
    expect(files.reduce((a, f) => a + f.text.length, 0)).toBeLessThan(300_000);
  });
});

const FILES: HeldoutFile[] = [
  { file: 'a.js', package: 'a', text: 'const a = 1;\n\n  return a;\n}\n' },
  { file: 'b.js', package: 'b', text: 'x\ny\n   \nz' },
];

describe('pickLines', () => {
  it('draws non-blank lines after the first, with the text before them as the prompt', () => {
    const all = pickLines(FILES, 100, 0);
    expect(all.map((p) => `${p.file}:${p.line}`)).toEqual(['a.js:3', 'a.js:4', 'b.js:2', 'b.js:4']);
    for (const p of all) {
      const text = FILES.find((f) => f.file === p.file)!.text;
      expect(text.startsWith(p.prefix + p.expected)).toBe(true);
      expect(p.prefix.split('\n').length).toBe(p.line);
    }
    expect(all[0]).toMatchObject({ prefix: 'const a = 1;\n\n', expected: '  return a;' });
    expect(all[3]).toMatchObject({ prefix: 'x\ny\n   \n', expected: 'z' });
  });

  it('is deterministic for a seed, sorted, and varies with the seed', () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    const files = [{ file: 'big.js', package: 'p', text }];
    const a = pickLines(files, 20, 7);
    expect(pickLines(files, 20, 7)).toEqual(a);
    expect(a).toHaveLength(20);
    expect(new Set(a.map((p) => p.line)).size).toBe(20);
    expect(a.map((p) => p.line)).toEqual([...a.map((p) => p.line)].sort((x, y) => x - y));
    expect(pickLines(files, 20, 8)).not.toEqual(a);
  });
});

describe('line matching', () => {
  it('exact: ignores trailing whitespace only', () => {
    expect(exactLineMatch('  return a;  ', '  return a;')).toBe(true);
    expect(exactLineMatch('  return a;\r', '  return a;')).toBe(true);
    expect(exactLineMatch('return a;', '  return a;')).toBe(false);
    expect(exactLineMatch('\n  return a;', '  return a;')).toBe(false);
  });

  it('normalised: also ignores indentation and runs of spaces', () => {
    expect(normalizedLineMatch('return  a;', '    return a;')).toBe(true);
    expect(normalizedLineMatch('\n\treturn a;', '  return a;')).toBe(true);
    expect(normalizedLineMatch('return a', 'return a;')).toBe(false);
  });
});
