// A protocol client of the web host for the e2e specs and the global setup (Node side, package ws).
import WebSocket from 'ws';
import type { GenerateEvent, GenerateRequest } from '../protocol/engine.ts';
import type { HostEvent } from '../protocol/host.ts';

export class HostClient {
  private listeners = new Set<(m: HostEvent) => void>();
  private seq = 0;

  private constructor(private ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as HostEvent;
      for (const l of [...this.listeners]) l(m);
    });
  }

  /** Connects to ws://HOST/ws?token=… of the web host at `url` (http://127.0.0.1:PORT/?token=…, as printed). */
  static open(url: string): Promise<HostClient> {
    const u = new URL(url);
    const ws = new WebSocket(`ws://${u.host}/ws${u.search}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new HostClient(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends `msg` (an id is added) and collects replies with that id until `last` says the request ended. */
  request(msg: Record<string, unknown>, last: (m: HostEvent) => boolean, timeoutMs: number): Promise<HostEvent[]> {
    const id = `e2e-${++this.seq}`;
    const got: HostEvent[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(on);
        reject(new Error(`no end of ${msg.type} ${id} within ${timeoutMs} ms (${got.length} replies)`));
      }, timeoutMs);
      const on = (m: HostEvent) => {
        if (!('id' in m) || m.id !== id) return;
        got.push(m);
        if (m.type === 'error' || last(m)) {
          clearTimeout(timer);
          this.listeners.delete(on);
          if (m.type === 'error') reject(new Error(`${m.code}: ${m.message} (${m.hint})`));
          else resolve(got);
        }
      };
      this.listeners.add(on);
      this.ws.send(JSON.stringify({ ...msg, id }));
    });
  }

  /** Polls status until the host is ready: a model loaded and its kernels compiled (not merely loading or compiling). */
  async waitForModel(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const [st] = await this.request({ type: 'status' }, (m) => m.type === 'status', 10_000);
      if (st.type === 'status' && st.state.phase === 'ready' && !st.busy) return;
      if (Date.now() > end) throw new Error(`no model loaded within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Loads the bundled model unless it is loaded already (a spec that failed midway may have left none). */
  async ensureModel(name: string, timeoutMs: number): Promise<void> {
    const [st] = await this.request({ type: 'status' }, (m) => m.type === 'status', 10_000);
    if (st.type === 'status' && st.model?.name === name) return;
    await this.request({ type: 'load', model: { kind: 'dir', path: `models/${name}` } }, (m) => m.type === 'loaded', timeoutMs);
  }

  /** Runs one generate request to its end; the events in order. */
  async generate(request: Partial<GenerateRequest> & { prefix: string }, timeoutMs: number): Promise<GenerateEvent[]> {
    const replies = await this.request({ type: 'generate', request }, (m) => m.type === 'event' && m.event.type === 'done', timeoutMs);
    return replies.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Per sample: the token ids (tail-flush pseudo-tokens with id -1 left out) and log-probs. */
export function samplesOf(events: GenerateEvent[]): { tokens: number[]; logprobs: number[]; text: string; reason: string }[] {
  const out: { tokens: number[]; logprobs: number[]; text: string; reason: string }[] = [];
  const at = (i: number) => (out[i] ??= { tokens: [], logprobs: [], text: '', reason: '' });
  for (const e of events) {
    if (e.type === 'token' && e.token >= 0) {
      at(e.sample).tokens.push(e.token);
      at(e.sample).logprobs.push(e.logprob);
    } else if (e.type === 'finish') {
      at(e.sample).text = e.text;
      at(e.sample).reason = e.reason;
    }
  }
  return out;
}
