// The request queue on its own, with jobs that are promises the test settles (the scheduler knows
// nothing of the engine): FIFO, one at a time, supersede, cancel, owners leaving, the bound, positions.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WAITING, Scheduler, type Job, type JobKind } from './scheduler.ts';

/** A job that runs until the test calls finish() (or its signal aborts), recording what happened to it. */
function job(owner: string, id: string, kind: JobKind = 'generate') {
  const log: string[] = [];
  let finish!: () => void;
  let signal: AbortSignal | undefined;
  const j: Job<string> & { log: string[]; finish(): void; readonly aborted: boolean } = {
    owner,
    id,
    kind,
    log,
    run(s) {
      signal = s;
      log.push('run');
      return new Promise<void>((res) => {
        finish = res;
        // A generate that is cancelled ends by itself (the engine stops within a decode step).
        s.addEventListener('abort', () => {
          log.push('aborted');
          res();
        });
      });
    },
    dropped: (why) => log.push(`dropped ${why}`),
    waiting: (position, reason) => log.push(`waiting ${position} ${reason}`),
    finish: () => finish(),
    get aborted() {
      return signal?.aborted ?? false;
    },
  };
  return j;
}

/** Lets the scheduler's promise callbacks (a job's end → the next one starts) run. */
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Scheduler', () => {
  it('runs one job at a time, in FIFO order over all owners, and tells each waiting job its position', async () => {
    const s = new Scheduler<string>();
    const a = job('A', 'a1');
    const b = job('B', 'b1');
    const c = job('C', 'c1');
    const ra = s.submit(a);
    expect(ra).toMatchObject({ ok: true, queued: false });
    expect(s.submit(b)).toMatchObject({ ok: true, queued: true });
    expect(s.submit(c)).toMatchObject({ ok: true, queued: true });
    expect(a.log).toEqual(['run']);
    expect(b.log).toEqual(['waiting 1 queue']);
    expect(c.log).toEqual(['waiting 2 queue']);
    expect(s.waiting).toBe(2);
    a.finish();
    if (ra.ok) await ra.ended;
    await tick();
    expect(b.log).toEqual(['waiting 1 queue', 'run']);
    expect(c.log).toEqual(['waiting 2 queue', 'waiting 1 queue']);
    b.finish();
    await tick();
    expect(c.log.at(-1)).toBe('run');
    c.finish();
    await s.idle();
    expect(s.running).toBeUndefined();
    expect(s.waiting).toBe(0);
  });

  it('a job behind a load waits for the model (reason model-loading); behind generates only, for the queue', async () => {
    const s = new Scheduler<string>();
    const load = job('A', 'l', 'load');
    const g = job('B', 'g');
    s.submit(load);
    s.submit(g);
    expect(g.log).toEqual(['waiting 1 model-loading']);
    expect(s.hasLoad).toBe(true);
    load.finish();
    await tick();
    expect(s.hasLoad).toBe(false);
    const h = job('C', 'h');
    s.submit(h);
    const l2 = job('A', 'l2', 'load');
    s.submit(l2);
    const k = job('D', 'k');
    s.submit(k);
    expect(h.log).toEqual(['waiting 1 queue']);
    expect(l2.log).toEqual(['waiting 2 queue']);
    expect(k.log).toEqual(['waiting 3 model-loading']);
    expect(s.hasLoad).toBe(true);
  });

  it("a generate supersedes its owner's running generate: the old one is aborted, the new one runs after it", async () => {
    const s = new Scheduler<string>();
    const g1 = job('A', 'g1');
    const g2 = job('A', 'g2');
    s.submit(g1);
    s.submit(g2);
    expect(g1.aborted).toBe(true);
    expect(g2.log).toEqual(['waiting 1 queue']);
    await tick();
    expect(g2.log).toEqual(['waiting 1 queue', 'run']);
  });

  it("a generate replaces its owner's waiting generate in its place in the line; other owners' requests are untouched", async () => {
    const s = new Scheduler<string>();
    const running = job('B', 'b1');
    const a1 = job('A', 'a1');
    const c1 = job('C', 'c1');
    const a2 = job('A', 'a2');
    s.submit(running);
    const r1 = s.submit(a1);
    s.submit(c1);
    s.submit(a2);
    expect(a1.log).toEqual(['waiting 1 queue', 'dropped superseded']);
    expect(a2.log).toEqual(['waiting 1 queue']);
    expect(c1.log).toEqual(['waiting 2 queue']);
    expect(running.aborted).toBe(false);
    if (r1.ok) await r1.ended; // a dropped job's request has ended too
    expect(s.waitingJobs.map((j) => j.id)).toEqual(['a2', 'c1']);
    // A load of the same owner is not a generate: it is neither superseded nor does it supersede.
    const l = job('A', 'l', 'load');
    s.submit(l);
    const a3 = job('A', 'a3');
    s.submit(a3);
    // It was sent after the load: it goes behind it (it asks for the new model), not into a2's place.
    expect(s.waitingJobs.map((j) => j.id)).toEqual(['c1', 'l', 'a3']);
    expect(a2.log.at(-1)).toBe('dropped superseded');
    expect(l.log).toEqual(['waiting 3 queue', 'waiting 2 queue']);
    expect(a3.log).toEqual(['waiting 3 model-loading']);
  });

  it('cancel aborts the running generate or drops a waiting one; loads and unknown ids are left alone', async () => {
    const s = new Scheduler<string>();
    const load = job('A', 'l', 'load');
    const g = job('A', 'g');
    const h = job('B', 'h');
    s.submit(load);
    s.submit(g);
    s.submit(h);
    expect(s.cancel('A', 'l')).toBe(false);
    expect(load.aborted).toBe(false);
    expect(s.cancel('B', 'g')).toBe(false); // another owner's id
    expect(s.cancel('A', 'g')).toBe(true);
    expect(g.log).toEqual(['waiting 1 model-loading', 'dropped cancelled']);
    expect(h.log).toEqual(['waiting 2 model-loading', 'waiting 1 model-loading']);
    expect(s.cancel('A', 'g')).toBe(false); // idempotent
    load.finish();
    await tick();
    expect(s.cancel('B', 'h')).toBe(true);
    expect(h.aborted).toBe(true);
  });

  it('an owner that leaves: its running generate is aborted, its waiting jobs dropped, the others move up', async () => {
    const s = new Scheduler<string>();
    const a1 = job('A', 'a1');
    const b1 = job('B', 'b1');
    const al = job('A', 'al', 'load');
    const c1 = job('C', 'c1');
    s.submit(a1);
    s.submit(b1);
    s.submit(al);
    s.submit(c1);
    s.cancelOwner('A');
    expect(a1.aborted).toBe(true);
    expect(al.log).toEqual(['waiting 2 queue', 'dropped closed']);
    expect(c1.log).toEqual(['waiting 3 model-loading', 'waiting 2 queue']);
    await tick();
    expect(b1.log.at(-1)).toBe('run');
    expect(c1.log.at(-1)).toBe('waiting 1 queue');
  });

  it('is bounded: past maxWaiting a submit is refused with no side effect; replacing a waiting generate still fits', () => {
    const s = new Scheduler<string>();
    expect(s.maxWaiting).toBe(DEFAULT_MAX_WAITING);
    const first = job('X', 'x');
    s.submit(first);
    const waiting = Array.from({ length: DEFAULT_MAX_WAITING }, (_, i) => job(`O${i}`, `w${i}`));
    for (const w of waiting) expect(s.submit(w)).toMatchObject({ ok: true });
    const late = job('Z', 'z');
    expect(s.submit(late)).toEqual({ ok: false, limit: DEFAULT_MAX_WAITING });
    expect(late.log).toEqual([]);
    // The owner of the running job is refused too, and its running job is not aborted for nothing.
    expect(s.submit(job('X', 'x2'))).toMatchObject({ ok: false });
    expect(first.aborted).toBe(false);
    expect(s.submit(job('O3', 'w3b'))).toMatchObject({ ok: true, queued: true });
    expect(waiting[3].log.at(-1)).toBe('dropped superseded');
    expect(s.waiting).toBe(DEFAULT_MAX_WAITING);
  });

  it('calls onChange after each change; cancelAll empties the queue and idle() resolves when the running job ends', async () => {
    let changes = 0;
    const s = new Scheduler<string>({ maxWaiting: 2, onChange: () => changes++ });
    const load = job('A', 'l', 'load');
    const g = job('B', 'g');
    s.submit(load);
    s.submit(g);
    expect(changes).toBe(2);
    s.cancelAll();
    expect(g.log.at(-1)).toBe('dropped closed');
    expect(load.aborted).toBe(false); // a load is not interrupted: idle() waits for it
    let idle = false;
    void s.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    load.finish();
    await tick();
    expect(idle).toBe(true);
    expect(changes).toBeGreaterThanOrEqual(4);
  });

  it('a job whose run throws or rejects ends like any other; the next one starts', async () => {
    const s = new Scheduler<string>();
    const bad: Job<string> = { owner: 'A', id: 'bad', kind: 'generate', run: () => Promise.reject(new Error('x')), dropped: () => {}, waiting: () => {} };
    const worse: Job<string> = {
      owner: 'B',
      id: 'worse',
      kind: 'generate',
      run: () => {
        throw new Error('y');
      },
      dropped: () => {},
      waiting: () => {},
    };
    const next = job('C', 'c');
    const r = s.submit(bad);
    s.submit(worse);
    s.submit(next);
    if (r.ok) await r.ended;
    await tick();
    await tick();
    expect(next.log.at(-1)).toBe('run');
  });
});
