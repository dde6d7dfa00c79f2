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
import type { HostEvent, HostState } from '../protocol/host.ts';
import { loadCrashHint } from './load-crashes.ts';

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
  /** The model folder the engine was loading when it stopped: it is not loaded again (electron/load-crashes.ts). */
  crashedModel?: string | null;
}

const RESTARTING_HINT = 'It is restarting by itself and loads the model again; try again in a few seconds.';
const GAVE_UP_HINT =
  'Use File > Restart Engine to try again. If it keeps stopping, try a smaller model or fewer samples, update the GPU driver, or run the browser version (npm run web).';

function hintFor(o: Outage): string {
  return o.restarting ? RESTARTING_HINT : GAVE_UP_HINT;
}

/** Says which model stopped the engine while loading, that it is not loaded again, and what is loaded instead. */
function crashedLoadMessage(o: Outage & { crashedModel: string }): string {
  const next = !o.restarting
    ? 'It was not restarted.'
    : o.model
      ? `It is restarting with ${o.model} instead; ${o.crashedModel} is not loaded again.`
      : `It is restarting without a model; ${o.crashedModel} is not loaded again.`;
  return `The engine stopped while loading ${o.crashedModel}: ${o.reason}. ${next}`;
}

function crashedLoadHint(o: Outage & { crashedModel: string }): string {
  return o.restarting ? loadCrashHint(o.crashedModel) : `Use File > Restart Engine to start it again (without that model). ${loadCrashHint(o.crashedModel)}`;
}

/**
 * The errors that end the requests that were running when the engine went down (one notice when none
 * were). When a model load was what stopped it, the running load requests (else one notice) name the
 * model and say what to do.
 */
export function outageEvents(inFlight: InFlight[], o: Outage): HostEvent[] {
  const what = o.restarting ? 'The engine stopped' : 'The engine stopped and was not restarted';
  const crashed = o.crashedModel ? { ...o, crashedModel: o.crashedModel } : null;
  const events: HostEvent[] = inFlight.map((r) =>
    r.kind === 'load'
      ? crashed
        ? { type: 'error', id: r.id, code: 'load-failed', message: crashedLoadMessage(crashed), hint: crashedLoadHint(crashed), model: null }
        : { type: 'error', id: r.id, code: 'load-failed', message: `${what} while loading the model: ${o.reason}.`, hint: hintFor(o), model: null }
      : { type: 'error', id: r.id, code: 'generate-failed', message: `${what} while generating: ${o.reason}.`, hint: hintFor(o) },
  );
  // A load the main process made (the model restored after a restart) has no request here: say it once.
  if (crashed && !inFlight.some((r) => r.kind === 'load')) {
    events.push({ type: 'error', id: null, code: 'load-failed', message: crashedLoadMessage(crashed), hint: crashedLoadHint(crashed), model: null });
  }
  if (events.length === 0) events.push({ type: 'error', id: null, code: 'internal', message: `${what}: ${o.reason}.`, hint: hintFor(o) });
  return events;
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
    case 'list-models':
      // The model list says this in place of the models (renderer/store.ts localModels).
      return {
        type: 'error',
        id,
        code: o.restarting ? 'busy' : 'internal',
        message: o.restarting ? `The engine is restarting (${o.reason}); the models are listed once it is back.` : `The engine is not running (${o.reason}), so the models cannot be listed.`,
        hint: hintFor(o),
      };
    default:
      return { type: 'error', id, code: 'bad-message', message: 'The engine is not running; the message was not delivered.', hint: hintFor(o) };
  }
}
