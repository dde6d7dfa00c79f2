import { describe, expect, it } from 'vitest';
import type { Timings } from '../engine/api.ts';
import { applyEvent, failRun, finishedCount, rankableCandidates, startRun } from './run.ts';

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
