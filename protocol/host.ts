// The host protocol: the messages a client (UI, editor plugin, CLI) sends to an engine host and the
// events the host sends back. One protocol for the Electron engine window (postMessage), the web host
// (WebSocket, one JSON message per frame) and the CLI. Every client message carries an `id`; every
// event in reply carries the same `id`, so several requests can be told apart on one channel.
//
// Messages are zod schemas, their types inferred; engine shapes (GenerateRequest, ModelInfo, ...) are
// protocol/engine.ts's schemas, carried unchanged. Browser-safe: no Node imports.

import { z } from 'zod';
import { jsonProblem } from './json-problem.ts';
import { generateEventSchema, generateRequestSchema, loadProgressSchema, modelInfoSchema } from './engine.ts';
import { FIM_MODES, type FimMode } from './fim.ts';
import { typeError } from './schema-errors.ts';

export { generateRequestSchema };

/**
 * The protocol's version, in every `status` reply (absent: a host from before versions, which speaks 1).
 * Raised when a message changes in a way an older client or host cannot read; additions that older
 * peers ignore (a new optional field, a new model kind) keep it. 2: `remote` model references.
 */
export const PROTOCOL_VERSION = 2;

// ---------------------------------------------------------------------------------------------------
// Client → host

const id = z.string({ error: typeError('must be a string (the request id echoed in replies)') }).min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/**
 * What a `url` model may be: the app's model field takes an http(s) URL serving a model folder, so that is
 * all a host fetches: no data:, file:, blob: or other schemes, and no credentials in the URL (they would
 * end up in logs and error messages). A path from `/` is a folder on the page's own server.
 */
export function isModelUrl(s: string): boolean {
  // A path on the page's own server ("/models/x": the in-browser engine page) is that server's http(s).
  if (s.startsWith('/') && !s.startsWith('//') && !s.includes('\\')) return true;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
}

/** An API key of a remote server, as a client may send it (a Bearer token). */
export const apiKeySchema = z.string().regex(/^[\x21-\x7e]{16,512}$/, 'must be 16 to 512 printable characters without spaces');

export const modelRefSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('dir'), path: z.string().min(1, 'must be a folder path').max(4096, 'must be at most 4096 characters') }),
    z.strictObject({
      kind: z.literal('url'),
      url: z.string().min(1, 'must be a base URL').max(2048, 'must be at most 2048 characters').refine(isModelUrl, {
        error: 'must be an http:// or https:// URL without a user name or password (a model folder served over HTTP)',
      }),
    }),
    z.strictObject({ kind: z.literal('synthetic'), name: z.string().min(1, 'must be a synthetic model name').max(200, 'must be at most 200 characters') }),
    /** An OpenAI-compatible server (engine/remote/openai-remote.ts): its base URL, the model id ('' = its first), how a suffix reaches it, and an API key to keep on the host (sent once; later loads of the same URL use the kept one). */
    z.strictObject({
      kind: z.literal('remote'),
      url: z
        .string()
        .min(1, 'must be the server\'s base URL')
        .max(2048, 'must be at most 2048 characters')
        .refine((u) => /^https?:\/\//i.test(u) && isModelUrl(u), { error: 'must be an http:// or https:// URL without a user name or password (the server\'s OpenAI base URL, e.g. http://127.0.0.1:8080/v1)' }),
      model: z.string().max(512, 'must be at most 512 characters').default(''),
      fim: z.enum(FIM_MODES as [FimMode, ...FimMode[]], { error: typeError(`must be one of ${FIM_MODES.join(', ')}`) }).default('suffix'),
      apiKey: apiKeySchema.optional(),
    }),
  ],
  { error: typeError('must be { kind: "dir", path } | { kind: "url", url } | { kind: "synthetic", name } | { kind: "remote", url, model, fim }') },
);

export const clientMessageSchemas = {
  load: z.strictObject({ type: z.literal('load'), id, model: modelRefSchema }),
  generate: z.strictObject({ type: z.literal('generate'), id, request: generateRequestSchema }),
  cancel: z.strictObject({ type: z.literal('cancel'), id }),
  status: z.strictObject({ type: z.literal('status'), id }),
  /** The GGUF models already on the host's machine (Ollama, LM Studio, FANOUT_MODEL_DIRS); answered by a `models` event. */
  'list-models': z.strictObject({ type: z.literal('list-models'), id }),
};

export type ModelRef = z.infer<typeof modelRefSchema>;
/** A model the host loads onto its own GPU (every kind but a remote server). */
export type LocalModelRef = Exclude<ModelRef, { kind: 'remote' }>;
export type LoadMessage = z.infer<typeof clientMessageSchemas.load>;
export type GenerateMessage = z.infer<typeof clientMessageSchemas.generate>;
export type CancelMessage = z.infer<typeof clientMessageSchemas.cancel>;
export type StatusMessage = z.infer<typeof clientMessageSchemas.status>;
export type ListModelsMessage = z.infer<(typeof clientMessageSchemas)['list-models']>;
export type ClientMessage = LoadMessage | GenerateMessage | CancelMessage | StatusMessage | ListModelsMessage;
export type ClientMessageType = ClientMessage['type'];
/** What a client may send: the generate request's fields with defaults may be left out. */
export type ClientMessageInput = z.input<(typeof clientMessageSchemas)[ClientMessageType]>;

// ---------------------------------------------------------------------------------------------------
// Host → client

/**
 * Why a request failed:
 * - bad-message: the message did not parse or validate;
 * - no-model: generate before a model is loaded;
 * - busy: another request is running; cancel it or wait (hosts queue requests now; kept for older hosts
 *   and the Electron stand-in port);
 * - queue-full: the host's request queue is full (bounded): wait for running requests to end, or cancel some;
 * - load-failed: the model could not be loaded (missing files, unsupported architecture, too large, ...);
 * - generate-failed: the request failed while running (out of memory, device lost, ...);
 * - no-gpu: no WebGPU device;
 * - unsupported: this host cannot do what was asked (e.g. list the models on its machine: the in-browser engine page);
 * - internal: a bug: anything else.
 */
export const errorCodeSchema = z.enum(['bad-message', 'no-model', 'busy', 'queue-full', 'load-failed', 'generate-failed', 'no-gpu', 'unsupported', 'internal']);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/**
 * What a host is doing, as every connection sees it: sent to each connection when it connects and to all
 * of them whenever it changes (`state` events), and carried in every `status` reply.
 * - idle: no model loaded and none loading (a generate is refused with 'no-model');
 * - loading: streaming a model's weights (`loading.progress` has byte counts);
 * - compiling: the model's weights are in; its kernels are being compiled (warm-up) before it takes requests;
 * - ready: a model is loaded; requests run (one at a time; `generating` says whether one runs now).
 * Requests sent while loading/compiling wait in the queue and run when ready (the sender gets `queued`).
 */
export const hostStateSchema = z.object({
  phase: z.enum(['idle', 'loading', 'compiling', 'ready']),
  /** The loaded model: during a load the previous one until the new folder checks out (null while the new weights stream in), the new one while compiling. */
  model: modelInfoSchema.nullable(),
  /** The GPU adapter's name ('' before the GPU is acquired). */
  device: z.string(),
  /** The model being loaded (its folder or URL as named by the host) and the latest progress, while loading/compiling. */
  loading: z.object({ model: z.string(), progress: loadProgressSchema.nullable() }).nullable(),
  /** A generate is running (for any connection). */
  generating: z.boolean(),
  /** Requests waiting behind the running one, over all connections. */
  queued: z.number(),
});
export type HostState = z.infer<typeof hostStateSchema>;
export type HostPhase = HostState['phase'];

// ---------------------------------------------------------------------------------------------------
// Models already on the host's machine (the `models` event): GGUF files of Ollama, LM Studio and the
// folders in FANOUT_MODEL_DIRS, found and described by engine/host/local-models.ts. A host sends these;
// the Electron engine page also receives them from the main process and checks them with this schema.

/** At most this many models in one `models` event (local-models.ts stops there and says `truncated`). */
export const MAX_LOCAL_MODELS = 200;
/** At most this many places searched (Ollama stores, LM Studio folders, FANOUT_MODEL_DIRS entries). */
export const MAX_SEARCHED_PLACES = 64;

const localModelSourceSchema = z.enum(['ollama', 'lmstudio', 'folder']);
const reason = z.string().max(2000);

export const localModelSchema = z.strictObject({
  /** As the tool that stored it names it: "qwen2.5-coder:7b" (Ollama), the file name without .gguf (LM Studio, folders). */
  name: z.string().min(1).max(512),
  /** The absolute path of the GGUF file (an Ollama blob has no .gguf extension); what a load message names. */
  path: z.string().min(1).max(4096),
  /** File size in bytes (of all parts, for a split file). */
  bytes: z.number().int().min(0),
  source: localModelSourceSchema,
  /** general.architecture ("llama", "qwen2", "gemma2", …); null when the header was not read. */
  architecture: z.string().max(200).nullable(),
  /** llama.cpp's name for general.file_type ("Q4_K_M", "F16", …), else the most common weight type; null when unknown. */
  quantization: z.string().max(64).nullable(),
  /** Elements of all tensors in the file; null when the header was not read or the file is one part of several. */
  parameters: z.number().int().min(0).nullable(),
  /** The file is split into this many parts (…-00001-of-0000N.gguf, listed once); null when it is one file. */
  splitParts: z.number().int().min(2).max(9999).nullable(),
  /** Whether Fanout can load it, and if not, why (a sentence for the user). */
  loadable: z.discriminatedUnion('ok', [z.strictObject({ ok: z.literal(true) }), z.strictObject({ ok: z.literal(false), why: reason })]),
  /** Why its header (or its Ollama manifest) could not be read; null when it was. */
  error: reason.nullable(),
});

export const searchedPlaceSchema = z.strictObject({
  source: localModelSourceSchema,
  path: z.string().min(1).max(4096),
  /** The folder exists (else it was looked for and is not there). */
  found: z.boolean(),
});

export const localModelListSchema = z.strictObject({
  models: z.array(localModelSchema).max(MAX_LOCAL_MODELS),
  /** Where the host looked, found or not (the picker's empty state names them). */
  searched: z.array(searchedPlaceSchema).max(MAX_SEARCHED_PLACES),
  /** More files were there than MAX_LOCAL_MODELS, or the listing ran out of time: not every file is listed or described. */
  truncated: z.boolean(),
});

export type LocalModel = z.infer<typeof localModelSchema>;
export type LocalModelSource = LocalModel['source'];
export type SearchedPlace = z.infer<typeof searchedPlaceSchema>;
export type LocalModelList = z.infer<typeof localModelListSchema>;

export const hostEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), id: z.string(), progress: loadProgressSchema }),
  /** The host's state changed (broadcast to every connection; also sent once on connect; progress-only changes at most every 250 ms). */
  z.object({ type: z.literal('state'), state: hostStateSchema }),
  /**
   * The request `id` waits: behind a model load or compile ('model-loading') or behind other clients'
   * requests ('queue'). `position` 1 = next to run. Sent when it is queued and when its position changes.
   * A queued generate that is cancelled or superseded ends with an `event` of type done, cancelled: true
   * (zero timings, no other events). Past the host's bound (16 waiting) a request gets 'queue-full' instead.
   */
  z.object({ type: z.literal('queued'), id: z.string(), position: z.number(), reason: z.enum(['model-loading', 'queue']) }),
  z.object({ type: z.literal('loaded'), id: z.string(), model: modelInfoSchema }),
  /** The answer to list-models. */
  z.object({ type: z.literal('models'), id: z.string(), list: localModelListSchema }),
  z.object({ type: z.literal('event'), id: z.string(), event: generateEventSchema }),
  /** `model`, `device`, `busy` (a load or generate runs) predate `state` and are kept for older clients; `protocol`: PROTOCOL_VERSION. */
  z.object({ type: z.literal('status'), id: z.string(), model: modelInfoSchema.nullable(), device: z.string(), busy: z.boolean(), state: hostStateSchema, protocol: z.number().int().optional() }),
  /**
   * `id` is null when the message it answers had no readable id. `hint`: what to do about it. `model`, on
   * a failed load only: the model loaded now (the previous one when the new folder was refused before
   * anything was unloaded; null when none is).
   */
  z.object({ type: z.literal('error'), id: z.string().nullable(), code: errorCodeSchema, message: z.string(), hint: z.string(), model: modelInfoSchema.nullable().optional() }),
]);
export type HostEvent = z.infer<typeof hostEventSchema>;

/**
 * The reply that ends the request it answers: `loaded` (a load), `models` (list-models), `status`, an
 * `error`, or the `done` event of a generate. Every transport and client asks this one function.
 */
export function isTerminal(ev: HostEvent): boolean {
  switch (ev.type) {
    case 'loaded':
    case 'models':
    case 'status':
    case 'error':
      return true;
    case 'event':
      return ev.event.type === 'done';
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Parsing

/** A message that failed validation; `issues` lists each problem as "field: problem". */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  constructor(
    readonly issues: string[],
    /** The id of the message, if it had a readable one, so the error reply can carry it. */
    readonly id: string | null = null,
  ) {
    super(`invalid message: ${issues.join('; ')}`);
  }

  /** The error event that answers the bad message. */
  toEvent(): HostEvent {
    return {
      type: 'error',
      id: this.id,
      code: 'bad-message',
      message: this.message,
      hint: 'Fix the fields listed; see protocol/host.ts for the message shapes.',
    };
  }
}

/** Formats zod issues as "field.path: problem" lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const field = i.path.length ? i.path.map(String).join('.') : '(message)';
    let problem = i.message;
    if (i.code === 'invalid_type' && / received undefined$/.test(problem)) problem = `is required; expected ${i.expected}`;
    else if (i.code === 'unrecognized_keys') {
      // A frame may carry 20 000 unknown keys or one of a megabyte: name a few, each cut short.
      const shown = i.keys.slice(0, 5).map((k) => (k.length <= 40 ? JSON.stringify(k) : `${JSON.stringify(k.slice(0, 40))}…`));
      const more = i.keys.length > 5 ? ` and ${i.keys.length - 5} more` : '';
      problem = `unknown field${i.keys.length > 1 ? 's' : ''} ${shown.join(', ')}${more}`;
    }
    return `${field}: ${problem}`;
  });
}

const TYPES = Object.keys(clientMessageSchemas) as ClientMessageType[];

/** A bad `type` value for the message: never quoted at length, never recursed into (it may nest 10 000 deep). */
function describeType(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : `a string of ${v.length} characters`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

/**
 * Validates a client message (already JSON-parsed) and fills the generate request's defaults.
 * Throws ProtocolError listing every problem found.
 */
export function parseClientMessage(raw: unknown): ClientMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ProtocolError([`(message): must be a JSON object with a "type" field, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`]);
  }
  const r = raw as Record<string, unknown>;
  // Replies echo the id only when it is a valid one (a bad id may be megabytes long).
  const msgId = id.safeParse(r.id).success ? (r.id as string) : null;
  const type = r.type;
  if (typeof type !== 'string' || !(TYPES as string[]).includes(type)) {
    throw new ProtocolError([`type: must be one of ${TYPES.join(', ')}, got ${describeType(type)}`], msgId);
  }
  const parsed = clientMessageSchemas[type as ClientMessageType].safeParse(raw);
  if (!parsed.success) throw new ProtocolError(formatIssues(parsed.error.issues), msgId);
  return parsed.data;
}

/** Parses a JSON text frame (WebSocket) into a client message; bad JSON is a ProtocolError too. */
export function parseClientFrame(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // jsonProblem: V8's message quotes the frame's text; say where parsing stopped instead.
    throw new ProtocolError([`(message): not valid JSON (${jsonProblem(text, e)})`]);
  }
  return parseClientMessage(raw);
}

/** Validates an event from a host (for clients). Throws ProtocolError listing the problems. */
export function parseHostEvent(raw: unknown): HostEvent {
  const parsed = hostEventSchema.safeParse(raw);
  if (!parsed.success) throw new ProtocolError(formatIssues(parsed.error.issues));
  return parsed.data;
}
