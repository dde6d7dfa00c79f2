// The sandbox's verdicts: pass, fail (with the error line), timeout (the process is killed), syntax
// error (no process), and the limits it sets on the child.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, permissionFlags } from '../../engine/eval/sandbox.ts';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await Sandbox.create({ timeoutMs: 1500, jobs: 2 });
});

afterAll(async () => {
  await sandbox?.close();
});

describe('Sandbox.run', () => {
  it('passes a program that exits normally; TypeScript types are stripped', async () => {
    const r = await sandbox.run("import assert from 'node:assert/strict';\nfunction f(x: number): number { return x * 2; }\nassert.equal(f(2), 4);\n", 'ts');
    expect(r).toMatchObject({ status: 'pass' });
  });

  it('fails a program that throws, with the error line as the message', async () => {
    const r = await sandbox.run("import assert from 'node:assert/strict';\nassert.equal(1 + 1, 3);\n", 'js');
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^AssertionError/);
  });

  it('kills an endless loop at the timeout and says so', async () => {
    const t0 = performance.now();
    const r = await sandbox.run('while (true) {}\n', 'js');
    const ms = performance.now() - t0;
    expect(r.status).toBe('timeout');
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(6000);
  });

  it('reports a syntax error without running anything', async () => {
    const r = await sandbox.run('const a = 1;\nconst = 2;\n', 'js');
    expect(r.status).toBe('syntax-error');
    expect(r.ms).toBe(0);
    expect(r.message).toMatch(/\(line 2\)$/);
    expect((await sandbox.run('function f( {\n', 'js')).status).toBe('syntax-error');
    expect((await sandbox.run('let x: = 1;\n', 'ts')).status).toBe('syntax-error');
    // TypeScript syntax in a JavaScript task is a syntax error too.
    expect((await sandbox.run('const x: number = 1;\n', 'js')).status).toBe('syntax-error');
  });

  it('does not pass a program that exits with code 0 before its checks ran', async () => {
    const r = await sandbox.run("function f() { process.exit(0); }\nf();\nthrow new Error('checks');\n", 'js');
    expect(r.status).toBe('fail');
  });

  it('denies eval, and (with the permission model) file writes and child processes', async () => {
    expect((await sandbox.run("eval('1');\n", 'js')).status).toBe('fail');
    expect((await sandbox.run("new Function('return 1')();\n", 'js')).status).toBe('fail');
    if (permissionFlags('x').length === 0) return;
    expect((await sandbox.run("import { writeFileSync } from 'node:fs';\nwriteFileSync('out.txt', 'x');\n", 'js')).message).toMatch(/ERR_ACCESS_DENIED|restricted/i);
    expect((await sandbox.run("import { execSync } from 'node:child_process';\nexecSync('true');\n", 'js')).status).toBe('fail');
    expect((await sandbox.run("import { readFileSync } from 'node:fs';\nreadFileSync('/etc/hostname');\n", 'js')).status).toBe('fail');
  });

  it('runs with an empty environment', async () => {
    const r = await sandbox.run("if (Object.keys(process.env).length !== 0) throw new Error('env leaked');\n", 'js');
    expect(r.status).toBe('pass');
  });

  it('runs several programs at once but no more than `jobs`', async () => {
    const t0 = performance.now();
    const rs = await Promise.all([0, 1, 2, 3].map(() => sandbox.run('const t = Date.now(); while (Date.now() - t < 400) {}\n', 'js')));
    expect(rs.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    // 4 programs of ≥ 400 ms with 2 at a time: at least two rounds.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(800);
  });
});
