// The launcher as a user runs it (node scripts/web.mjs, what `npm run web` runs): prints its URL, serves
// the built app with the CSP header, refuses bad flags, and shuts down cleanly on SIGTERM and SIGINT.
import { describe, test, expect } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB = join(ROOT, 'scripts', 'web.mjs');

function start(args: string[]) {
  const child = spawn(process.execPath, [WEB, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^Fanout web host: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its URL: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, stderr: () => stderr };
}

describe('npm run web (scripts/web.mjs)', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`--port 0 --no-preload: serves the app with its CSP; ${signal} shuts it down with exit code 0`, async () => {
      const host = start(['--port', '0', '--no-preload']);
      const url = await host.url;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy');
      expect(csp).toContain("default-src 'self'");
      // The header is the page's own policy (the meta tag the renderer build writes), plus what only a
      // header can say: no other page may frame this one.
      expect(csp!.endsWith("; frame-ancestors 'none'")).toBe(true);
      expect(await res.text()).toContain(`content="${csp!.slice(0, -"; frame-ancestors 'none'".length)}"`);
      host.child.kill(signal);
      expect(await host.exited).toBe(0);
      expect(host.stderr()).toContain(`${signal}: shutting down`);
    }, 180_000);
  }

  test('bad flags: one error line and exit code 2', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(process.execPath, [WEB, ...args], { cwd: ROOT, timeout: 240_000 }, (err, _out, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stderr }),
        ),
      );
    const port = await run(['--port', 'x']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/^fanout web: error: .*--port.*must be a port number/m);
    const model = await run(['--model', join(ROOT, 'no-such-model-folder')]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/^fanout web: error: --model .*no such folder/m);
  }, 180_000);
});
