// The in-browser engine page (/engine-test.html with `npm run web -- --engine-test-page`): a HostSession
// running on the page's own WebGPU (navigator.gpu) with models fetched over HTTP (httpSource, Range
// requests against the web host's /models/). The e2e tests drive it through window.fanoutEngine to
// check that the engine in Chromium produces the same samples as the engine under Node. It is also the
// smallest example of hosting the engine in a browser or the Electron engine window.
import { clipMiddle } from '../model/errors.ts';
import { acquireBrowserGpu } from '../gpu/context.ts';
import { httpSource } from '../model/http-source.ts';
import { HostError, HostSession } from './session.ts';
import type { HostEvent } from '../../protocol/host.ts';

export interface EngineTestApi {
  /** Sends one client message (validated like any other); resolves when its request has ended. */
  send(msg: unknown): Promise<void>;
  /** The replies received since the last call. */
  take(): HostEvent[];
}

// The root tsconfig has no DOM lib (the engine is typed for Node and the browser alike): the few page
// globals used here, typed minimally.
const page = globalThis as unknown as {
  location: { href: string };
  document: { getElementById(id: string): { textContent: string | null } | null };
  fanoutEngine?: EngineTestApi;
};

// ?storage=f32 forces f32 storage (to compare with a Node host started with --storage f32).
const preferF16 = new URL(page.location.href).searchParams.get('storage') !== 'f32';

const session = new HostSession({
  gpu: () => acquireBrowserGpu({ preferF16 }),
  source: (ref) => {
    if (ref.kind !== 'url') {
      throw new HostError('load-failed', `A page cannot open ${ref.kind === 'dir' ? `the folder ${clipMiddle(ref.path)}` : `synthetic:${clipMiddle(ref.name, 60)}`}.`, 'Load a model by URL, e.g. { kind: "url", url: "/models/fanout-code-4m" }.');
    }
    return httpSource(new URL(ref.url, page.location.href).href);
  },
  warmUp: true,
  noGpuHint: 'This browser offers no WebGPU adapter: use Chrome or Edge 113+ (Chromium needs --enable-unsafe-webgpu on Linux).',
});

let received: HostEvent[] = [];
const conn = session.connect((batch) => {
  received.push(...batch);
});

page.fanoutEngine = {
  send: (msg: unknown) => conn.receive(msg),
  take() {
    const out = received;
    received = [];
    return out;
  },
};
const status = page.document.getElementById('status');
if (status) status.textContent = 'ready';
