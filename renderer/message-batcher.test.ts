import { describe, expect, it } from 'vitest';
import { MAX_WAIT_MS, MessageBatcher, type Scheduler } from './message-batcher.ts';

function fakeScheduler() {
  const frames: (() => void)[] = [];
  const timers: { f: () => void; ms: number }[] = [];
  const s: Scheduler = { frame: (f) => frames.push(f), later: (f, ms) => timers.push({ f, ms }) };
  return { s, frames, timers };
}

describe('MessageBatcher', () => {
  it('delivers the messages of one frame together, in order', () => {
    const got: number[][] = [];
    const { s, frames, timers } = fakeScheduler();
    const b = new MessageBatcher<number>((m) => got.push(m), s);
    b.push(1);
    b.push(2);
    b.push(3);
    expect(got).toEqual([]);
    expect(frames).toHaveLength(1); // one schedule per batch, not per message
    expect(timers[0]!.ms).toBe(MAX_WAIT_MS);
    frames[0]!();
    expect(got).toEqual([[1, 2, 3]]);
    timers[0]!.f(); // the fallback finds nothing left
    expect(got).toEqual([[1, 2, 3]]);
    b.push(4);
    expect(frames).toHaveLength(2);
    timers[1]!.f(); // no frame came (hidden tab): the fallback delivers
    expect(got).toEqual([[1, 2, 3], [4]]);
  });
});
