// A client of a HostSession without a transport, for tests: sends messages to its connection, checks
// every reply against the protocol's schema, collects them, waits for the ones a test expects. Several
// clients may share one `order` log, so a test can check which request ran first.
import type { HostConnection, HostSession } from '../../engine/host/session.ts';
import { parseHostEvent, type HostPhase } from '../../protocol/host.ts';
import type { Reply } from './ws-client.ts';

export class SessionClient {
  readonly received: Reply[] = [];
  readonly conn: HostConnection;
  private waiters: { pred: (m: Reply) => boolean; ok: (m: Reply) => void }[] = [];

  constructor(
    session: HostSession,
    readonly name: string,
    /** Shared log of "name id type" lines (type: the event's type, or the generate event's) in arrival order. */
    readonly order: string[] = [],
  ) {
    this.conn = session.connect((batch) => {
      for (const raw of batch) {
        // The same check a WebSocket client makes: every reply is a valid host event.
        const m: Reply = parseHostEvent(JSON.parse(JSON.stringify(raw)));
        this.received.push(m);
        this.order.push(`${name} ${m.id ?? '-'} ${m.type === 'event' ? m.event.type : m.type}`);
        for (const w of [...this.waiters]) {
          if (w.pred(m)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.ok(m);
          }
        }
      }
    });
  }

  /** Sends a message; resolves when its request has ended. */
  send(msg: unknown): Promise<void> {
    return this.conn.receive(msg);
  }

  /** The first reply from now on (or already received when `past`) matching `pred`. */
  next(pred: (m: Reply) => boolean, timeoutMs = 120_000, past = false): Promise<Reply> {
    if (past) {
      const hit = this.received.find(pred);
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((ok, fail) => {
      const w = {
        pred,
        ok: (m: Reply) => {
          clearTimeout(timer);
          ok(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        fail(new Error(`${this.name}: no matching reply within ${timeoutMs} ms; received:\n${this.received.map((m) => JSON.stringify(m).slice(0, 200)).join('\n')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** All replies with this id, in order. */
  forId(id: string): Reply[] {
    return this.received.filter((m) => m.id === id);
  }

  /** The phases of the state events received, repeats left out. */
  phases(): HostPhase[] {
    const out: HostPhase[] = [];
    for (const m of this.received) if (m.type === 'state' && out.at(-1) !== m.state.phase) out.push(m.state.phase);
    return out;
  }

  /** The last state event received. */
  lastState() {
    for (let i = this.received.length - 1; i >= 0; i--) {
      const m = this.received[i];
      if (m.type === 'state') return m.state;
    }
    return undefined;
  }

  close(): void {
    this.conn.close();
  }
}
