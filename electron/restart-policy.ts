// When to restart the engine window after it crashed, hung or lost its GPU device: at once the first
// time, then with doubling delays, and not at all after too many failures in a short time (a model that
// crashes the GPU process every time would otherwise loop forever). An engine that stayed up for a while
// is healthy again: the next failure starts from the shortest delay. Pure: the caller passes the time.

export interface RestartPolicyOptions {
  /** Delay before the second restart in a row (the first is immediate). Default 1 s. */
  baseMs?: number;
  /** Longest delay. Default 30 s. */
  maxMs?: number;
  /** Give up after this many failures within `windowMs`. Default 5. */
  maxFailures?: number;
  windowMs?: number;
  /** Up this long after a restart = healthy: the failure count starts over. Default 60 s. */
  stableMs?: number;
}

export type RestartDecision = { action: 'restart'; delayMs: number; attempt: number } | { action: 'give-up'; failures: number; windowMs: number };

export class RestartPolicy {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly stableMs: number;
  /** Times of recent failures (within windowMs). */
  private failures: number[] = [];
  /** Consecutive failures since the engine was last healthy. */
  private streak = 0;
  private upSince: number | null = null;

  constructor(opts: RestartPolicyOptions = {}) {
    this.baseMs = opts.baseMs ?? 1000;
    this.maxMs = opts.maxMs ?? 30_000;
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 120_000;
    this.stableMs = opts.stableMs ?? 60_000;
  }

  /** The engine reported ready at `now`. */
  up(now: number): void {
    this.upSince = now;
  }

  /** The engine failed at `now`: restart after `delayMs`, or give up. */
  failed(now: number): RestartDecision {
    if (this.upSince !== null && now - this.upSince >= this.stableMs) this.streak = 0;
    this.upSince = null;
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    this.failures.push(now);
    if (this.failures.length >= this.maxFailures) return { action: 'give-up', failures: this.failures.length, windowMs: this.windowMs };
    const attempt = ++this.streak;
    const delayMs = attempt === 1 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 2));
    return { action: 'restart', delayMs, attempt };
  }

  /** A restart the user asked for: forget past failures. */
  reset(): void {
    this.failures = [];
    this.streak = 0;
    this.upSince = null;
  }
}
