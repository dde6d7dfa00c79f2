// The layers import downward only (../shared/ARCHITECTURE.md): the renderer knows the protocol package
// and nothing else of ours; protocol/ depends on nothing of ours; nothing imports the renderer; the engine
// imports no UI or desktop code. Reads every import (static, re-export, dynamic) of the sources.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './cli/helpers.ts';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...sources(p));
    } else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Import {
  file: string;
  spec: string;
  /** the repository path a relative import resolves to; undefined for a package */
  target?: string;
  typeOnly: boolean;
}

function imports(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: Import[] = [];
  const re = /(?:^|[;\s])(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4];
    const target = spec.startsWith('.') ? normalize(join(dirname(file), spec)) : undefined;
    out.push({ file, spec, target, typeOnly: !!m[2] });
  }
  return out;
}

const all = ['renderer', 'electron', 'protocol', 'engine', 'e2e', 'scripts', 'tests'].flatMap((d) => sources(d).flatMap(imports));
const under = (p: string | undefined, dir: string) => p !== undefined && (p === dir || p.startsWith(dir + '/'));
const show = (xs: Import[]) => xs.map((i) => `${i.file} imports ${i.spec}`);

it('finds the imports it checks', () => {
  expect(all.filter((i) => i.file.startsWith('renderer/')).length).toBeGreaterThan(50);
  expect(all.some((i) => i.file === 'renderer/store.ts' && i.target === 'protocol/engine.ts')).toBe(true);
  expect(all.some((i) => i.file === 'engine/host/web-host.ts' && i.spec === 'node:http')).toBe(true);
});

it('the renderer imports the protocol package and itself, nothing else of ours', () => {
  const bad = all.filter((i) => i.file.startsWith('renderer/') && i.target !== undefined && !under(i.target, 'renderer') && !under(i.target, 'protocol'));
  expect(show(bad)).toEqual([]);
});

it("the renderer takes only types from the protocol's zod modules (zod stays out of the page's bundle)", () => {
  const zodModules = new Set(all.filter((i) => i.file.startsWith('protocol/') && i.spec === 'zod').map((i) => i.file));
  expect(zodModules.has('protocol/host.ts')).toBe(true);
  const bad = all.filter((i) => i.file.startsWith('renderer/') && !i.file.endsWith('.test.ts') && zodModules.has(i.target ?? '') && !i.typeOnly);
  expect(show(bad)).toEqual([]);
});

it('no code of the app outside the renderer imports it (the e2e specs may read its data, e.g. the shortcut list)', () => {
  const bad = all.filter((i) => /^(electron|engine|protocol|scripts)\//.test(i.file) && under(i.target, 'renderer'));
  expect(show(bad)).toEqual([]);
});

it('protocol/ imports only itself and zod', () => {
  const bad = all.filter((i) => i.file.startsWith('protocol/') && !i.file.endsWith('.test.ts') && (i.target === undefined ? i.spec !== 'zod' : !under(i.target, 'protocol')));
  expect(show(bad)).toEqual([]);
});

it('the engine imports no desktop, UI or DOM code', () => {
  const bad = all.filter(
    (i) => i.file.startsWith('engine/') && (under(i.target, 'electron') || under(i.target, 'renderer') || ['electron', 'react', 'react-dom', 'monaco-editor', 'zustand'].includes(i.spec)),
  );
  expect(show(bad)).toEqual([]);
});
