import { describe, expect, it } from 'vitest';
import type { ConnectionState } from './transport.ts';
import { connectWebSocket, fromMessagePort, NotConnectedError, parseHostMessage, reconnectDelay } from './transport.ts';
import type { HostMessage } from './protocol.ts';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(d: string) {
    this.sent.push(d);
  }
  close() {
    this.readyState = 3;
  }
  accept() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
  }
}

function harness() {
  FakeSocket.all = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const t = connectWebSocket('ws://h/ws', {
    createSocket: (u) => new FakeSocket(u),
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
  });
  const states: ConnectionState[] = [];
  t.onConnection((s) => states.push(s));
  return { t, timers, states };
}

describe('reconnectDelay', () => {
  it('doubles from 0.5 s and caps at 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map(reconnectDelay)).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });
});

describe('connectWebSocket', () => {
  it('sends JSON when open and refuses while not connected', () => {
    const { t, states } = harness();
    expect(states).toEqual([{ kind: 'connecting' }]);
    expect(() => t.send({ type: 'status', id: 's1' })).toThrow(NotConnectedError);
    FakeSocket.all[0]!.accept();
    t.send({ type: 'status', id: 's1' });
    expect(FakeSocket.all[0]!.sent).toEqual(['{"type":"status","id":"s1"}']);
    expect(states.at(-1)).toEqual({ kind: 'open' });
  });

  it('reconnects with growing delays and resets them after a success', () => {
    const { timers, states } = harness();
    FakeSocket.all[0]!.drop();
    expect(states.at(-1)).toEqual({ kind: 'closed', reason: 'the host is not reachable', retryInMs: 500, attempts: 1 });
    timers.shift()!.fn();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop();
    expect(timers[0]!.ms).toBe(1000);
    timers.shift()!.fn();
    FakeSocket.all[2]!.accept();
    FakeSocket.all[2]!.drop();
    expect(timers[0]!.ms).toBe(500);
  });

  it('delivers parsed messages and stops reconnecting when closed', () => {
    const { t, timers } = harness();
    const got: HostMessage[] = [];
    t.onMessage((m) => got.push(m));
    const s = FakeSocket.all[0]!;
    s.accept();
    s.onmessage?.({ data: '{"type":"status","id":"a","model":null,"loading":false,"busy":false}' });
    expect(got[0]).toMatchObject({ type: 'status', id: 'a' });
    t.close();
    s.onclose?.({ code: 1000, reason: '' });
    expect(timers).toHaveLength(0);
  });
});

describe('parseHostMessage', () => {
  it('turns unreadable data into an error with a hint', () => {
    const m = parseHostMessage('not json');
    expect(m).toMatchObject({ type: 'error', code: 'bad-message' });
    expect(m.type === 'error' && m.hint.length).toBeGreaterThan(0);
    expect(parseHostMessage('{"no":"type"}').type).toBe('error');
  });
});

describe('fromMessagePort', () => {
  it('carries messages both ways over a MessageChannel', async () => {
    const { port1, port2 } = new MessageChannel();
    const t = fromMessagePort(port1);
    const fromPage = new Promise((resolve) => (port2.onmessage = (e) => resolve(e.data)));
    t.send({ type: 'cancel', id: 'g1' });
    expect(await fromPage).toEqual({ type: 'cancel', id: 'g1' });
    const toPage = new Promise<HostMessage>((resolve) => t.onMessage(resolve));
    port2.postMessage({ type: 'loaded', id: 'l1', model: { name: 'm' } });
    expect(await toPage).toMatchObject({ type: 'loaded', id: 'l1' });
    t.close();
    port2.close();
  });
});
