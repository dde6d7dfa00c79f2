// scripts/gpu-bench.sh, the prepared run for a lent GPU machine, dry-run here with --small on lavapipe:
// the same steps (adapter line, each bench with its table, JSON and SVG) on small sizes.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { ROOT, ensureBuilt } from './helpers.ts';

it('gpu-bench.sh --small writes a table, JSON and an SVG per bench and says how long it took', async () => {
  await ensureBuilt();
  const out = await mkdtemp(join(tmpdir(), 'fanout-gpu-bench-'));
  try {
    const { stdout } = await promisify(execFile)('bash', [join(ROOT, 'scripts/gpu-bench.sh'), '--small', out], { cwd: ROOT, timeout: 300_000 });
    expect(stdout).toMatch(/== tiny-f16 \(limit \d+s\): fanout bench --model synthetic:tiny/);
    expect(stdout).toMatch(/^device: .*model: synthetic:tiny\?weights=q4_k/m);
    expect(stdout).toMatch(/== done in \d+ s/);
    expect(stdout).not.toMatch(/exit \d+ \(124/);
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['tiny-f16.err', 'tiny-f16.json', 'tiny-f16.svg', 'tiny-f16.txt', 'tiny-q4_k.err', 'tiny-q4_k.json', 'tiny-q4_k.svg', 'tiny-q4_k.txt']);
    const r = JSON.parse(await readFile(join(out, 'tiny-f16.json'), 'utf8'));
    expect(r.rows).toHaveLength(8); // n 1, 4 × ctx 128, 256 × both modes
    expect(r.asYouType.reusedMs).toBeGreaterThan(0);
    expect(await readFile(join(out, 'tiny-f16.txt'), 'utf8')).toContain('as you type');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 320_000);
