// `fanout bench --peer llama.cpp`: llama.cpp (node-llama-cpp 3.21.1's prebuilt CPU binary, installed in
// tools/llama-peer by `npm run setup:peer`) timed on the same model as a GGUF file, the same prompt ids and
// the same n, in the same run as Fanout's own numbers. The timing loop is tools/llama-peer/bench.mjs,
// run in a child process (its own ESM resolution and native addon; a crash there cannot take the bench).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-errors.ts';
import { packageRoot } from './cli-model.ts';
import type { PeerComparison, PeerResult } from '../bench.ts';


function peerDir(): string {
  const dir = join(packageRoot(), 'tools', 'llama-peer');
  for (const pkg of ['node-llama-cpp', '@node-llama-cpp/linux-x64'])
    if (!existsSync(join(dir, 'node_modules', pkg, 'package.json'))) throw new CliError(`--peer llama.cpp: ${pkg} is not installed in tools/llama-peer; run npm run setup:peer first.`);
  return dir;
}

/** Runs the peer's timing loop on `gguf` (an absolute path); rejects with the peer's own error text. */
export async function runLlamaPeer(gguf: string, tokens: number[], ns: number[], steps: number, threads = availableParallelism()): Promise<PeerResult> {
  const dir = peerDir();
  const out = await new Promise<string>((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [join(dir, 'bench.mjs')], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const errs: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => errs.push(b));
    child.on('error', (e) => reject(new CliError(`--peer llama.cpp: cannot start it (${e.message}).`)));
    child.on('close', (code) => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (code === 0) return resolve(text);
      let why = `exit ${code}`;
      try {
        why = (JSON.parse(text) as { error?: string }).error ?? why;
      } catch {
        why += `: ${Buffer.concat(errs).toString('utf8').trim().slice(-300)}`;
      }
      reject(new CliError(`--peer llama.cpp failed on ${gguf}: ${why}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify({ model: gguf, tokens, ns, steps, threads }));
  });
  const r = JSON.parse(out) as Omit<PeerResult, 'name' | 'model'>;
  return { name: 'llama.cpp', model: gguf, ...r };
}

/** The model folder written as an F16 GGUF file in a temporary folder (removed by the returned cleanup). */
export async function folderAsGguf(dir: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const [{ exportGguf }, { dirSource }] = await Promise.all([import('../model/gguf-export.ts'), import('../model/fs-source.ts')]);
  const tmp = await mkdtemp(join(tmpdir(), 'fanout-peer-'));
  const path = join(tmp, 'model-f16.gguf');
  const fh = await open(path, 'w');
  try {
    await exportGguf(dirSource(dir), { type: 'f16', write: async (b) => void (await fh.write(b)) });
  } finally {
    await fh.close();
  }
  return { path, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}

/**
 * The comparison table: per n, Fanout's and llama.cpp's ms per decode step, tokens/s and prompt prefill,
 * measured in this run on the same model and prompt ids.
 */
export function formatPeer(p: PeerComparison): string {
  const { fanout, fanoutPrefillMs } = p;
  const f = (v: number | null | undefined, d = 1) => (v === null || v === undefined ? '—' : v.toFixed(d));
  const out = [
    `peer ${p.name} (${p.llamaCpp.release}, ${p.llamaCpp.gpu === false ? 'CPU' : p.llamaCpp.gpu}, ${p.threads} threads) on ${p.model}, prompt ${p.rows[0]?.promptTokens ?? '?'} tokens (the same ids in both):`,
    `  llama.cpp shares no prompt KV between sequences: sequence 0's prompt state is copied into the others ("copy ms"); Fanout's bifurcated attention reads it once.`,
    ['n', 'fanout ms/step', 'llama ms/step', 'llama/fanout', 'fanout tok/s', 'llama tok/s', 'fanout prefill', 'llama prefill', 'llama copy ms'].map((s) => s.padStart(15)).join(''),
  ];
  for (const r of p.rows) {
    const ours = fanout.find((x) => x.n === r.n)?.msPerStep ?? null;
    out.push(
      [String(r.n), f(ours), f(r.msPerStep), ours ? `${(r.msPerStep / ours).toFixed(2)}x` : '—', ours ? f((r.n / ours) * 1000) : '—', f(r.tokensPerSecond), f(fanoutPrefillMs), f(r.prefillMs), f(r.copyMs)]
        .map((s) => s.padStart(15))
        .join(''),
    );
  }
  return out.join('\n');
}
