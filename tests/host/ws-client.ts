// A WebSocket client of the web host for tests: sends protocol messages, collects the replies and waits
// for the ones a test expects.
import WebSocket from 'ws';
import { isTerminal, parseHostEvent, type HostEvent } from '../../protocol/host.ts';

/** A host event with its `id` readable on every kind (`state` events have none: undefined), for predicates. */
export type Reply = HostEvent & { id?: string | null };

export class WsClient {
  readonly received: Reply[] = [];
  private waiters: { pred: (m: Reply) => boolean; from: number; ok: (m: Reply) => void; fail: (e: Error) => void; timer: ReturnType<typeof setTimeout> }[] = [];
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      // Every reply must match the protocol's host-event schema.
      const msg = parseHostEvent(JSON.parse(data.toString()));
      this.received.push(msg);
      for (const w of [...this.waiters]) {
        if (w.pred(msg)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.ok(msg);
        }
      }
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.fail(new Error('socket closed while waiting'));
      }
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${body.trim()}`)));
      });
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The first reply (received from now on, or already received when `past`) matching `pred`. */
  next(pred: (m: Reply) => boolean, timeoutMs = 60_000, past = false): Promise<Reply> {
    if (past) {
      const hit = this.received.find(pred);
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        fail(new Error(`no matching reply within ${timeoutMs} ms; received: ${this.received.map((m) => JSON.stringify(m).slice(0, 160)).join('\n')}`));
      }, timeoutMs);
      this.waiters.push({ pred, from: this.received.length, ok, fail, timer });
    });
  }

  /** All replies with this id, in order. */
  forId(id: string): Reply[] {
    return this.received.filter((m) => m.id === id);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((ok) => {
      this.ws.once('close', () => ok());
      this.ws.close();
    });
  }
}

export const isDone = (id: string) => (m: Reply) => 'id' in m && m.id === id && (m.type === 'event' || m.type === 'error') && isTerminal(m);
export const isEnd = (id: string) => (m: Reply) => (m.type === 'loaded' || m.type === 'error') && m.id === id;
