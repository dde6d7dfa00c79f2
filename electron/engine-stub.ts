// What the editor's engine port says while the engine window is down. When the engine dies, the main
// process hands the editor a stand-in port at once: through it the requests that were running end with
// an error the app shows (so no spinner waits forever), and whatever the app sends meanwhile gets a
// clear "restarting" answer. When the new engine is up, a real port replaces the stand-in (the renderer's
// connectElectron takes the newest port). Pure: builds host-protocol events.
//
// The stand-in speaks for the engine's state too (HostState): 'loading' the model the restarted engine
// will load again (when it had one and a restart is coming), else 'idle'; it is the first thing the
// stand-in port says, and every status reply carries it. Its load/generate replies stay errors (code
// 'busy' while restarting): unlike the host's queue it cannot keep a request across the restart.
import type { HostEvent, HostState } from '../engine/host/protocol.ts';

export interface InFlight {
  id: string;
  kind: 'load' | 'generate';
}

/** Why the engine is down, for messages. */
export interface Outage {
  /** e.g. "the engine process crashed (oom)". */
  reason: string;
  /** false when the main process gave up restarting it. */
  restarting: boolean;
  /** The model folder the restarted engine loads again, when it had one. */
  model?: string | null;
}

const RESTARTING_HINT = 'It is restarting by itself and loads the model again; try again in a few seconds.';
const GAVE_UP_HINT =
  'Use File > Restart Engine to try again. If it keeps stopping, try a smaller model or fewer samples, update the GPU driver, or run the browser version (npm run web).';

function hintFor(o: Outage): string {
  return o.restarting ? RESTARTING_HINT : GAVE_UP_HINT;
}

/** The errors that end the requests that were running when the engine went down (one notice when none were). */
export function outageEvents(inFlight: InFlight[], o: Outage): HostEvent[] {
  const what = o.restarting ? 'The engine stopped' : 'The engine stopped and was not restarted';
  if (inFlight.length === 0) return [{ type: 'error', id: null, code: 'internal', message: `${what}: ${o.reason}.`, hint: hintFor(o) }];
  return inFlight.map((r) =>
    r.kind === 'load'
      ? { type: 'error', id: r.id, code: 'load-failed', message: `${what} while loading the model: ${o.reason}.`, hint: hintFor(o), model: null }
      : { type: 'error', id: r.id, code: 'generate-failed', message: `${what} while generating: ${o.reason}.`, hint: hintFor(o) },
  );
}

/** The engine's state as the stand-in reports it: loading the model again when a restart is coming, else idle. */
export function stubState(o: Outage): HostState {
  const reloading = o.restarting && o.model ? o.model : null;
  return { phase: reloading ? 'loading' : 'idle', model: null, device: '', loading: reloading ? { model: reloading, progress: null } : null, generating: false, queued: 0 };
}

/** What the stand-in port says first: the errors of the requests that were running, then the state. */
export function stubOpening(inFlight: InFlight[], o: Outage): HostEvent[] {
  return [...outageEvents(inFlight, o), { type: 'state', state: stubState(o) }];
}

/** The stand-in's answer to a message from the app (null: no answer, e.g. cancel). */
export function stubReply(raw: unknown, o: Outage): HostEvent | null {
  const msg = raw && typeof raw === 'object' ? (raw as { type?: unknown; id?: unknown }) : {};
  const id = typeof msg.id === 'string' && msg.id.length > 0 && msg.id.length <= 200 ? msg.id : null;
  switch (msg.type) {
    case 'cancel':
      return null;
    case 'status':
      // busy: the app must not start a load of its own; the restarted engine reloads the model.
      return id === null ? null : { type: 'status', id, model: null, device: '', busy: o.restarting, state: stubState(o) };
    case 'load':
    case 'generate':
      return {
        type: 'error',
        id,
        code: o.restarting ? 'busy' : 'internal',
        message: o.restarting ? `The engine is restarting (${o.reason}).` : `The engine is not running (${o.reason}).`,
        hint: hintFor(o),
      };
    default:
      return { type: 'error', id, code: 'bad-message', message: 'The engine is not running; the message was not delivered.', hint: hintFor(o) };
  }
}
