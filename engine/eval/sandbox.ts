// Runs a candidate program (a function task's prompt + completion + checks) in a child Node process and
// reports pass / fail / timeout / syntax-error.
//
// Each program is first compiled in this process with esbuild's transform (TypeScript types are
// stripped, not checked; JavaScript is only parsed): a parse error is 'syntax-error' and costs no
// process. The output runs as an ES module in a fresh `node` with:
//   - an empty environment and a private temporary folder as its working directory;
//   - Node's permission model where available (Node 20: --experimental-permission, later --permission):
//     it may read only its own file; no file writes, child processes, worker threads or native addons;
//   - --disallow-code-generation-from-strings (no eval / new Function);
//   - a heap limit (--max-old-space-size) and a wall-clock timeout, after which it is killed (SIGKILL).
// It passes when it exits with code 0 and printed the random sentinel appended after the checks, so
// a body that calls process.exit(0) before the checks finish does not pass.
//
// This guards against accidents (endless loops, runaway memory, stray writes), not against hostile
// code: the permission model does not cover the network, and the child runs as the same user.
// Node-only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskLang } from './tasks.ts';

export type CheckStatus = 'pass' | 'fail' | 'timeout' | 'syntax-error';

export interface CheckResult {
  status: CheckStatus;
  /** Wall time of the child process (0 for a syntax error). */
  ms: number;
  /** Why it did not pass: the first error line, at most MESSAGE_CHARS long. */
  message?: string;
}

export interface SandboxOptions {
  /** Wall-clock limit per program in ms (default 5000). */
  timeoutMs?: number;
  /** Programs running at once (default: min(4, available cores)). */
  jobs?: number;
  /** V8 heap limit per program in MiB (default 256). */
  heapMiB?: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;
const MESSAGE_CHARS = 200;
/** stderr kept per program, for the message. */
const STDERR_BYTES = 8192;

interface Esbuild {
  transform(code: string, opts: Record<string, unknown>): Promise<{ code: string }>;
  stop?(): void;
}

let esbuildModule: Esbuild | undefined;

/**
 * esbuild, resolved at run time next to this module (not bundled into dist/fanout.mjs: it is a native
 * binary with a JavaScript wrapper). `createRequire` under another name keeps the bundler from inlining it.
 */
function esbuild(): Esbuild {
  if (!esbuildModule) {
    const load = createRequire(import.meta.url);
    try {
      esbuildModule = load('esbuild') as Esbuild;
    } catch (e) {
      throw new Error(`fanout eval needs the esbuild package to compile candidate programs (${(e as Error).message.split('\n')[0]}); run npm ci in Fanout's folder.`);
    }
  }
  return esbuildModule;
}

/** Node flags that turn on the permission model with read access to `file` only; [] when this Node has none. */
export function permissionFlags(file: string): string[] {
  const flags = process.allowedNodeEnvironmentFlags;
  if (flags.has('--permission')) return ['--permission', `--allow-fs-read=${file}`];
  if (flags.has('--experimental-permission')) return ['--experimental-permission', `--allow-fs-read=${file}`];
  return [];
}

/** First line of an error report worth showing: the "XxxError: …" line if there is one. */
function errorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const line = lines.find((l) => /^([A-Z]\w*)?(Error|Exception)\b/.test(l)) ?? lines.find((l) => l !== '') ?? '';
  return line.length > MESSAGE_CHARS ? line.slice(0, MESSAGE_CHARS - 1) + '…' : line;
}

export class Sandbox {
  private running = 0;
  private waiting: (() => void)[] = [];
  private counter = 0;
  readonly timeoutMs: number;
  readonly jobs: number;
  private readonly heapMiB: number;

  private constructor(
    private readonly dir: string,
    opts: SandboxOptions,
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.jobs = opts.jobs ?? Math.min(4, availableParallelism());
    this.heapMiB = opts.heapMiB ?? 256;
  }

  /** A sandbox with its own temporary folder; close() removes it. */
  static async create(opts: SandboxOptions = {}): Promise<Sandbox> {
    esbuild();
    return new Sandbox(await mkdtemp(join(tmpdir(), 'fanout-eval-')), opts);
  }

  /** Compiles `source` and runs it in a child process; at most `jobs` run at once. */
  async run(source: string, lang: TaskLang): Promise<CheckResult> {
    const sentinel = `fanout-eval-ok-${randomBytes(12).toString('hex')}`;
    let js: string;
    try {
      const out = await esbuild().transform(source, { loader: lang, format: 'esm', target: 'node20', logLevel: 'silent' });
      // Appended after compiling, so that error lines are the source's.
      js = `${out.code}\n;process.stdout.write(${JSON.stringify(sentinel)});\n`;
    } catch (e) {
      const first = (e as { errors?: { text: string; location?: { line: number } | null }[] }).errors?.[0];
      const msg = first ? `${first.text}${first.location ? ` (line ${first.location.line})` : ''}` : (e as Error).message.split('\n')[0];
      return { status: 'syntax-error', ms: 0, message: msg.slice(0, MESSAGE_CHARS) };
    }
    await this.acquire();
    try {
      return await this.spawnChild(js, sentinel);
    } finally {
      this.release();
    }
  }

  private async spawnChild(js: string, sentinel: string): Promise<CheckResult> {
    const file = join(this.dir, `c${this.counter++}.mjs`);
    await writeFile(file, js);
    const args = [...permissionFlags(file), '--disallow-code-generation-from-strings', `--max-old-space-size=${this.heapMiB}`, '--no-warnings', file];
    const t0 = performance.now();
    try {
      return await new Promise<CheckResult>((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: this.dir, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
        let tail = '';
        let sawSentinel = false;
        let stderr = '';
        let timedOut = false;
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          tail = (tail + s).slice(-2 * sentinel.length);
          if (tail.includes(sentinel)) sawSentinel = true;
        });
        child.stderr.setEncoding('utf8').on('data', (s: string) => {
          if (stderr.length < STDERR_BYTES) stderr += s.slice(0, STDERR_BYTES - stderr.length);
        });
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, this.timeoutMs);
        child.on('error', (e) => {
          clearTimeout(timer);
          reject(new Error(`cannot start ${process.execPath} for a check: ${e.message}`));
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const ms = performance.now() - t0;
          if (timedOut) return resolve({ status: 'timeout', ms, message: `killed after ${this.timeoutMs} ms` });
          if (code === 0 && sawSentinel) return resolve({ status: 'pass', ms });
          const why = errorLine(stderr) || (signal ? `killed by ${signal}` : code === 0 ? 'exited before the checks finished' : `exit code ${code}`);
          resolve({ status: 'fail', ms, message: why });
        });
      });
    } finally {
      await unlink(file).catch(() => {});
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.jobs) {
      this.running++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }

  /** Hands the slot to the next waiting run, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
