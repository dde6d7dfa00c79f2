// `npm run bench:ux [-- --edits 50] [--n 8,32] [--json] [--out FILE]`: latency as a user feels it.
//
// Drives the real web app (the web host with the bundled model, Debian's Chromium through Playwright)
// through scripted edits of real code: for each edit a held-out file (evals/heldout/, code the bundled
// model never saw) is opened with one line's content removed, the cursor goes to that line after its
// indentation, the first characters of the true line are typed key by key, and the user pauses. Two
// times are taken in the page (performance.now(), so no Node round trip is in them):
//   ghost   from the end of the typing pause (the last keystroke + the suggestion debounce) to the first
//           inline suggestion (Monaco's ghost text) on screen;
//   panel   from the same moment to the full ranked panel: every one of the automatic request's n samples
//           finished and ranked (the run summary says "n samples").
// and reported as P50/P90 for each n (the automatic request's sample count, the autoN setting), with the
// adapter named. Edits are on lines 6–120 of each file (the cursor gets there with arrow keys).
// Not a test: numbers go to docs/BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { chromium, type Page } from '@playwright/test';
import { sampleRng } from '../engine/rng.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url)); // e2e/ → repo root
const HELDOUT = join(ROOT, 'evals', 'heldout');

interface Args {
  edits: number;
  ns: number[];
  json: boolean;
  out?: string;
  debounceMs: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { edits: 50, ns: [8, 32], json: false, debounceMs: 300, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--edits') a.edits = Number(v());
    else if (k === '--n') a.ns = v().split(',').map(Number);
    else if (k === '--json') a.json = true;
    else if (k === '--out') a.out = v();
    else if (k === '--debounce') a.debounceMs = Number(v());
    else if (k === '--seed') a.seed = Number(v());
    else throw new Error(`unknown option ${k} (options: --edits K, --n 8,32, --debounce MS, --seed S, --json, --out FILE)`);
  }
  if (!(Number.isInteger(a.edits) && a.edits > 0)) throw new Error('--edits must be a positive integer');
  if (a.ns.some((n) => !(Number.isInteger(n) && n >= 1 && n <= 64))) throw new Error('--n takes integers from 1 to 64, e.g. 8,32');
  return a;
}

export interface Edit {
  file: string;
  /** 1-based line whose content (after its indentation) is removed and then partly typed. */
  line: number;
  /** The file with that line's content removed. */
  text: string;
  /** Characters typed at the cursor before the pause (a word start of the true line). */
  typed: string;
}

/**
 * The scripted edits: lines whose content starts with a word of 2+ letters (so typing it triggers no
 * auto-closing bracket or quote), not in the first 5 lines, spread over the held-out files.
 */
export function scriptEdits(count: number, seed: number): Edit[] {
  const manifest = JSON.parse(readFileSync(join(HELDOUT, 'manifest.json'), 'utf8')) as { files: { file: string }[] };
  const pool: Edit[] = [];
  for (const f of manifest.files) {
    const lines = readFileSync(join(HELDOUT, f.file), 'utf8').split('\n');
    for (let i = 5; i < lines.length - 1; i++) {
      const m = /^([ \t]*)([A-Za-z_$][A-Za-z0-9_$]+)/.exec(lines[i]!);
      if (!m || lines[i]!.length > 100 || i >= 120) continue;
      const typed = m[2]!.slice(0, Math.min(3, m[2]!.length - 1));
      const edited = [...lines];
      edited[i] = m[1]!;
      pool.push({ file: f.file, line: i + 1, text: edited.join('\n'), typed });
    }
  }
  const r = sampleRng(seed, 0); // the engine's seeded PRNG: the same edit script on every run
  const out: Edit[] = [];
  while (out.length < count && pool.length) out.push(pool.splice(Math.floor(r.next() * pool.length), 1)[0]!);
  return out;
}

function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function startHost(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'web.mjs'), '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the web host printed no URL within 180 s')), 180_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Fanout web host: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the web host exited with code ${code}`)));
  });
  return { url, child };
}

const SETTINGS_KEY = 'fanout.settings.v1';
/** The app's draft of open tabs (renderer/draft.ts): each edit opens as the only tab. */
const DRAFT_KEY = 'fanout.draft.v2';

/** Opens the app on `edit`'s text with `settings`, cursor at the edited line after its indentation. */
async function openEdit(page: Page, url: string, edit: Edit, settings: Record<string, unknown>) {
  await page.evaluate(
    ([sk, s, dk, d]) => {
      localStorage.setItem(sk as string, JSON.stringify(s));
      localStorage.setItem(dk as string, JSON.stringify(d));
    },
    [SETTINGS_KEY, settings, DRAFT_KEY, { tabs: [{ name: edit.file.split('/').pop(), text: edit.text }], active: 0 }] as const,
  );
  await page.goto(url);
  await page.getByTestId('engine-state').or(page.locator('.run-summary')).first().waitFor({ timeout: 300_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=engine-state]')?.textContent?.includes('Ready'), undefined, { timeout: 300_000 });
  await page.locator('[data-testid=editor] .view-lines').click();
  await page.keyboard.press('ControlOrMeta+Home');
  for (let i = 1; i < edit.line; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
}

/** Installs the in-page probes: the time of each keystroke and of the first ghost text after a mark. */
// Plain JavaScript, passed as a string: tsx's transform would wrap named functions inside a page.evaluate
// callback with a helper (__name) that the page does not have.
const PROBES = `(() => {
  const u = (window.__ux = { lastKey: 0, ghostAt: 0, panelAt: 0, armed: false });
  document.addEventListener('keydown', () => { u.lastKey = performance.now(); }, true);
  const seen = () => {
    if (!u.armed) return;
    if (!u.ghostAt) {
      const g = document.querySelector('.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text');
      if (g && (g.textContent || '').trim() !== '') u.ghostAt = performance.now();
    }
    const summary = document.querySelector('.run-summary');
    if (!u.panelAt && /^\\d+ samples/.test((summary && summary.textContent) || '')) u.panelAt = performance.now();
  };
  new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
})()`;

/** Installs the in-page probes: the time of each keystroke, of the first ghost text and of the full panel. */
async function installProbes(page: Page) {
  await page.evaluate(PROBES);
}

interface Sample {
  file: string;
  line: number;
  ghostMs: number | null;
  panelMs: number | null;
}

async function runOne(page: Page, edit: Edit, debounceMs: number, timeoutMs: number): Promise<Sample> {
  await installProbes(page);
  await page.evaluate(() => ((window as unknown as { __ux: { armed: boolean } }).__ux.armed = true));
  await page.keyboard.type(edit.typed, { delay: 60 });
  const since = (key: 'ghostAt' | 'panelAt') =>
    page
      .waitForFunction((k) => (window as unknown as { __ux: Record<string, number> }).__ux[k]! > 0, key, { timeout: timeoutMs, polling: 20 })
      .then(() =>
        page.evaluate(
          ([k, d]) => {
            const u = (window as unknown as { __ux: Record<string, number> }).__ux;
            return u[k as string]! - (u.lastKey! + (d as number));
          },
          [key, debounceMs] as const,
        ),
      )
      .catch(() => null);
  const ghostMs = await since('ghostAt');
  const panelMs = await since('panelAt');
  await page.keyboard.press('Escape');
  return { file: edit.file, line: edit.line, ghostMs, panelMs };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const edits = scriptEdits(args.edits, args.seed);
  const { url, child } = await startHost();
  const browser = await chromium.launch({
    executablePath: process.env.FANOUT_E2E_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--no-first-run', '--enable-unsafe-webgpu'],
  });
  const results: Record<string, { samples: Sample[]; ghost: { p50: number; p90: number }; panel: { p50: number; p90: number }; missed: number }> = {};
  let device = '';
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    for (const n of args.ns) {
      const settings = { autoComplete: true, autoN: n, autoDelayMs: args.debounceMs, rerank: 'mean' };
      const samples: Sample[] = [];
      for (const [i, e] of edits.entries()) {
        await openEdit(page, url, e, settings);
        if (!device) device = (await page.getByTestId('status').innerText()).split('\n').join(' ');
        const s = await runOne(page, e, args.debounceMs, 30_000);
        samples.push(s);
        process.stderr.write(`n=${n} edit ${i + 1}/${edits.length} ${e.file}:${e.line}: ghost ${s.ghostMs?.toFixed(0) ?? '—'} ms, panel ${s.panelMs?.toFixed(0) ?? '—'} ms\n`);
      }
      const g = samples.flatMap((s) => (s.ghostMs === null ? [] : [s.ghostMs]));
      const p = samples.flatMap((s) => (s.panelMs === null ? [] : [s.panelMs]));
      results[n] = {
        samples,
        ghost: { p50: percentile(g, 50), p90: percentile(g, 90) },
        panel: { p50: percentile(p, 50), p90: percentile(p, 90) },
        missed: samples.filter((s) => s.ghostMs === null).length,
      };
    }
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
  const report = { date: new Date().toISOString(), device, loadavg: loadavg().map((x) => +x.toFixed(2)), edits: edits.length, debounceMs: args.debounceMs, results };
  if (args.out) writeFileSync(args.out, JSON.stringify(report, null, 2) + '\n');
  if (args.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    const lines = [`device: ${device}`, `load average: ${report.loadavg.join(' ')}`, `${edits.length} edits, debounce ${args.debounceMs} ms`, '', '   n  ghost P50  ghost P90  panel P50  panel P90  no ghost'];
    for (const n of args.ns) {
      const r = results[n]!;
      const f = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '—').padStart(9);
      lines.push(`${String(n).padStart(4)}  ${f(r.ghost.p50)}  ${f(r.ghost.p90)}  ${f(r.panel.p50)}  ${f(r.panel.p90)}  ${String(r.missed).padStart(8)}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    process.stderr.write(`bench:ux: error: ${(e as Error).message}\n`);
    process.exit(2);
  });
}
