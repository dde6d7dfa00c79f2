// Model and GPU set-up for the CLI commands that run the engine: finds the model folder, acquires the
// GPU, loads the model. Engine modules are imported lazily so that tokenize/detokenize and argument
// errors never load dawn.node.
import type { FormatName } from '../formats/format.ts';
import { startsWithGguf } from '../model/fs-source.ts';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCpuAdapter, type GpuContext } from '../gpu/context.ts';
import type { Engine } from '../engine.ts';
import type { ModelInfo } from '../../protocol/engine.ts';
import { CliError } from './cli-errors.ts';
import { resolveModelPath } from './model-path.ts';

/** GPU memory budget for weights + one request, in GiB: FANOUT_MEMORY_GIB, default 4. */
/** FANOUT_MEMORY_GIB in bytes, or undefined when unset; checked before any GPU work so a typo fails fast. */
export function memoryBudgetFromEnv(): number | undefined {
  const raw = process.env.FANOUT_MEMORY_GIB;
  if (raw === undefined || raw === '') return undefined;
  const gib = Number(raw);
  if (!(gib > 0) || !Number.isFinite(gib)) {
    throw new CliError(`FANOUT_MEMORY_GIB=${raw} is not a positive number; set it to the GiB of GPU memory Fanout may use, e.g. 8.`);
  }
  return gib * 1024 ** 3;
}

/**
 * FANOUT_PREFIX_CACHE_MIB in bytes (GPU memory kept for recent prompts' K/V, engine/prefix-cache.ts; 0
 * turns it off), or undefined when unset (the engine's default).
 */
export function prefixCacheFromEnv(): number | undefined {
  const raw = process.env.FANOUT_PREFIX_CACHE_MIB;
  if (raw === undefined || raw === '') return undefined;
  const mib = Number(raw);
  if (!(mib >= 0) || !Number.isFinite(mib)) {
    throw new CliError(`FANOUT_PREFIX_CACHE_MIB=${raw} is not a number ≥ 0; set the MiB of GPU memory kept for recent prompts' K/V (0 turns it off), or leave it unset.`);
  }
  return Math.floor(mib * 1024 ** 2);
}

/**
 * GPU memory Fanout may use. FANOUT_MEMORY_GIB overrides. WebGPU does not report a device's memory,
 * so otherwise: a CPU adapter (lavapipe, llvmpipe, SwiftShader) uses system RAM, and may take 60% of
 * it; a real GPU gets a conservative 4 GiB (set FANOUT_MEMORY_GIB on a bigger card).
 */
export function memoryBudgetBytes(ctx: GpuContext): number {
  const fromEnv = memoryBudgetFromEnv();
  if (fromEnv !== undefined) return fromEnv;
  return isCpuAdapter(ctx) ? Math.floor(totalmem() * 0.6) : 4 * 1024 ** 3;
}

/**
 * The package root: the nearest folder above this module with the "fanout" package.json. Works both
 * from source (engine/host/) and from the bundle (dist/).
 */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'fanout') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (dirname(dir) === dir) throw new CliError(`cannot find Fanout's package.json above ${from}; run fanout from its installed package.`);
  }
}

const isModelDir = (dir: string) => existsSync(join(dir, 'config.json'));

/**
 * The default model folder: models/<name in models/DEFAULT> if that has config.json, else the first
 * folder (by name) under models/ that has config.json.
 */
export function defaultModelDir(root = packageRoot()): string {
  const models = join(root, 'models');
  const pinned = join(models, 'DEFAULT');
  if (existsSync(pinned)) {
    const name = readFileSync(pinned, 'utf8').trim();
    if (name && isModelDir(join(models, name))) return join(models, name);
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(models).sort();
  } catch {
    // no models/ folder
  }
  for (const e of entries) {
    const dir = join(models, e);
    if (statSync(dir).isDirectory() && isModelDir(dir)) return dir;
  }
  throw new CliError(
    `no model found: ${models} has no folder with a config.json; pass --model DIR with a Hugging Face model folder.`,
  );
}

/** Resolves --model (or the default) to an existing model folder or .gguf file. */
export function resolveModelDir(arg: string | undefined): string {
  if (arg === undefined) return defaultModelDir();
  // `~/…` too: a quoted or generated --model never went through a shell's expansion.
  const dir = resolveModelPath(arg, process.cwd());
  // A GGUF file by its name, or (Ollama's blobs/sha256-<hex>) by its first bytes.
  if (existsSync(dir) && statSync(dir).isFile() && (/\.gguf$/i.test(dir) || startsWithGguf(dir))) return dir;
  if (existsSync(dir) && statSync(dir).isFile()) throw new CliError(`--model ${arg}: a file, but not a GGUF file (it does not start with "GGUF"); pass a Hugging Face model folder or a .gguf file.`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`--model ${arg}: no such ${/\.gguf$/i.test(dir) ? 'file' : 'folder'}; pass a Hugging Face model folder or a .gguf file.`);
  }
  if (!isModelDir(dir)) throw new CliError(`--model ${arg}: no config.json in it; pass a Hugging Face model folder (config.json, tokenizer.json, *.safetensors).`);
  return dir;
}

/** The adapter, its features and limits, for --verbose. */
export function describeGpu(ctx: GpuContext): string {
  const i = ctx.info;
  const lines = [
    `adapter: ${i.name} (vendor ${i.vendor || '?'}, architecture ${i.architecture || '?'}${i.backend ? `, backend ${i.backend}` : ''})`,
    `storage: ${ctx.f16 ? 'f16 (shader-f16)' : 'f32 (no shader-f16)'}; timestamps: ${ctx.timestamps ? 'yes' : 'no'}; subgroups: ${ctx.subgroups ? `yes (at least ${ctx.subgroupMinSize} lanes)` : 'no'}`,
    `adapter features: ${i.adapterFeatures.join(', ') || '(none)'}`,
    `enabled: ${i.features.join(', ') || '(none)'}`,
    `limits: ${Object.entries(i.limits)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  ];
  return lines.join('\n');
}

export function log(s: string): void {
  process.stderr.write(s.endsWith('\n') ? s : s + '\n');
}

/** Acquires the GPU (printing it with --verbose). */
export async function openGpu(verbose: boolean): Promise<GpuContext> {
  const { acquireNodeGpu } = await import('../gpu/node-gpu.ts');
  const ctx = await acquireNodeGpu();
  if (verbose) log(describeGpu(ctx));
  return ctx;
}

export interface OpenEngine {
  engine: Engine;
  info: ModelInfo;
  close(): void;
}

/** --quantize's value as a quantized weight format; throws a CliError naming the choices. */
export async function quantizeOption(value: string | undefined): Promise<FormatName | undefined> {
  if (value === undefined) return undefined;
  const { formatByName, quantizedNames } = await import('../formats/registry.ts');
  const f = formatByName(value);
  if (!f?.wgsl) throw new CliError(`--quantize ${value}: not a quantized weight format; use one of ${quantizedNames().toLowerCase()}.`);
  return f.name;
}

/** GPU + engine + the model from --model (or the default), ready to generate; `quantize`: LoadOptions.quantize. */
export async function openEngine(modelArg: string | undefined, verbose: boolean, quantize?: string): Promise<OpenEngine> {
  const format = await quantizeOption(quantize);
  const dir = resolveModelDir(modelArg);
  memoryBudgetFromEnv();
  const ctx = await openGpu(verbose);
  try {
    const [{ Engine }, { modelPathSource }] = await Promise.all([import('../engine.ts'), import('../model/fs-source.ts')]);
    const engine = await Engine.create(ctx, { memoryBudget: memoryBudgetBytes(ctx), prefixCacheBytes: prefixCacheFromEnv() });
    let lastFile = '';
    const info = await engine.load(modelPathSource(dir), (p) => {
      if (verbose && p.file !== lastFile) {
        lastFile = p.file;
        log(`loading ${p.file} (${(p.bytesTotal / 2 ** 20).toFixed(1)} MiB)`);
      }
    }, { quantize: format });
    if (verbose) log(`model: ${info.name} (${info.architecture}, ${info.parameters} parameters, ${info.dtype}, weights ${info.weights}, fim: ${info.fim})`);
    return {
      engine,
      info,
      close() {
        engine.destroy();
        ctx.destroy();
      },
    };
  } catch (e) {
    ctx.destroy();
    throw e;
  }
}
