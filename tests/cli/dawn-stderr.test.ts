// Dawn prints "Warning: maxDynamic{Uniform,Storage}BuffersPerPipelineLayout artificially reduced …" from
// native code on fd 2 when it enumerates adapters (lavapipe, RADV, NVIDIA, …). bin/fanout.mjs runs the
// GPU commands as a child with stderr filtered, so without --verbose stderr holds only our own lines;
// these tests check that, and that exit codes and signals pass through the wrapper unchanged. The web host
// (scripts/web.mjs) runs behind the same filter (bin/dawn-stderr.mjs).
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomModel } from '../fixtures/make-model.ts';
import { ensureBuilt, fanout, ROOT } from './helpers.ts';

const DAWN_LINE = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced/m;

let dir: string;
let model: string;
let broken: string;
let prompt: string;
/** Whether Dawn prints the warnings on this machine's adapter (a GPU that needs no clamping prints none). */
let dawnWarns: boolean;

/** stderr of a bare dawn.node adapter request, without Fanout. */
function dawnStderr(): Promise<string> {
  const script = "import * as m from 'webgpu'; const a = await m.create([]).requestAdapter(); process.exit(a ? 0 : 3);";
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`no WebGPU adapter: ${stderr || err.message}`)) : resolve(stderr),
    ),
  );
}

beforeAll(async () => {
  await ensureBuilt();
  dawnWarns = DAWN_LINE.test(await dawnStderr());
  dir = await mkdtemp(join(tmpdir(), 'fanout-dawn-'));
  model = join(dir, 'model');
  await writeRandomModel(model, { arch: 'llama', dtype: 'F32', hidden: 32, layers: 1, heads: 2, kvHeads: 2, intermediate: 48, tie: true, seed: 5, maxPositions: 1024 });
  broken = join(dir, 'broken');
  await writeRandomModel(broken, { arch: 'llama', dtype: 'F32', hidden: 32, layers: 1, heads: 2, kvHeads: 2, intermediate: 48, tie: false, seed: 4 });
  await unlink(join(broken, 'model.safetensors'));
  prompt = join(dir, 'prompt.ts');
  await writeFile(prompt, 'function add(a, b) {\n  return');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = () => ['complete', '--prompt-file', prompt, '--model', model, '--n', '2', '--max-tokens', '2', '--json'];

describe("Dawn's limit warnings on stderr", () => {
  it('a run prints nothing on stderr without --verbose', async () => {
    const r = await fanout(tiny());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('--verbose keeps them (when this adapter makes Dawn print them), next to our own lines', async () => {
    const r = await fanout(['--verbose', ...tiny()]);
    expect(r.code, r.stderr).toBe(0);
    expect(DAWN_LINE.test(r.stderr)).toBe(dawnWarns);
    expect(r.stderr).toMatch(/^adapter: /m);
  });

  it('an engine error after the GPU is up is still exactly one line, with exit code 2', async () => {
    const r = await fanout(['complete', '--prompt-file', prompt, '--model', broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^fanout: error: .*model\.safetensors[^\n]*\n$/);
  });
});

// The wrapper's child process and the signals (POSIX process groups; /proc to find the child).
describe.runIf(process.platform === 'linux')('signals through the stderr filter', () => {
  /** Pids whose parent is `pid`. */
  const childrenOf = (pid: number) =>
    readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((e) => {
        try {
          // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after its ")".
          return Number(readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid;
        } catch {
          return false; // gone meanwhile
        }
      })
      .map(Number);
  /** Whether process `pid` has loaded the Vulkan loader, i.e. Dawn is acquiring the GPU. */
  const onGpu = (pid: number) => /libvulkan/.test(readFileSync(`/proc/${pid}/maps`, 'utf8'));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = async (what: string, ok: () => boolean, ms = 120_000) => {
    for (const t0 = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    }
  };

  /**
   * A long `complete` (the bundled model, 8 samples of 900 tokens: about a minute on lavapipe) in its own
   * process group, as a shell runs a foreground job.
   */
  function start() {
    const args = ['complete', '--prompt-file', prompt, '--n', '8', '--max-tokens', '900', '--min-tokens', '900', '--stop', 'none'];
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'fanout.mjs'), ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FANOUT_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
      p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
    );
    // 'exit' comes when fanout itself ends; 'close' (done) only once its pipes close, which an orphaned child would hold open.
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
    return { p, done, exited };
  }

  it('Ctrl+C (SIGINT to the process group) reaches the CLI once: complete stops and prints what it has, exit 0', async (ctx) => {
    const { p, done } = start();
    let child = 0;
    await until('the CLI child process', () => (child = childrenOf(p.pid!)[0] ?? 0) > 0);
    // complete cancels on SIGINT once it samples, right after the GPU and the (tiny) model are up;
    // before that a SIGINT just ends the process, with or without the wrapper. Give it 2 s after Dawn starts.
    await until('Dawn to start', () => onGpu(child));
    await new Promise((r) => setTimeout(r, 2000));
    if (!alive(child)) {
      expect((await done).code).toBe(0);
      ctx.skip(); // a fast GPU finished all 900 tokens in 2 s: nothing left to interrupt
    }
    process.kill(-p.pid!, 'SIGINT');
    const r = await done;
    expect(r.stderr).toBe('');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    // What it has: samples cut short ("cancelled"), or, when Ctrl+C came before the first token (a cold
    // shader cache compiles for seconds), every sample empty and said so.
    expect(r.stdout).toMatch(/cancelled|\(8 of 8 samples ended empty: not listed\)/);
  });

  it('SIGTERM to the fanout process ends the CLI child too, and fanout dies of SIGTERM, even right after the spawn', async () => {
    // Sent as soon as the child exists (busy-polling), so it can land while fanout is still inside
    // spawn(): fanout must not die then and leave the child running. Four tries; the race hit 1 in 4.
    for (let t = 0; t < 4; t++) {
      const { p, exited } = start();
      let child = 0;
      for (const t0 = Date.now(); !(child = childrenOf(p.pid!)[0] ?? 0); ) if (Date.now() - t0 > 60_000) throw new Error('no CLI child process');
      p.kill('SIGTERM');
      expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
      try {
        await until('the CLI child to end with fanout', () => !alive(child), 5000);
      } finally {
        if (alive(child)) process.kill(child, 'SIGKILL'); // an orphan would run on for a minute
      }
    }
  });
  it('the web host (npm run web) prints only its own lines; SIGKILL of its parent ends the filtered child within seconds', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'scripts', 'web.mjs'), '--port', '0', '--model', model], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    p.stderr!.on('data', (d) => (stderr += d));
    p.stdout!.on('data', (d) => (stdout += d));
    let child = 0;
    try {
      await until('the model to load', () => /fanout web: loaded /.test(stderr) || p.exitCode !== null);
      expect(stdout).toMatch(/^Fanout web host: http:\/\/127\.0\.0\.1:\d+\/\?token=/m);
      expect(stderr.split('\n').filter((l) => l && !l.startsWith('fanout web: '))).toEqual([]);
      child = childrenOf(p.pid!).find((c) => onGpu(c)) ?? 0;
      expect(child, 'the filtered web host child').toBeGreaterThan(0);
      p.kill('SIGKILL');
      await until('the web host child to end with its parent', () => !alive(child), 10_000);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      if (child && alive(child)) process.kill(child, 'SIGKILL');
    }
  });
});
