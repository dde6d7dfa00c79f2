// `fanout serve`: the local engine as an OpenAI-compatible HTTP API (engine/host/serve.ts). The first
// line on stdout is "fanout serve: http://HOST:PORT/v1 (MODEL)" (scripts and tests read the URL from it);
// logs go to stderr. SIGINT/SIGTERM cancel what runs, close the connections and exit 0.
import type { Command } from 'commander';
import { parsePort } from '../cli-options.ts';
import { CliError } from '../cli-errors.ts';
import { log, memoryBudgetBytes, memoryBudgetFromEnv, prefixCacheFromEnv, resolveModelDir } from '../cli-model.ts';
import { readApiKeyFile, writeOut } from '../cli-io.ts';

interface ServeCliOptions {
  model?: string;
  port: number;
  host: string;
  apiKeyFile?: string;
  corsOrigin?: string;
  verbose?: boolean;
}


export function register(program: Command): Command {
  return program
    .command('serve')
    .description('serve the local engine as an OpenAI-compatible API: POST /v1/completions, GET /v1/models, GET /health')
    .option('--model <dir|file.gguf>', 'Hugging Face model folder or GGUF file (default: the model under models/)')
    .option('--port <port>', 'port (0 = any free port)', parsePort, 8080)
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1/::1/localhost needs --api-key-file', '127.0.0.1')
    .option('--api-key-file <file>', 'file whose first line is the API key clients must send as Authorization: Bearer KEY')
    .option('--cors-origin <origin>', 'allow this web origin (e.g. http://localhost:5173) to call the API from a browser')
    .action(async (_o: ServeCliOptions, cmd: Command) => {
      await serve(cmd.optsWithGlobals<ServeCliOptions>());
    });
}


async function serve(o: ServeCliOptions): Promise<void> {
  if (o.corsOrigin !== undefined && !/^https?:\/\/[^/\s]+$/.test(o.corsOrigin)) {
    throw new CliError(`--cors-origin ${o.corsOrigin}: give an origin like http://localhost:5173 (scheme, host and port, no path).`);
  }
  const apiKey = o.apiKeyFile ? await readApiKeyFile(o.apiKeyFile) : undefined;
  const dir = resolveModelDir(o.model);
  memoryBudgetFromEnv();
  const [{ startServe }, { acquireNodeGpu }, { nodeModelSource }, { WorkerTokenizer }, { describeGpu }] = await Promise.all([
    import('../serve.ts'),
    import('../../gpu/node-gpu.ts'),
    import('../web-host.ts'),
    import('../worker-tokenizer.ts'),
    import('../cli-model.ts'),
  ]);
  const engine: { memoryBudget?: number; prefixCacheBytes?: number; requestTokenizer?: InstanceType<typeof WorkerTokenizer> } = {
    prefixCacheBytes: prefixCacheFromEnv(),
    // Requests are tokenized in a worker: a tokenizer.json regex that backtracks without end cannot stall
    // the server's thread (and with it every other client).
    requestTokenizer: new WorkerTokenizer({}),
  };
  const verbose = !!o.verbose;
  let server;
  try {
    server = await startServe({
      session: {
        gpu: async () => {
          const ctx = await acquireNodeGpu();
          if (verbose) log(describeGpu(ctx));
          engine.memoryBudget = memoryBudgetBytes(ctx);
          return ctx;
        },
        source: nodeModelSource({ baseDir: process.cwd() }),
        engine,
        warmUp: true,
        onFailure: (e, code) => log(`fanout serve: ${code}: ${(e as Error).message ?? String(e)}`),
      },
      model: { kind: 'dir', path: dir },
      port: o.port,
      host: o.host,
      apiKey,
      corsOrigin: o.corsOrigin,
      log: verbose ? (l) => log(`fanout serve: ${l}`) : undefined,
    });
  } catch (e) {
    engine.requestTokenizer?.close();
    throw new CliError((e as Error).message);
  }
  await writeOut(`fanout serve: ${server.baseUrl} (${server.model.name})\n`);
  log(`fanout serve: ${server.model.name} (${server.model.parameters} parameters, ${server.model.dtype} on ${server.model.device}); POST ${server.baseUrl}/completions${apiKey ? ' with Authorization: Bearer KEY' : ''}; Ctrl+C stops`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(1);
      stopping = true;
      log(`fanout serve: ${signal}: shutting down`);
      void server.close().finally(() => {
        engine.requestTokenizer?.close();
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
