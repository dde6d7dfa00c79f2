// The messages between the main process and the engine window (its preload and page). The main process
// validates everything the engine window sends (schemas below) like any other IPC input; what the main
// process sends to the engine page is validated there by the host protocol (client messages) or is
// trivially shaped.
import { z } from 'zod';
import { apiKeySchema, hostEventSchema, modelRefSchema, type HostEvent, type LocalModelList, type ModelRef } from './host.ts';

/** What the engine preload exposes to the engine page as window.fanoutEngineHost. */
export interface EngineHostApi {
  /** Start-up parameters. */
  init(): Promise<EngineInit>;
  /** A model folder or GGUF file path (as typed: relative paths start at the bundled models' folder) → its fanout:// URL. */
  resolveModel(path: string): Promise<ResolveResult>;
  /** The GGUF models on this machine (Ollama, LM Studio, FANOUT_MODEL_DIRS), listed by the main process; the page checks the answer. */
  listModels(): Promise<LocalModelList>;
  report(r: EngineReport): void;
  onControl(fn: (c: EngineControl) => void): void;
  /**
   * An HTTP request to a remote OpenAI-compatible server, made by the main process (the engine page's CSP
   * lets it fetch nothing but fanout:). `onEvent` hears the response's head, its body in chunks as they
   * arrive, then end or error; the returned function cancels it. electron/engine-page/ipc-fetch.ts makes a
   * fetch() of it for the remote backend.
   */
  remoteFetch(req: RemoteFetchRequest, onEvent: (ev: RemoteFetchEvent) => void): () => void;
  /** API keys of remote servers, kept by the main process (OS keychain where Electron has one; see remoteKeyArgs). */
  remoteKey: { get(url: string): Promise<string | undefined>; set(url: string, key: string): Promise<void> };
}

/** What the engine page asks for when it starts. */
export interface EngineInit {
  /** The model to load at once (the one loaded before the engine window was restarted), or null. */
  restore: ModelRef | null;
}

/**
 * The answer to a model path: the URL the engine page loads it from, or why it cannot. For a GGUF file,
 * `url` is a base URL under which the file is served by the name `gguf` (and nothing else).
 */
export type ResolveResult =
  | {
      ok: true;
      url: string;
      /** The absolute folder or file path (the model's name in messages). */
      path: string;
      /** The model is this one GGUF file, served under `url` by this name (its own file name when that is URL-safe). */
      gguf?: string;
    }
  | { ok: false; message: string; hint: string };

/** Main → engine page. */
export type EngineControl =
  /** A host-protocol client message on the main process's own connection (replies come back as 'control' reports). */
  | { type: 'client'; message: unknown }
  /** The UI connection `conn` is gone (its window reloaded or closed): close it, cancelling what it runs. */
  | { type: 'close-conn'; conn: number };

const text = (max: number) => z.string().max(max);
const conn = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Engine page → main. */
export const engineReportSchema = z.discriminatedUnion('type', [
  /** The page is running and accepts UI ports. */
  z.strictObject({ type: z.literal('ready') }),
  /** The GPU device was lost (not destroyed by us): the main process restarts the engine window. */
  z.strictObject({ type: z.literal('device-lost'), reason: text(200), message: text(2000) }),
  /**
   * A load began reading model files: `ref` as it was asked for, `path` the absolute folder the main
   * process resolved it to. A crash, hang or lost device before the matching load-end is blamed on this
   * model (electron/load-crashes.ts).
   */
  z.strictObject({ type: z.literal('load-start'), ref: modelRefSchema, path: text(4096).min(1) }),
  /** That load ended: loaded (warmed up included) or failed with an error reply. */
  z.strictObject({ type: z.literal('load-end') }),
  /** The model loaded now (after a load succeeded), or null (a failed load left none). */
  z.strictObject({ type: z.literal('model'), ref: modelRefSchema.nullable() }),
  /** A UI request started or ended (so the main process can fail it visibly if the engine dies meanwhile). */
  z.strictObject({
    type: z.literal('request'),
    conn,
    id: text(200).min(1),
    kind: z.enum(['load', 'generate']),
    state: z.enum(['start', 'end']),
  }),
  /** Replies on the main process's own connection. */
  z.strictObject({ type: z.literal('control'), events: z.array(hostEventSchema).max(10_000) }),
  /** A line for the main process's log (engine failures, warnings). */
  z.strictObject({ type: z.literal('log'), level: z.enum(['error', 'warn', 'info']), message: text(10_000) }),
]);

export type EngineReport = z.infer<typeof engineReportSchema>;

// The control events carry HostEvents; keep the inferred type and the protocol's type in step.
const _events: [Extract<EngineReport, { type: 'control' }>['events'][number] extends HostEvent ? true : false] = [true];
void _events;

/** The path argument of IPC.resolveModel. */
export const resolveModelArgs = z.tuple([z.string().min(1, 'must be a folder or .gguf file path').max(4096, 'is too long')]);

// ---------------------------------------------------------------------------------------------------
// Requests to remote servers, made by the main process for the engine page (electron/remote-fetch.ts).

/** Largest request body the engine page may send (a completion request with its prompt). */
export const REMOTE_BODY_LIMIT = 4 * 1024 * 1024;
/** The only paths the main process requests: what the remote backend (engine/remote/openai-remote.ts) asks for. */
export const REMOTE_PATHS = /\/(models|completions)$/;

const remoteUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && REMOTE_PATHS.test(url.pathname);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL of a server\'s /models or /completions, without a user name or password');

export const remoteFetchRequestSchema = z.strictObject({
  /** The engine page's number for this request (events and cancels name it). */
  rid: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  url: remoteUrl,
  method: z.enum(['GET', 'POST']),
  /** Only these headers are passed on. */
  headers: z.strictObject({ 'Content-Type': z.literal('application/json').optional(), Authorization: z.string().regex(/^Bearer [\x21-\x7e]{1,512}$/).optional() }),
  body: z.string().max(REMOTE_BODY_LIMIT).optional(),
});
export type RemoteFetchRequest = z.infer<typeof remoteFetchRequestSchema>;

/** Main → engine page, for request `rid`: the head, then chunks of the body, then end or error (nothing after either). */
export type RemoteFetchEvent =
  | { rid: number; type: 'head'; status: number; statusText: string; contentType: string }
  | { rid: number; type: 'chunk'; bytes: Uint8Array }
  | { rid: number; type: 'end' }
  | { rid: number; type: 'error'; message: string };

/** The argument of IPC.remoteFetchCancel. */
export const remoteFetchCancelArgs = z.tuple([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]);

/** The arguments of IPC.remoteKeyGet ([url]) and IPC.remoteKeySet ([url, key]): a server's base URL and its API key. */
const keyUrl = z.string().min(1).max(2048);
export const remoteKeyGetArgs = z.tuple([keyUrl]);
export const remoteKeySetArgs = z.tuple([keyUrl, apiKeySchema]);
