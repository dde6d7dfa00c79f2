// FANOUT_DEVICE_PROFILE (engine/variants.ts): the GPU profile's kernel variants (GEMV decode matmuls,
// 64-lane tiles, the K/V-tiled shared-context attention, with subgroup reductions and, under
// FANOUT_SUBGROUPS=0, without) forced on lavapipe give the bundled model the same greedy completion as
// the CPU profile's; a bad value is one error line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, fanout } from './helpers.ts';

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-profile-'));
  await writeFile(join(dir, 'p.js'), 'function fibonacci(n) {\n  if (n < 2) return n;\n  return');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('FANOUT_DEVICE_PROFILE=gpu: the same greedy samples as the default profile, log-probs within float rounding', async () => {
  const args = ['complete', '--prompt-file', join(dir, 'p.js'), '--n', '3', '--max-tokens', '12', '--temperature', '0', '--stop', 'none', '--json'];
  const cpu = await fanout(args, { env: { FANOUT_DEVICE_PROFILE: 'cpu' } });
  expect(cpu.code, cpu.stderr).toBe(0);
  type Out = { candidates: { text: string; meanLogprob: number }[] };
  const a = (JSON.parse(cpu.stdout) as Out).candidates;
  for (const subgroups of ['', '0']) {
    const gpu = await fanout(args, { env: { FANOUT_DEVICE_PROFILE: 'gpu', FANOUT_SUBGROUPS: subgroups } });
    expect(gpu.code, gpu.stderr).toBe(0);
    const b = (JSON.parse(gpu.stdout) as Out).candidates;
    expect(b.map((c) => c.text), `FANOUT_SUBGROUPS=${subgroups}`).toEqual(a.map((c) => c.text));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i].meanLogprob - b[i].meanLogprob)).toBeLessThan(1e-3);
  }
}, 300_000);

it('a bad FANOUT_SUBGROUPS is one error line naming the values', async () => {
  const r = await fanout(['complete', '--prompt-file', join(dir, 'p.js'), '--n', '1', '--max-tokens', '1'], { env: { FANOUT_SUBGROUPS: 'yes' } });
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual(['fanout: error: FANOUT_SUBGROUPS=yes: use 0 (no subgroup variants) or 1 (require them), or leave it unset']);
});

it('a bad FANOUT_DEVICE_PROFILE is one error line naming the values', async () => {
  const r = await fanout(['complete', '--prompt-file', join(dir, 'p.js'), '--n', '1', '--max-tokens', '1'], { env: { FANOUT_DEVICE_PROFILE: 'tpu' } });
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual(['fanout: error: FANOUT_DEVICE_PROFILE=tpu: use cpu or gpu (which kernel variants to run), or leave it unset']);
});
