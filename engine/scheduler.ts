// The request queue of a host: one job (a model load or a generate) runs at a time on the one GPU, the
// others wait in one FIFO over all connections. Transport-free and GPU-free: a job is a `run` function
// and three callbacks, so the policy is tested on its own (tests in scheduler.test.ts) and the host
// session (engine/host/session.ts) only says what running, dropping and waiting mean for a request.
//
// Policy:
// - FIFO over all owners (connections); at most `maxWaiting` jobs wait behind the running one. Past that
//   a submit is refused ('full'), with no side effect: the host answers 'queue-full'.
// - A generate supersedes its owner's previous generate: the running one is aborted (it ends by itself,
//   within one decode step, and the new one starts after it), a waiting one is dropped and the new one
//   takes its place in the line (retyping does not send a page to the back of the queue; but when the
//   owner queued a load after it, the new one goes behind that load, as it was sent after it). Loads are
//   never superseded: another page may be waiting for that model.
// - cancel(owner, id) aborts the owner's running generate or drops its waiting one; loads are not
//   cancelled (a load cannot be interrupted halfway, and the model is everyone's).
// - cancelOwner (the connection closed) aborts its running generate and drops all its waiting jobs.
// - Each waiting job hears its position (1 = next) and why it waits ('model-loading': a load runs or waits
//   ahead of it; 'queue': other requests do) when it is queued and whenever either changes.
// - onChange fires after every change of what runs or waits, so the host can broadcast its state.
// Nothing here does heavy work: every method is O(queue length) with a queue of at most maxWaiting.

export type JobKind = 'load' | 'generate';
export type WaitReason = 'model-loading' | 'queue';
/** Why a waiting job left the queue without running. */
export type DropReason = 'superseded' | 'cancelled' | 'closed';

export interface Job<Owner> {
  readonly owner: Owner;
  readonly id: string;
  readonly kind: JobKind;
  /** Runs the job to its end; `signal` aborts when it is cancelled or superseded. It should answer its own failures: a rejection only ends the job. */
  run(signal: AbortSignal): Promise<void>;
  /** The job left the queue without running (it must still answer its request). */
  dropped(why: DropReason): void;
  /** The job waits at `position` (1 = next to run) for `reason`: sent when queued and on each change. */
  waiting(position: number, reason: WaitReason): void;
}

export type SubmitResult = { ok: true; queued: boolean; ended: Promise<void> } | { ok: false; limit: number };

export interface SchedulerOptions {
  /** Jobs that may wait behind the running one (default 16). */
  maxWaiting?: number;
  /** Called after each change of the running job or the waiting list. */
  onChange?: () => void;
}

export const DEFAULT_MAX_WAITING = 16;

interface Entry<Owner> {
  job: Job<Owner>;
  ended: () => void;
  abort?: AbortController;
  /** Last position/reason told to the job, so it hears only changes. */
  told?: string;
}

export class Scheduler<Owner> {
  readonly maxWaiting: number;
  private current?: Entry<Owner>;
  private queue: Entry<Owner>[] = [];
  private readonly onChange: () => void;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: SchedulerOptions = {}) {
    this.maxWaiting = opts.maxWaiting ?? DEFAULT_MAX_WAITING;
    this.onChange = opts.onChange ?? (() => {});
  }

  /** The running job, if any. */
  get running(): Job<Owner> | undefined {
    return this.current?.job;
  }

  /** How many jobs wait behind the running one. */
  get waiting(): number {
    return this.queue.length;
  }

  /** The waiting jobs, next first. */
  get waitingJobs(): Job<Owner>[] {
    return this.queue.map((e) => e.job);
  }

  /** A load runs or waits (a generate submitted now will find a model, or learn why not). */
  get hasLoad(): boolean {
    return this.current?.job.kind === 'load' || this.queue.some((e) => e.job.kind === 'load');
  }

  /**
   * Queues `job` (or starts it when nothing runs). `ended` resolves when it has run or was dropped.
   * Refused without side effects when the queue is full.
   */
  submit(job: Job<Owner>): SubmitResult {
    const replaces = job.kind === 'generate' ? this.queue.findIndex((e) => e.job.owner === job.owner && e.job.kind === 'generate') : -1;
    if (replaces < 0 && this.queue.length >= this.maxWaiting) return { ok: false, limit: this.maxWaiting };
    let ended!: () => void;
    const done = new Promise<void>((res) => (ended = res));
    const entry: Entry<Owner> = { job, ended };
    if (job.kind === 'generate') {
      const cur = this.current;
      if (cur && cur.job.owner === job.owner && cur.job.kind === 'generate') cur.abort?.abort();
    }
    let old: Entry<Owner> | undefined;
    // In place, unless the owner queued a load after the old generate: the new one then asks for the new model, so it goes behind that load.
    const loadAfter = replaces >= 0 && this.queue.slice(replaces + 1).some((e) => e.job.owner === job.owner && e.job.kind === 'load');
    if (replaces >= 0 && !loadAfter) [old] = this.queue.splice(replaces, 1, entry);
    else {
      if (replaces >= 0) [old] = this.queue.splice(replaces, 1);
      this.queue.push(entry);
    }
    if (old) this.drop(old, 'superseded');
    this.pump();
    this.settle();
    return { ok: true, queued: this.current !== entry, ended: done };
  }

  /** Aborts the owner's running generate `id` or drops its waiting one; false when there is none (it ended, or it is a load). */
  cancel(owner: Owner, id: string): boolean {
    const cur = this.current;
    if (cur && cur.job.owner === owner && cur.job.id === id && cur.job.kind === 'generate') {
      cur.abort?.abort();
      return true;
    }
    const i = this.queue.findIndex((e) => e.job.owner === owner && e.job.id === id && e.job.kind === 'generate');
    if (i < 0) return false;
    const [e] = this.queue.splice(i, 1);
    this.drop(e, 'cancelled');
    this.settle();
    return true;
  }

  /** The owner went away: its running generate is aborted, its waiting jobs dropped. */
  cancelOwner(owner: Owner): void {
    const cur = this.current;
    if (cur && cur.job.owner === owner && cur.job.kind === 'generate') cur.abort?.abort();
    const gone = this.queue.filter((e) => e.job.owner === owner);
    if (gone.length === 0) return;
    this.queue = this.queue.filter((e) => e.job.owner !== owner);
    for (const e of gone) this.drop(e, 'closed');
    this.settle();
  }

  /** Shutting down: the running generate is aborted, every waiting job dropped. */
  cancelAll(): void {
    const cur = this.current;
    if (cur?.job.kind === 'generate') cur.abort?.abort();
    const gone = this.queue;
    this.queue = [];
    for (const e of gone) this.drop(e, 'closed');
    this.settle();
  }

  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (!this.current && this.queue.length === 0) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private drop(e: Entry<Owner>, why: DropReason) {
    try {
      e.job.dropped(why);
    } finally {
      e.ended();
    }
  }

  /** Starts the next job when nothing runs. */
  private pump() {
    if (this.current) return;
    const next = this.queue.shift();
    if (!next) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    this.current = next;
    next.abort = new AbortController();
    let running: Promise<void>;
    try {
      running = next.job.run(next.abort.signal);
    } catch (e) {
      running = Promise.reject(e);
    }
    const finish = () => {
      if (this.current === next) this.current = undefined;
      next.ended();
      this.pump();
      this.settle();
    };
    running.then(finish, finish);
  }

  /** Tells waiting jobs their new positions, then the owner of the queue that something changed. */
  private settle() {
    let loadAhead = this.current?.job.kind === 'load';
    this.queue.forEach((e, i) => {
      const reason: WaitReason = loadAhead ? 'model-loading' : 'queue';
      const told = `${i + 1} ${reason}`;
      if (e.told !== told) {
        e.told = told;
        e.job.waiting(i + 1, reason);
      }
      if (e.job.kind === 'load') loadAhead = true;
    });
    this.onChange();
  }
}
