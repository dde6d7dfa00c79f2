// `npm run web [-- options]`: starts the web host (engine/host/web-host.ts) and preloads a model.
// scripts/web.mjs bundles this file to dist/web.mjs (shaders as text, like the CLI) and runs main().
//
// The first line on stdout is "Fanout web host: http://127.0.0.1:PORT/?token=TOKEN" (scripts and tests
// read the URL from it; the token is this launch's key to the page and /ws, see web-host.ts); logs go to stderr. SIGINT/SIGTERM cancel what runs, close the sockets and exit 0.
import { Command, CommanderError } from 'commander';
import { parsePort } from './cli-options.ts';
import { join } from 'node:path';
import { CliError, EXIT_FAILURE, formatError, oneLine } from './cli-errors.ts';
import { memoryBudgetBytes, memoryBudgetFromEnv, packageRoot, prefixCacheFromEnv, resolveModelDir, log } from './cli-model.ts';
import { startWebHost, type WebHost } from './web-host.ts';
import { HostError } from './session.ts';
import type { HostEvent } from '../../protocol/host.ts';

interface WebOptions {
  port: number;
  model?: string;
  preload: boolean;
  storage: 'auto' | 'f16' | 'f32';
  engineTestPage: boolean;
  verbose: boolean;
}


export function buildWebProgram(): Command {
  return new Command('fanout-web')
    .description('Serve the Fanout app on http://127.0.0.1:PORT/ with the engine behind a WebSocket at /ws')
    .option('--port <port>', 'port on 127.0.0.1 (0 = any free port)', parsePort, 7070)
    .option('--model <dir|file.gguf>', 'model folder or GGUF file to load at start (default: the model under models/)')
    .option('--no-preload', 'load no model at start (the app loads the one chosen in its settings)')
    .option('--storage <dtype>', 'GPU storage for weights and KV cache: auto (f16 when the GPU has shader-f16), f16 or f32', 'auto')
    .option('--engine-test-page', 'also serve /engine-test.html, the in-browser engine page used by the e2e tests', false)
    .option('--verbose', 'log connections and failures to stderr', false)
    .addHelpText('after', '\nEnvironment: FANOUT_MEMORY_GIB (GPU memory budget, default 4), FANOUT_DEBUG=1 (stack traces on errors).')
    .exitOverride()
    .configureOutput({ outputError: () => {} });
}

/** Runs the web host until SIGINT/SIGTERM; resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildWebProgram();
  let o: WebOptions;
  try {
    program.parse([...argv]);
    o = program.opts<WebOptions>();
    if (!['auto', 'f16', 'f32'].includes(o.storage)) throw new CliError(`--storage ${o.storage}: use auto, f16 or f32.`);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      process.stderr.write(`fanout web: error: ${oneLine(e.message).replace(/^error: /, '')} See npm run web -- --help.\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(formatError(e).replace(/^fanout:/, 'fanout web:') + '\n');
    return EXIT_FAILURE;
  }

  let host: WebHost;
  let modelDir: string | undefined;
  try {
    const root = packageRoot();
    modelDir = o.preload ? resolveModelDir(o.model) : undefined;
    const preferF16 = o.storage !== 'f32';
    memoryBudgetFromEnv(); // fail fast on a bad FANOUT_MEMORY_GIB
    // The budget depends on the adapter (RAM for a CPU adapter): set once the device exists, before the engine is made.
    const engineOptions: { memoryBudget?: number; prefixCacheBytes?: number } = { prefixCacheBytes: prefixCacheFromEnv() };
    const { acquireNodeGpu } = await import('../gpu/node-gpu.ts');
    host = await startWebHost({
      port: o.port,
      rendererDir: join(root, 'dist', 'renderer'),
      modelsDir: join(root, 'models'),
      engineTestDir: o.engineTestPage ? join(root, 'dist', 'engine-test') : undefined,
      // The app's default model field is "models/fanout-code-4m": relative to the package.
      modelBaseDir: root,
      session: {
        gpu: async () => {
          const ctx = await acquireNodeGpu({ preferF16 });
          if (o.storage === 'f16' && !ctx.f16) {
            ctx.destroy();
            throw new HostError('no-gpu', `The GPU (${ctx.info.name}) has no shader-f16, and the host was started with --storage f16.`, 'Restart the host with --storage f32 or --storage auto.');
          }
          engineOptions.memoryBudget = memoryBudgetBytes(ctx);
          return ctx;
        },
        engine: engineOptions,
        warmUp: true,
        onFailure: (e, code) => log(`fanout web: ${code}: ${formatError(e).replace(/^fanout: error: /, '')}`),
      },
      log: o.verbose ? (l) => log(`fanout web: ${l}`) : undefined,
    });
  } catch (e) {
    process.stderr.write(formatError(e).replace(/^fanout:/, 'fanout web:') + '\n');
    return EXIT_FAILURE;
  }
  process.stdout.write(`Fanout web host: ${host.pageUrl}\n`);

  const done = new Promise<number>((resolveExit) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log(`fanout web: ${signal} again: exiting now`);
        resolveExit(1);
        return;
      }
      stopping = true;
      log(`fanout web: ${signal}: shutting down`);
      host.close().then(
        () => resolveExit(0),
        (e) => {
          log(formatError(e));
          resolveExit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });

  if (modelDir) {
    const boot = host.session.connect((batch: HostEvent[]) => {
      for (const ev of batch) {
        if (ev.type === 'loaded') {
          log(`fanout web: loaded ${ev.model.name} (${ev.model.architecture}, ${ev.model.parameters} parameters, ${ev.model.dtype} on ${ev.model.device})`);
        } else if (ev.type === 'error') {
          log(`fanout web: error: ${ev.message} ${ev.hint}`);
        }
      }
    });
    log(`fanout web: loading ${modelDir}`);
    void boot.receive({ type: 'load', id: 'preload', model: { kind: 'dir', path: modelDir } }).finally(() => boot.close());
  }
  return done;
}
