import { describe, expect, it } from 'vitest';
import type { ConnectionState } from './transport.ts';
import { connectElectron, connectWebSocket, ENGINE_PORT_MESSAGE, fromMessagePort, NotConnectedError, parseHostMessage, reconnectDelay } from './transport.ts';
import type { EngineState, FanoutPreload } from '../protocol/desktop.ts';
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

describe('connectElectron', () => {
  /** A window that delivers 'message' events as the preload's postMessage would. */
  function fakeWindow() {
    const listeners = new Set<(ev: MessageEvent) => void>();
    interface FakeWin {
      addEventListener(type: string, fn: (ev: MessageEvent) => void): void;
      removeEventListener(type: string, fn: (ev: MessageEvent) => void): void;
      post(data: unknown, ports: MessagePort[], source?: unknown): void;
    }
    const win: FakeWin = {
      addEventListener: (_, fn) => void listeners.add(fn),
      removeEventListener: (_, fn) => void listeners.delete(fn),
      post(data: unknown, ports: MessagePort[], source: unknown = win) {
        for (const fn of [...listeners]) fn({ data, ports, source } as unknown as MessageEvent);
      },
    };
    return win;
  }
  function fakePreload() {
    const engineListeners = new Set<(s: EngineState) => void>();
    let requests = 0;
    const api: FanoutPreload = {
      requestEnginePort: () => void requests++,
      onEngineState(fn) {
        engineListeners.add(fn);
        fn({ kind: 'starting' });
        return () => engineListeners.delete(fn);
      },
    };
    return { api, engine: (s: EngineState) => engineListeners.forEach((fn) => fn(s)), requests: () => requests };
  }

  it('asks for the port, opens when it arrives, shows an engine restart as closed, and switches to the new port', async () => {
    const win = fakeWindow();
    const pre = fakePreload();
    const t = connectElectron(pre.api, win as unknown as Window);
    const states: ConnectionState[] = [];
    t.onConnection((s) => states.push(s));
    expect(pre.requests()).toBe(1);
    expect(states.at(-1)).toEqual({ kind: 'connecting' });
    expect(() => t.send({ type: 'status', id: 's' })).toThrow(NotConnectedError);

    // A port posted by another window is ignored.
    const stray = new MessageChannel();
    win.post({ type: ENGINE_PORT_MESSAGE }, [stray.port1], {});
    expect(states.at(-1)).toEqual({ kind: 'connecting' });

    const first = new MessageChannel();
    win.post({ type: ENGINE_PORT_MESSAGE }, [first.port1]);
    expect(states.at(-1)).toEqual({ kind: 'open' });
    const got: HostMessage[] = [];
    t.onMessage((m) => got.push(m));

    pre.engine({ kind: 'restarting', reason: 'the engine window crashed', retryInMs: 1000, attempt: 2 });
    expect(states.at(-1)).toMatchObject({ kind: 'closed', retryInMs: 1000, attempts: 2, reason: expect.stringContaining('crashed') });
    pre.engine({ kind: 'failed', reason: 'it crashed 5 times' });
    expect(states.at(-1)).toMatchObject({ kind: 'closed', retryInMs: 0, reason: expect.stringContaining('Restart Engine') });

    // The new engine's port replaces the old one: messages come from it, sends go to it.
    const second = new MessageChannel();
    win.post({ type: ENGINE_PORT_MESSAGE }, [second.port1]);
    expect(states.at(-1)).toEqual({ kind: 'open' });
    const sent = new Promise((resolve) => (second.port2.onmessage = (e) => resolve(e.data)));
    t.send({ type: 'status', id: 's2' });
    expect(await sent).toEqual({ type: 'status', id: 's2' });
    const arrived = new Promise<void>((resolve) => t.onMessage(() => resolve()));
    second.port2.postMessage({ type: 'status', id: 's2', model: null, device: 'gpu', busy: false });
    await arrived;
    expect(got).toEqual([{ type: 'status', id: 's2', model: null, device: 'gpu', busy: false }]);
    t.close();
    for (const c of [stray, first, second]) c.port2.close();
  });
});
