// One generate request's lifecycle and the candidates it accumulates, folded from host events. Pure.
import type { AttentionMode, GenerateEvent, Timings } from '../engine/api.ts';
import type { Candidate } from './rerank.ts';

export type RunStatus = 'generating' | 'done' | 'cancelled' | 'error';

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
  timings?: Timings;
  /** Set when status is 'error'. */
  error?: { code: string; message: string; hint: string };
}

export function startRun(id: string, n: number, attention: AttentionMode): Run {
  return {
    id,
    status: 'generating',
    n,
    attention,
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
  switch (ev.type) {
    case 'start':
      return { ...run, promptTokens: ev.promptTokens, truncated: ev.truncated, fim: ev.fim };
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
      return { ...run, status: ev.cancelled ? 'cancelled' : 'done', timings: ev.timings };
  }
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
