// One generate request's lifecycle and the candidates it accumulates, folded from host events. Pure.
import type { AttentionMode, GenerateEvent, Timings } from '../protocol/engine.ts';
import { countBlank, type Candidate } from './rerank.ts';

/** 'generating' means in flight: sent and not ended (it may still wait in the host's queue: see `waiting`). */
export type RunStatus = 'generating' | 'done' | 'cancelled' | 'error';

/** Why an in-flight request has not started: the model is still loading/compiling, or others' requests run first. */
export interface RunWaiting {
  reason: 'model-loading' | 'queue';
  /** 1 = next to run; 0 while the host has not said (sent before the model was ready). */
  position: number;
}

export interface Run {
  /** The request id sent to the host. */
  id: string;
  status: RunStatus;
  n: number;
  /** The attention mode the request used (what Timings.kvBytesPerStep refers to). */
  attention: AttentionMode;
  /** Candidates indexed by sample; filled as token events arrive. */
  candidates: Candidate[];
  promptTokens?: number;
  /** The host cut the prompt to fit the model's context. */
  truncated?: boolean;
  fim?: boolean;
  /** Chunks of other files the host put into the prompt (context-ring.ts), and their tokens. */
  contextChunks?: number;
  contextTokens?: number;
  timings?: Timings;
  /** The backend returned no token log-probabilities (a remote server without them). */
  noLogprobs?: boolean;
  /** Set when status is 'error'. */
  error?: { code: string; message: string; hint: string };
  /**
   * Set while the request waits to start (the host said `queued`, or it was sent before the model was
   * ready); cleared by its first event. A waiting run is still 'generating' (in flight), so everything
   * that treats an in-flight run specially (Esc cancels, no second request) holds while it waits.
   */
  waiting?: RunWaiting;
}

export function startRun(id: string, n: number, attention: AttentionMode, waiting?: RunWaiting): Run {
  return {
    id,
    status: 'generating',
    n,
    attention,
    ...(waiting ? { waiting } : {}),
    candidates: Array.from({ length: n }, (_, sample) => ({ sample, text: '', tokens: 0, sumLogprob: 0, finishReason: null })),
  };
}

/**
 * Applies one event. Token events append text and add the token's log-probability; the finish event
 * then replaces text, token count and sum with the host's authoritative values (the sampler may drop a
 * trailing stop sequence from the text). Events for a run that already ended are ignored.
 */
export function applyEvent(run: Run, ev: GenerateEvent): Run {
  if (run.status !== 'generating') return run;
  if (run.waiting) {
    // Its first event: the request left the queue (or a queued one was cancelled: done).
    const { waiting: _, ...started } = run;
    run = started;
  }
  switch (ev.type) {
    case 'start':
      return { ...run, promptTokens: ev.promptTokens, truncated: ev.truncated, fim: ev.fim, contextChunks: ev.contextChunks, contextTokens: ev.contextTokens };
    case 'token':
      return updateCandidate(run, ev.sample, (c) => ({
        ...c,
        text: c.text + ev.text,
        tokens: c.tokens + 1,
        sumLogprob: c.sumLogprob + ev.logprob,
      }));
    case 'finish':
      return updateCandidate(run, ev.sample, (c) => ({
        ...c,
        text: ev.text,
        tokens: ev.tokens,
        sumLogprob: ev.sumLogprob,
        finishReason: ev.reason,
      }));
    case 'done':
      return { ...run, status: ev.cancelled ? 'cancelled' : 'done', timings: ev.timings, ...(ev.noLogprobs ? { noLogprobs: true } : {}) };
  }
}

/** The host said the request waits (`queued`): where, and why. Ignored once the run has started or ended. */
export function queueRun(run: Run, waiting: RunWaiting): Run {
  if (run.status !== 'generating') return run;
  if (!run.waiting && run.candidates.some((c) => c.tokens > 0 || c.finishReason !== null)) return run;
  return { ...run, waiting };
}

/** The run failed (host error or lost connection); the candidates decoded so far are kept. */
export function failRun(run: Run, error: { code: string; message: string; hint: string }): Run {
  if (run.status !== 'generating') return run;
  return { ...run, status: 'error', error };
}

function updateCandidate(run: Run, sample: number, f: (c: Candidate) => Candidate): Run {
  // A sample index outside the requested n would be a host bug; grow rather than drop its text.
  const candidates = run.candidates.slice();
  while (candidates.length <= sample) {
    candidates.push({ sample: candidates.length, text: '', tokens: 0, sumLogprob: 0, finishReason: null });
  }
  candidates[sample] = f(candidates[sample]!);
  return { ...run, candidates };
}

/** The candidates to rank: finished ones, and after a cancel or error also the partial ones with text. */
export function rankableCandidates(run: Run): Candidate[] {
  return run.candidates.filter((c) => c.finishReason !== null || (run.status !== 'generating' && c.tokens > 0));
}

export function finishedCount(run: Run): number {
  return run.candidates.filter((c) => c.finishReason !== null).length;
}

/** Finished samples with nothing to insert (empty or whitespace only): ranking leaves them out. */
export function emptyCount(run: Run): number {
  return countBlank(run.candidates.filter((c) => c.finishReason !== null));
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/**
 * The panel's one-line account of a run: what happened, in words ("cancelled after 12 of 32 finished",
 * "32 samples · 6 ended empty"), never a count that reads as if all finished when they did not.
 */
export function runSummary(run: Run): string {
  const done = finishedCount(run);
  const empty = emptyCount(run);
  const emptyNote = (empty > 0 ? ` · ${empty} ended empty` : '') + (run.noLogprobs ? ' · the server sent no log-probabilities (scores are 0)' : '');
  if (run.status === 'generating') {
    if (run.waiting) {
      return run.waiting.reason === 'model-loading'
        ? 'waiting for the model…'
        : run.waiting.position > 0
          ? `waiting · ${ordinal(run.waiting.position)} in line`
          : 'waiting for other requests…';
    }
    return `decoding · ${done}/${run.n} finished`;
  }
  if (run.status === 'done') return `${run.n} samples${emptyNote}`;
  const verb = run.status === 'cancelled' ? 'cancelled' : 'failed';
  if (done === 0) return `${verb} before any sample finished`;
  if (done >= run.n) return `${verb} after all ${run.n} finished${emptyNote}`;
  return `${verb} after ${done} of ${run.n} finished${emptyNote}`;
}
