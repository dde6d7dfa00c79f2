import { describe, expect, it } from 'vitest';
import type { Timings } from '../protocol/engine.ts';
import { applyEvent, emptyCount, failRun, finishedCount, queueRun, rankableCandidates, runSummary, startRun, type Run } from './run.ts';

const timings: Timings = {
  prefillMs: 12,
  decodeMs: 100,
  steps: 10,
  msPerStep: 10,
  tokensPerSecond: 320,
  promptTokens: 40,
  kvBytesPerStep: 1000,
  kvBytesPerStepOther: 32000,
};

describe('run', () => {
  it('accumulates token events per sample and takes the finish event as authoritative', () => {
    let run = startRun('g1', 2, 'bifurcated');
    run = applyEvent(run, { type: 'start', promptTokens: 40, truncated: false, fim: true });
    run = applyEvent(run, { type: 'token', sample: 1, token: 5, text: 'ret', logprob: -0.5 });
    run = applyEvent(run, { type: 'token', sample: 0, token: 6, text: 'x', logprob: -2 });
    run = applyEvent(run, { type: 'token', sample: 1, token: 7, text: 'urn\n', logprob: -0.25 });
    expect(run.candidates[1]).toEqual({ sample: 1, text: 'return\n', tokens: 2, sumLogprob: -0.75, finishReason: null });
    expect(run.promptTokens).toBe(40);
    run = applyEvent(run, { type: 'finish', sample: 1, reason: 'line', text: 'return', tokens: 2, sumLogprob: -0.75 });
    expect(run.candidates[1]).toMatchObject({ text: 'return', finishReason: 'line' });
    expect(finishedCount(run)).toBe(1);
    // While generating only finished samples are rankable.
    expect(rankableCandidates(run).map((c) => c.sample)).toEqual([1]);
    run = applyEvent(run, { type: 'done', timings, cancelled: false });
    expect(run.status).toBe('done');
    expect(run.timings).toBe(timings);
  });

  it('marks cancelled runs and keeps partial samples with text rankable', () => {
    let run = startRun('g2', 3, 'bifurcated');
    run = applyEvent(run, { type: 'token', sample: 0, token: 1, text: 'a', logprob: -1 });
    run = applyEvent(run, { type: 'done', timings, cancelled: true });
    expect(run.status).toBe('cancelled');
    expect(rankableCandidates(run).map((c) => c.sample)).toEqual([0]);
  });

  it('ignores events after the run ended and keeps text on failure', () => {
    let run = startRun('g3', 1, 'bifurcated');
    run = applyEvent(run, { type: 'token', sample: 0, token: 1, text: 'a', logprob: -1 });
    run = failRun(run, { code: 'disconnected', message: 'lost', hint: 'retry' });
    expect(run.status).toBe('error');
    const after = applyEvent(run, { type: 'token', sample: 0, token: 2, text: 'b', logprob: -1 });
    expect(after).toBe(run);
    expect(after.candidates[0]!.text).toBe('a');
    expect(failRun(after, { code: 'x', message: 'y', hint: 'z' }).error?.code).toBe('disconnected');
  });

  it('does not drop text for a sample index beyond n', () => {
    const run = applyEvent(startRun('g4', 1, 'bifurcated'), { type: 'token', sample: 2, token: 1, text: 'z', logprob: -1 });
    expect(run.candidates.map((c) => c.text)).toEqual(['', '', 'z']);
  });
});

/** A run of n samples: `texts` finish (in order), the rest are still decoding or cut off. */
function finished(n: number, texts: string[], end?: 'done' | 'cancelled' | 'error'): Run {
  let run = startRun('s', n, 'bifurcated');
  texts.forEach((text, sample) => (run = applyEvent(run, { type: 'finish', sample, reason: 'eos', text, tokens: 1, sumLogprob: -1 })));
  if (end === 'error') return failRun(run, { code: 'x', message: 'y', hint: 'z' });
  return end ? applyEvent(run, { type: 'done', timings, cancelled: end === 'cancelled' }) : run;
}

describe('run: waiting and summary', () => {
  it('a queued run waits until its first event, and says so', () => {
    let run = startRun('q', 4, 'bifurcated', { reason: 'model-loading', position: 0 });
    expect(run.status).toBe('generating');
    expect(runSummary(run)).toBe('waiting for the model…');
    run = queueRun(run, { reason: 'queue', position: 2 });
    expect(runSummary(run)).toBe('waiting · 2nd in line');
    run = applyEvent(run, { type: 'start', promptTokens: 3, truncated: false, fim: false });
    expect(run.waiting).toBeUndefined();
    expect(runSummary(run)).toBe('decoding · 0/4 finished');
    // A late queued message for a run that has started changes nothing.
    expect(queueRun(applyEvent(run, { type: 'token', sample: 0, token: 1, text: 'a', logprob: -1 }), { reason: 'queue', position: 1 }).waiting).toBeUndefined();
  });

  it('counts the samples that ended empty and says what happened', () => {
    expect(emptyCount(finished(4, ['', ' \n', 'x']))).toBe(2);
    expect(runSummary(finished(32, Array.from({ length: 32 }, (_, i) => (i < 6 ? '' : `v${i}`)), 'done'))).toBe('32 samples · 6 ended empty');
    expect(runSummary(finished(32, ['a', 'b'], 'done'))).toBe('32 samples');
    expect(runSummary(finished(32, Array.from({ length: 12 }, () => 'a'), 'cancelled'))).toBe('cancelled after 12 of 32 finished');
    expect(runSummary(finished(8, [], 'cancelled'))).toBe('cancelled before any sample finished');
    expect(runSummary(finished(8, ['', 'a', 'b'], 'error'))).toBe('failed after 3 of 8 finished · 1 ended empty');
    // Never "cancelled · 32/32 finished".
    expect(runSummary(finished(2, ['a', 'b'], 'cancelled'))).toBe('cancelled after all 2 finished');
  });

  it('says when a remote server sent no log-probabilities to rank by', () => {
    const run = applyEvent(finished(2, ['a', 'b']), { type: 'done', timings, cancelled: false, noLogprobs: true });
    expect(run.noLogprobs).toBe(true);
    expect(runSummary(run)).toBe('2 samples · the server sent no log-probabilities (scores are 0)');
  });
});
