// The model list (the ▾ model button): the GGUF models on the engine's machine. The global setup points
// OLLAMA_MODELS and FANOUT_MODEL_DIRS at two folders of its temp dir; this spec fills them:
//   Ollama store   fanout-code-4m:f16 — the bundled model exported as GGUF (F16), a blob without extension
//   folder         gemma-2-2b-it-Q4_K_M.gguf (an architecture Fanout does not run), a 2-part split model,
//                  and a vision projector (never listed)
// The list shows each with its quantization, size and source, the unloadable ones greyed with the reason;
// one click loads the Ollama model, it becomes the model setting, and typing gives ghost text. The
// bundled model is loaded back at the end for the other specs (they share the host). Screenshots:
// e2e/screenshots/model-picker.png, model-picker-empty.png.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test, expect } from './fixtures.ts';
import { openApp } from './app-helpers.ts';
import { HostClient } from './host-client.ts';
import { writeGguf, type Meta } from '../tests/fixtures/gguf-writer.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const DRAFT = { fileName: 'fib.ts', text: 'function fibonacci(n: number): number {\n  if (n < 2) return n;\n  ' };
let blob = '';
/** general.name of the exported model: what the status bar shows once the blob is loaded. */
const GGUF_NAME = 'fanout-code-4m (GGUF)';

/** The bundled model as a GGUF file, by `fanout export-gguf` (F16 weights), named `name` in its metadata. */
async function exportBundled(name: string): Promise<Uint8Array> {
  const out = join(tmpdir(), `fanout-e2e-bundled-${process.pid}.gguf`);
  await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'fanout.mjs'), 'export-gguf', '--out', out, '--type', 'f16', '--name', name, '--force']);
  try {
    return await readFile(out);
  } finally {
    await rm(out, { force: true });
  }
}

/** A GGUF file with only a header saying what it is, padded (sparsely) to a real model's size. */
async function headerOnly(path: string, arch: string, fileType: number, bytes: number) {
  const str = (value: string): Meta => ({ type: 'string', value });
  await writeFile(path, writeGguf({ metadata: [['general.architecture', str(arch)], ['general.file_type', { type: 'u32', value: fileType }]] }));
  await truncate(path, bytes);
}

test.beforeAll(async () => {
  const ollama = process.env.FANOUT_E2E_OLLAMA;
  const folder = process.env.FANOUT_E2E_MODEL_DIR;
  if (!ollama || !folder) throw new Error('FANOUT_E2E_OLLAMA / FANOUT_E2E_MODEL_DIR are not set: run the specs through e2e/playwright.config.ts (its global setup sets them).');
  const gguf = await exportBundled(GGUF_NAME);
  const digest = createHash('sha256').update(gguf).digest('hex');
  await mkdir(join(ollama, 'blobs'), { recursive: true });
  blob = join(ollama, 'blobs', `sha256-${digest}`);
  await writeFile(blob, gguf);
  const manifests = join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'fanout-code-4m');
  await mkdir(manifests, { recursive: true });
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size: gguf.length }],
  };
  await writeFile(join(manifests, 'f16'), JSON.stringify(manifest));
  await headerOnly(join(folder, 'gemma-2-2b-it-Q4_K_M.gguf'), 'gemma2', 15, 1_708_582_752);
  await headerOnly(join(folder, 'Qwen2.5-Coder-32B-Instruct-Q4_K_M-00001-of-00002.gguf'), 'qwen2', 15, 9_980_000_000);
  await headerOnly(join(folder, 'Qwen2.5-Coder-32B-Instruct-Q4_K_M-00002-of-00002.gguf'), 'qwen2', 15, 9_890_000_000);
  await headerOnly(join(folder, 'mmproj-gemma-2-f16.gguf'), 'clip', 1, 800_000_000);
});

test('the model list: an Ollama GGUF model with its quantization and size loads with one click and completes as you type', async ({ app }) => {
  const { page } = app;
  try {
    await openApp(page, app.url, { maxTokens: 16, rerank: 'mean' }, DRAFT);
    await page.getByTestId('models-button').click();
    const picker = page.getByTestId('model-picker');
    await expect(picker).toBeVisible();
    const row = (name: string) => picker.getByTestId('local-model').filter({ has: page.locator('.model-name', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
    const ours = row('fanout-code-4m:f16');
    await expect(ours).toBeVisible({ timeout: 60_000 });
    await expect(ours.getByTestId('model-quant')).toHaveText('F16');
    await expect(ours.getByTestId('model-size')).toHaveText('8.7 MB');
    await expect(ours).toContainText('Ollama');
    await expect(ours).toContainText('llama · 4.23M params');
    await expect(ours).toHaveAttribute('aria-disabled', 'false');
    await expect(ours).toHaveAttribute('data-path', blob);

    // What Fanout cannot load is listed greyed, saying why; the projector is not listed.
    const gemma = row('gemma-2-2b-it-Q4_K_M');
    await expect(gemma).toHaveAttribute('aria-disabled', 'true');
    await expect(gemma.getByTestId('model-quant')).toHaveText('Q4_K_M');
    await expect(gemma.getByTestId('model-size')).toHaveText('1.7 GB');
    await expect(gemma).toContainText("architecture 'gemma2' is not supported");
    await expect(gemma).toHaveAttribute('title', /architecture 'gemma2' is not supported/);
    const split = row('Qwen2.5-Coder-32B-Instruct-Q4_K_M');
    await expect(split).toHaveAttribute('aria-disabled', 'true');
    await expect(split).toContainText('2 parts');
    await expect(split.getByTestId('model-size')).toHaveText('20 GB');
    await expect(split).toContainText('llama-gguf-split --merge');
    await expect(picker.getByTestId('local-model').filter({ hasText: 'mmproj' })).toHaveCount(0);
    // The loadable one comes first and has the focus (nothing loaded from the list yet).
    await expect(picker.getByTestId('local-model').first()).toBeFocused();
    await page.screenshot({ path: join(SHOTS, 'model-picker.png') });

    // A greyed model does nothing when clicked (Playwright will not click what says it is disabled: force it); the list stays open.
    await gemma.click({ force: true });
    await expect(picker).toBeVisible();

    // One click loads ours; it becomes the model setting once loaded.
    await ours.click();
    await expect(picker).toBeHidden();
    await expect(page.getByTestId('status')).toContainText(GGUF_NAME, { timeout: 120_000 });
    await expect(page.getByTestId('engine-state')).toContainText('Ready', { timeout: 120_000 });
    await page.getByTestId('settings').click();
    await expect(page.getByTestId('settings-panel').getByPlaceholder('models/fanout-code-4m')).toHaveValue(blob);
    await page.getByTestId('settings').click();

    // Reopened from the keyboard's point of view: the current model has the focus and says so; arrows move; Esc closes.
    await page.getByTestId('models-button').click();
    await expect(ours).toBeFocused();
    await expect(ours).toContainText('current');
    await expect(ours).toHaveAttribute('aria-selected', 'true');
    await page.keyboard.press('ArrowDown');
    await expect(ours).not.toBeFocused();
    await page.keyboard.press('Home');
    await expect(ours).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(picker).toBeHidden();

    // Typing code gives ghost text from the GGUF model.
    await page.locator('[data-testid=editor] .view-lines').click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.type('return');
    await expect(page.locator('[data-testid=editor] .ghost-text-decoration').first()).toBeVisible({ timeout: 120_000 });
  } finally {
    // The other specs expect the bundled model on the shared web host.
    const c = await HostClient.open(app.hostUrl);
    try {
      await c.ensureModel('fanout-code-4m', 180_000);
    } finally {
      await c.close();
    }
  }
});

test('the model list with nothing found says where Fanout looked and that a path can be typed', async ({ app }) => {
  test.skip(app.target !== 'web', 'the empty answer is put on the web host\'s WebSocket');
  const { page } = app;
  // The host's answer to list-models replaced by an empty one; every other message goes through.
  await page.routeWebSocket(/\/ws(\?|$)/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const m = JSON.parse(String(message)) as { type?: string; id?: string };
      if (m.type !== 'list-models') return server.send(message);
      const searched = [
        { source: 'folder', path: '/home/ada/llama.cpp/models', found: true },
        { source: 'ollama', path: '/home/ada/.ollama/models', found: false },
        { source: 'ollama', path: '/usr/share/ollama/.ollama/models', found: false },
        { source: 'lmstudio', path: '/home/ada/.lmstudio/models', found: false },
      ];
      ws.send(JSON.stringify({ type: 'models', id: m.id, list: { models: [], searched, truncated: false } }));
    });
  });
  await openApp(page, app.url, {}, DRAFT);
  await page.getByTestId('models-button').click();
  const empty = page.getByTestId('models-empty');
  await expect(empty).toBeVisible();
  await expect(empty).toContainText('No GGUF models were found. Fanout looked in:');
  await expect(empty).toContainText('/home/ada/.ollama/models (Ollama, not there)');
  await expect(empty).toContainText('/home/ada/llama.cpp/models (Folder)');
  await expect(page.getByTestId('model-picker')).toContainText('Or type the path of a .gguf file or a model folder in Settings → Model');
  await page.screenshot({ path: join(SHOTS, 'model-picker-empty.png') });
  // The link goes to the model field.
  await page.getByTestId('model-picker').getByRole('button', { name: 'Settings → Model' }).click();
  await expect(page.getByTestId('settings-panel')).toBeVisible();
});
