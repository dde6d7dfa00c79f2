// Hands host messages to the store once per frame instead of once per message: the host streams a token
// event per sample per decode step, and updating the store (and React, and Monaco's ghost text) for each
// one kept the main thread from painting. Messages keep their order; nothing is dropped or merged here
// (the store folds token events in receiveAll).

export interface Scheduler {
  /** Runs `f` before the next paint (requestAnimationFrame in a page). */
  frame(f: () => void): void;
  /** Runs `f` after `ms` (a fallback: frames do not run in a hidden tab). */
  later(f: () => void, ms: number): void;
}

/** Longest a message waits when no frame comes (hidden tab). */
export const MAX_WAIT_MS = 50;

export class MessageBatcher<M> {
  private queue: M[] = [];
  private scheduled = false;

  constructor(
    private readonly deliver: (msgs: M[]) => void,
    private readonly scheduler: Scheduler,
  ) {}

  push(msg: M): void {
    this.queue.push(msg);
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => this.flush();
    this.scheduler.frame(flush);
    this.scheduler.later(flush, MAX_WAIT_MS);
  }

  /** Delivers everything queued now (idempotent: the frame and the fallback both call it). */
  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const msgs = this.queue;
    this.queue = [];
    this.deliver(msgs);
  }
}

/** The page's scheduler. */
export const pageScheduler: Scheduler = {
  frame: (f) => requestAnimationFrame(() => f()),
  later: (f, ms) => void setTimeout(f, ms),
};
