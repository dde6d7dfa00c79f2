// Soak test of the web host (not part of CI; results go in docs/RELIABILITY.md):
//   npx tsx scripts/soak-host.ts [--minutes 3] [--clients 3] [--model models/fanout-code-4m] [--seed 1]
// Starts the real host (`node scripts/web.mjs --port 0`, as a user does) and runs K WebSocket clients
// for M minutes, each looping over a seeded mix: full generates (n = 8, up to 16 tokens, code with and
// without a suffix), generates cancelled after 0–300 ms, connections dropped mid-request, bad frames,
// status requests. It checks that every generate ends with exactly one `done` or one `error` for its id,
// that no reply names an id nobody sent, that a cancelled request ends within 5 s, that `status` is
// answered within 5 s at any time and that the host never dies; it samples the host's RSS (the whole
// process tree) every 10 s. Prints a summary; exits 1 on any violation.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { sampleRng } from '../engine/rng.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
};
const MINUTES = Number(arg('minutes', '3'));
const CLIENTS = Number(arg('clients', '3'));
const MODEL = arg('model', join(ROOT, 'models', 'fanout-code-4m'));
const SEED = Number(arg('seed', '1'));

const PROMPTS: [string, string?][] = [
  ['function add(a: number, b: number): number {\n  return'],
  ['for (let i = 0; i < ', ') {\n}\n'],
  ["import { useState } from '"],
  ['export class Queue<T> {\n  private items: T[] = [];\n  push(x: T) {\n    ', '\n  }\n}\n'],
  ['const users = await db.query("SELECT * FROM users WHERE id = ?", ['],
];
const BAD_FRAMES = ['{not json', '{"type":"nope","id":"b"}', '[]', '{"type":"generate","id":"b2","request":{"n":0}}', JSON.stringify({ type: 'load', id: 'b3', model: { kind: 'dir', path: '/nonexistent' } })];

const violations: string[] = [];
const violate = (s: string) => {
  if (violations.length < 50) violations.push(s);
};
const counts: Record<string, number> = {};
const count = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
const latencies: number[] = [];
const errorsByCode: Record<string, number> = {};

// ---- the host ----
const host = spawn(process.execPath, [join(ROOT, 'scripts', 'web.mjs'), '--port', '0', '--model', MODEL], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
let hostDied = false;
host.on('exit', (code, signal) => {
  if (!stopping) violate(`the host exited (code ${code}, signal ${signal})`);
  hostDied = true;
});
let stopping = false;
let stderr = '';
host.stderr.on('data', (d) => (stderr += d));
const pageUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  host.stdout.on('data', (d) => {
    out += d;
    const m = /Fanout web host: (http:\/\/\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  setTimeout(() => reject(new Error(`no address from the host in 120 s; stderr: ${stderr}`)), 120_000);
});
const wsUrl = (() => {
  const u = new URL(pageUrl);
  return `ws://${u.host}/ws${u.search}`;
})();

/** RSS of the host's process tree in MiB (/proc). */
function treeRss(pid: number): number {
  const kids = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${e}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
    } catch {
      // gone
    }
  }
  let kb = 0;
  for (const stack = [pid]; stack.length; ) {
    const p = stack.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
    stack.push(...(kids.get(p) ?? []));
  }
  return kb / 1024;
}

// ---- a client ----
function connect(): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

interface Pending {
  done: (ended: 'done' | 'error', code?: string) => void;
  ends: number;
}

async function client(k: number, until: number) {
  const rng = sampleRng(SEED, k);
  let ws = await connect();
  const pending = new Map<string, Pending>();
  let seq = 0;
  const listen = (sock: WebSocket) =>
    sock.on('message', (raw) => {
      let m: { type: string; id?: string | null; code?: string; event?: { type: string } };
      try {
        m = JSON.parse(raw.toString());
      } catch {
        violate(`client ${k}: a reply that is not JSON`);
        return;
      }
      if (m.type === 'state' || m.id === null || m.id === undefined) return;
      const p = pending.get(m.id);
      if (!p) {
        if (!/^[bs]/.test(m.id) && !m.id.startsWith(`c${k}-`)) violate(`client ${k}: a reply for an id it never sent: ${m.id}`);
        return;
      }
      if (m.type === 'error') p.done('error', m.code);
      else if (m.type === 'event' && m.event?.type === 'done') p.done('done');
    });
  listen(ws);

  const generate = (cancelAfter: number | null, drop: boolean) =>
    new Promise<void>((resolve) => {
      const id = `c${k}-${++seq}`;
      const [prefix, suffix] = PROMPTS[Math.floor(rng.next() * PROMPTS.length)]!;
      const t0 = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const p: Pending = {
        ends: 0,
        done(ended, code) {
          p.ends++;
          if (p.ends > 1) violate(`client ${k}: ${id} ended twice`);
          clearTimeout(timer);
          if (ended === 'error') errorsByCode[code ?? '?'] = (errorsByCode[code ?? '?'] ?? 0) + 1;
          else if (cancelAfter === null) latencies.push(performance.now() - t0);
          setTimeout(() => {
            pending.delete(id);
            resolve();
          }, 50); // a second end, if any, arrives before the entry goes
        },
      };
      pending.set(id, p);
      ws.send(JSON.stringify({ type: 'generate', id, request: { prefix, ...(suffix ? { suffix } : {}), n: 8, maxTokens: 16, seed: Math.floor(rng.next() * 1e6) } }));
      // Queued behind other clients' requests: an uncancelled request may wait for theirs (generous bound).
      timer = setTimeout(() => {
        violate(`client ${k}: ${id} did not end within ${cancelAfter === null ? 120 : 5} s`);
        pending.delete(id);
        resolve();
      }, cancelAfter === null ? 120_000 : cancelAfter + 60_000);
      if (cancelAfter !== null) {
        setTimeout(() => {
          if (drop) {
            ws.terminate();
            pending.delete(id);
            clearTimeout(timer);
            resolve();
            return;
          }
          ws.send(JSON.stringify({ type: 'cancel', id }));
          // From now on, the end must come within 5 s.
          clearTimeout(timer);
          timer = setTimeout(() => {
            violate(`client ${k}: cancelled ${id} did not end within 5 s`);
            pending.delete(id);
            resolve();
          }, 5000);
        }, cancelAfter);
      }
    });

  while (Date.now() < until && !hostDied) {
    const r = rng.next();
    if (r < 0.4) {
      count('generate');
      await generate(null, false);
    } else if (r < 0.7) {
      count('generate+cancel');
      await generate(Math.floor(rng.next() * 300), false);
    } else if (r < 0.78) {
      count('generate+disconnect');
      await generate(Math.floor(rng.next() * 300), true);
      ws = await connect();
      listen(ws);
    } else if (r < 0.88) {
      count('bad frame');
      ws.send(BAD_FRAMES[Math.floor(rng.next() * BAD_FRAMES.length)]!);
      await new Promise((res) => setTimeout(res, 20));
    } else {
      count('status');
      await status(ws, k);
    }
  }
  ws.close();
}

/** A status request on `ws`, answered within 5 s. */
function status(ws: WebSocket, k: number): Promise<void> {
  const id = `s${k}-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const timer = setTimeout(() => {
      violate(`client ${k}: status not answered within 5 s`);
      ws.off('message', on);
      resolve();
    }, 5000);
    const on = (raw: WebSocket.RawData) => {
      const m = JSON.parse(raw.toString()) as { type: string; id?: string };
      if (m.type === 'status' && m.id === id) {
        clearTimeout(timer);
        ws.off('message', on);
        count(`status within ${performance.now() - t0 < 1000 ? '1' : '5'} s`);
        resolve();
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ type: 'status', id }));
  });
}

// ---- run ----
{
  const ws = await connect();
  for (const t0 = Date.now(); ; ) {
    const st = await new Promise<{ state?: { phase?: string } }>((resolve) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString())));
      ws.send(JSON.stringify({ type: 'status', id: 'warm' }));
    });
    if (st.state?.phase === 'ready') break;
    if (Date.now() - t0 > 180_000) throw new Error('the model did not become ready in 3 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
  ws.close();
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const rss: number[] = [treeRss(host.pid!)];
const sampler = setInterval(() => rss.push(treeRss(host.pid!)), 10_000);
const t0 = Date.now();
const until = t0 + MINUTES * 60_000;
await Promise.all(Array.from({ length: CLIENTS }, (_, k) => client(k, until)));
clearInterval(sampler);
rss.push(treeRss(host.pid!));
stopping = true;
host.kill('SIGTERM');

const third = Math.floor(rss.length / 3);
const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const mid = avg(rss.slice(third, 2 * third));
const last = avg(rss.slice(2 * third));
const pct = (p: number) => {
  const s = [...latencies].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(0) : '-';
};
console.log(`soak: ${((Date.now() - t0) / 60_000).toFixed(1)} min, ${CLIENTS} clients, seed ${SEED}, model ${MODEL}, load average at start ${load}`);
console.log(`requests: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(`errors by code: ${Object.entries(errorsByCode).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
console.log(`full generates: p50 ${pct(50)} ms, p95 ${pct(95)} ms (${latencies.length}; queued behind other clients included)`);
console.log(`host RSS (process tree): start ${rss[0]!.toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB, end ${rss.at(-1)!.toFixed(0)} MiB; middle third ${mid.toFixed(0)}, last third ${last.toFixed(0)} MiB`);
console.log(violations.length ? `VIOLATIONS (${violations.length}):\n  ${violations.join('\n  ')}` : 'invariants: all held');
process.exit(violations.length ? 1 : 0);
