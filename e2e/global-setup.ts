// Starts the web host for the e2e run: `node scripts/web.mjs --port 0 --storage f32 --engine-test-page`
// with the bundled model, waits until the model is loaded (the host compiles the engine's shaders before it
// reports the model loaded) and checks one small 32-sample request, and writes a broken model folder for the error spec. Returns the teardown.
//
// The models on "this machine" (the model list, models.spec.ts): the host (and the desktop app, which
// inherits this process's environment) looks in OLLAMA_MODELS and FANOUT_MODEL_DIRS, set here to two
// empty folders of this run's temp dir (FANOUT_E2E_OLLAMA, FANOUT_E2E_MODEL_DIR); models.spec.ts writes
// the models into them. The host reads both variables at each listing, so they may fill up later.
//
// f32 storage: the in-browser engine spec compares the Node host's samples with Chromium's WebGPU,
// which has no shader-f16 under SwiftShader; the UI specs do not depend on the storage type.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostClient } from './host-client.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default async function globalSetup(): Promise<() => Promise<void>> {
  const started = Date.now();
  const chromium = process.env.FANOUT_E2E_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new Error(
      `The e2e tests drive Chromium at ${chromium}, which does not exist. Install it (Debian/Ubuntu: sudo apt-get install chromium, ` +
        'or bash .ci/install-system.sh), or point FANOUT_E2E_CHROMIUM at a Chromium/Chrome binary.',
    );
  }
  const tmp = await mkdtemp(join(tmpdir(), 'fanout-e2e-'));
  // A model folder with good weights and tokenizer but a corrupt config.json.
  const broken = join(tmp, 'broken-model');
  await mkdir(broken);
  const bundled = join(ROOT, 'models', 'fanout-code-4m');
  await copyFile(join(bundled, 'tokenizer.json'), join(broken, 'tokenizer.json'));
  await writeFile(join(broken, 'config.json'), '{ "architectures": ["LlamaForCausalLM"], "hidden_size": 192,,, }');
  process.env.FANOUT_E2E_BROKEN_MODEL = broken;
  const ollama = join(tmp, 'ollama-models');
  const modelDir = join(tmp, 'gguf-models');
  await mkdir(ollama);
  await mkdir(modelDir);
  process.env.OLLAMA_MODELS = process.env.FANOUT_E2E_OLLAMA = ollama;
  process.env.FANOUT_MODEL_DIRS = process.env.FANOUT_E2E_MODEL_DIR = modelDir;

  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'web.mjs'), '--port', '0', '--storage', 'f32', '--engine-test-page', '--verbose'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FANOUT_DEBUG: '1' },
  });
  const log: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line && !line.startsWith('Warning: max')) log.push(line);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the web host printed no URL within 120 s; its log:\n${log.join('\n')}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Fanout web host: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web host exited with code ${code} before printing its URL; its log:\n${log.join('\n')}`));
    });
  });
  process.env.FANOUT_E2E_URL = url;

  // Wait for the preloaded model (loaded and warmed up), then check one small 32-sample request.
  const c = await HostClient.open(url);
  try {
    await c.waitForModel(180_000);
    const events = await c.generate({ prefix: 'function add(a, b) {\n  return', n: 32, maxTokens: 4, seed: 1 }, 240_000);
    if (!events.some((e) => e.type === 'done')) throw new Error('the warm-up request ended without a done event');
  } catch (e) {
    child.kill('SIGTERM');
    throw new Error(`${(e as Error).message}\nweb host log:\n${log.join('\n')}`);
  } finally {
    await c.close();
  }
  console.log(`[e2e] web host ${url} ready (model loaded, shaders compiled) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  return async () => {
    await stop(child);
    await rm(tmp, { recursive: true, force: true });
    if (process.env.FANOUT_E2E_HOST_LOG) console.log(log.join('\n'));
  };
}

/** SIGTERM (the host shuts down gracefully), SIGKILL if it is still there after 10 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
