// Runs the real `fanout` bin (node bin/fanout.mjs) as a child process, as a user would.
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error scripts/build.mjs is plain JavaScript without type declarations
import { build } from '../../scripts/build.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'fanout.mjs');

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (/\.(ts|wgsl|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Rebuilds dist/fanout.mjs when it is missing or older than any engine source, so the tests never run
 * a stale bundle. Builds to a private file and renames it into place, so test files running in
 * parallel never see a half-written bundle.
 */
export async function ensureBuilt(): Promise<void> {
  const sources = Math.max(newestSource(join(ROOT, 'engine')), newestSource(join(ROOT, 'shaders')), statSync(join(ROOT, 'scripts', 'build.mjs')).mtimeMs);
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= sources) return;
  const tmp = join(ROOT, 'dist', `fanout.${process.pid}.mjs`);
  await build({ quiet: true, outfile: tmp });
  renameSync(tmp, BUNDLE);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/fanout.mjs ...args` with optional stdin (text, or raw bytes); resolves with the exit code and output. */
export function fanout(args: string[], opts: { input?: string | Uint8Array; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'bin', 'fanout.mjs'), ...args],
      { cwd: ROOT, env: { ...process.env, FANOUT_DEBUG: '', ...opts.env }, maxBuffer: 64 << 20, timeout: 280_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/** A running `fanout serve` child: its base URL, its stderr so far, and how it exits. */
export interface ServeProcess {
  baseUrl: string;
  stderr: () => string;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `fanout serve --port 0 ...args` and waits for the line naming its URL. */
export async function startServeProcess(args: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'fanout.mjs'), 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, FANOUT_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    void exited.then((code) => reject(new Error(`fanout serve exited with ${code}: ${stderr}`)));
  });
  const m = /^fanout serve: (http:\/\/\S+\/v1) \(/.exec(first);
  if (!m) {
    child.kill('SIGKILL');
    throw new Error(`fanout serve printed ${JSON.stringify(first)}`);
  }
  return {
    baseUrl: m[1],
    stderr: () => stderr,
    stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}
