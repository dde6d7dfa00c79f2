// A remote backend: an OpenAI-compatible completions server (fanout serve, vLLM, SGLang, llama.cpp's
// llama-server) driven with the engine's own GenerateRequest → GenerateEvent contract, so the CLI and
// the hosts re-rank its candidates exactly like local ones.
//
// One streamed `POST /v1/completions` per request: n choices, logprobs: 1 (each token's log-probability),
// stream: true. Per choice the streamed text goes through the engine's StopChecker (engine/stop.ts), so
// `line` and `block` stops behave as they do locally (a server's `stop` cannot express them: a line stop
// must skip leading line breaks); the user's stop strings are also sent, so the server stops early. Once
// every choice has stopped, the request is aborted and the server cancels the rest. A server that refuses
// n > 1 gets n requests of one choice each (see chunks()).
// Fill-in-the-middle: `suffix` where the server lays it out with the model's tokens (fanout serve, vLLM
// for models with FIM tokens), else the prompt is built here from a named template.
// Token ids are not known (token: -1, the engine's "text without a token of its own"); a server that
// returns no log-probabilities gives 0 for each token and `logprobs: false` on the backend, which the
// callers report (the mean/sum rankings need them). Browser-safe: fetch and streams only.
import type { FinishReason, GenerateEvent, GenerateRequest, ModelInfo } from '../../protocol/engine.ts';
import { StopChecker } from '../stop.ts';
import { FIM_TEMPLATES, type FimMode } from '../../protocol/fim.ts';

export { FIM_MODES, FIM_TEMPLATES, type FimMode } from '../../protocol/fim.ts';

export interface RemoteConfig {
  /** e.g. http://gpu-box:8000/v1 (the OpenAI base URL: the API's paths follow it) */
  baseUrl: string;
  apiKey?: string;
  /** The model id to ask for; default: the first of GET /v1/models. */
  model?: string;
  fim: FimMode;
}

export class RemoteError extends Error {
  override name = 'RemoteError';
}

type Fetch = typeof fetch;

/** The base URL without a trailing slash; throws RemoteError for anything but http(s) without credentials. */
export function normalizeBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RemoteError(`${url} is not a URL: give the server's OpenAI base URL, e.g. http://127.0.0.1:8080/v1.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RemoteError(`${url}: use an http:// or https:// URL.`);
  if (u.username || u.password) throw new RemoteError(`${u.host}: put the API key in the key field, not in the URL.`);
  return u.href.replace(/\/+$/, '');
}

async function errorText(r: Response): Promise<string> {
  const text = await r.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string; detail?: string };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message ?? j.detail);
    if (m) return String(m).slice(0, 500);
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || r.statusText;
}

interface Chunk {
  choices?: { index: number; text?: string; finish_reason?: string | null; logprobs?: { token_logprobs?: (number | null)[] } | null }[];
  usage?: { prompt_tokens?: number };
  error?: { message?: string };
}

export class RemoteBackend {
  /** Whether every token of the last request came with a log-probability. */
  logprobs = true;
  private constructor(
    readonly cfg: RemoteConfig & { baseUrl: string; model: string },
    readonly info: ModelInfo,
    private readonly fetchImpl: Fetch,
  ) {}

  private static headers(cfg: RemoteConfig): Record<string, string> {
    return { 'Content-Type': 'application/json', ...(cfg.apiKey ? { Authorization: `Bearer ${cfg.apiKey}` } : {}) };
  }

  /** Asks the server for its models and picks one; throws RemoteError saying what is wrong. */
  static async connect(cfg: RemoteConfig, fetchImpl: Fetch = fetch): Promise<RemoteBackend> {
    const baseUrl = normalizeBaseUrl(cfg.baseUrl);
    let r: Response;
    try {
      r = await fetchImpl(`${baseUrl}/models`, { headers: RemoteBackend.headers(cfg) });
    } catch (e) {
      throw new RemoteError(`cannot reach ${baseUrl} (${(e as Error).message}): is the server running, and is the URL its OpenAI base (…/v1)?`);
    }
    if (r.status === 401 || r.status === 403) throw new RemoteError(`${baseUrl} refused the API key (${r.status}: ${await errorText(r)}).`);
    if (!r.ok) throw new RemoteError(`${baseUrl}/models answered ${r.status} (${await errorText(r)}): is this the server's OpenAI base URL (…/v1)?`);
    const body = (await r.json().catch(() => null)) as { data?: { id?: unknown; max_model_len?: unknown; fim?: unknown }[] } | null;
    const models = Array.isArray(body?.data) ? body.data.filter((m) => typeof m?.id === 'string') : [];
    if (models.length === 0) throw new RemoteError(`${baseUrl}/models lists no models: is this an OpenAI-compatible server?`);
    const m = cfg.model ? models.find((x) => x.id === cfg.model) : models[0];
    if (!m) throw new RemoteError(`${baseUrl} does not serve ${cfg.model}; it serves ${models.map((x) => x.id).join(', ')}.`);
    const id = m.id as string;
    const ctxLen = typeof m.max_model_len === 'number' ? m.max_model_len : 0;
    const info: ModelInfo = {
      name: id,
      architecture: 'remote',
      parameters: 0,
      layers: 0,
      hidden: 0,
      heads: 0,
      kvHeads: 0,
      vocab: 0,
      contextLength: ctxLen,
      dtype: 'remote',
      weights: 'remote',
      device: `remote: ${baseUrl}`,
      fim: cfg.fim !== 'none' && (cfg.fim !== 'suffix' || m.fim !== false),
    };
    return new RemoteBackend({ ...cfg, baseUrl, model: id }, info, fetchImpl);
  }

  /** The request body for `req` (exported for tests and the README's table). */
  body(req: GenerateRequest): Record<string, unknown> {
    const suffix = req.suffix ?? '';
    const tpl = FIM_TEMPLATES[this.cfg.fim];
    const prompt = suffix && tpl ? tpl(req.prefix, suffix) : req.prefix;
    return {
      model: this.cfg.model,
      prompt,
      ...(suffix && this.cfg.fim === 'suffix' ? { suffix } : {}),
      n: req.n,
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      top_p: req.topP,
      ...(req.topK > 0 ? { top_k: req.topK } : {}),
      ...(req.minTokens ? { min_tokens: req.minTokens } : {}),
      seed: req.seed,
      ...(req.stopStrings?.length ? { stop: req.stopStrings.slice(0, 4) } : {}),
      logprobs: 1,
      stream: true,
      stream_options: { include_usage: true },
    };
  }

  /** Whether the server has refused `n` > 1 in this session (llama-server builds that allow one choice). */
  private oneChoicePerRequest = false;

  private post(body: Record<string, unknown>, signal: AbortSignal): Promise<Response> {
    return this.fetchImpl(`${this.cfg.baseUrl}/completions`, { method: 'POST', headers: RemoteBackend.headers(this.cfg), body: JSON.stringify(body), signal }).catch((e: unknown) => {
      if (signal.aborted) throw e;
      throw new RemoteError(`cannot reach ${this.cfg.baseUrl} (${(e as Error).message}).`);
    });
  }

  /**
   * The stream chunks of `req`: one request with n choices, or, from a server that refuses n > 1 (older
   * llama-server: "Only one completion choice is allowed"), n requests of one choice each (seeds seed,
   * seed + 1, …; their chunks merged as they come, choice i from request i). The prompt is then
   * processed n times: such a server shares no prompt KV across requests anyway.
   */
  private async *chunks(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<Chunk> {
    const body = this.body(req);
    if (req.n === 1 || !this.oneChoicePerRequest) {
      const r = await this.post(body, signal);
      if (r.ok) return yield* this.sse(r, signal);
      const why = await errorText(r);
      if (!(req.n > 1 && r.status === 400 && /\bchoices?\b|\bn\b/i.test(why))) throw new RemoteError(`${this.cfg.baseUrl}/completions answered ${r.status}: ${why}`);
      this.oneChoicePerRequest = true;
    }
    const streams = Array.from({ length: req.n }, (_, i) =>
      (async function* (self: RemoteBackend): AsyncGenerator<Chunk> {
        const r = await self.post({ ...body, n: 1, seed: req.seed + i }, signal);
        if (!r.ok) throw new RemoteError(`${self.cfg.baseUrl}/completions answered ${r.status}: ${await errorText(r)}`);
        for await (const c of self.sse(r, signal)) yield { ...c, choices: c.choices?.map((x) => ({ ...x, index: i })) };
      })(this),
    );
    yield* merge(streams);
  }

  /** Server-sent events by hand: "data: JSON" lines separated by blank lines, ending "data: [DONE]" (four
   * lines of spec; a library would add a dependency to the browser bundle). Ends quietly once aborted. */
  private async *sse(r: Response, signal: AbortSignal): AsyncGenerator<Chunk> {
    if (!r.body) throw new RemoteError(`${this.cfg.baseUrl}/completions sent no body.`);
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>;
      try {
        next = await reader.read();
      } catch (e) {
        if (signal.aborted) return;
        throw new RemoteError(`the stream from ${this.cfg.baseUrl} broke off (${(e as Error).message}).`);
      }
      if (next.done) return;
      buf += next.value;
      let cut: number;
      while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
        const event = buf.slice(0, cut);
        buf = buf.slice(cut).replace(/^\r?\n\r?\n/, '');
        const data = event
          .split(/\r?\n/)
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        if (data === '[DONE]') return;
        let chunk: Chunk;
        try {
          chunk = JSON.parse(data) as Chunk;
        } catch {
          throw new RemoteError(`${this.cfg.baseUrl} sent a stream event that is not JSON: ${data.slice(0, 120)}`);
        }
        if (chunk.error) throw new RemoteError(`${this.cfg.baseUrl}: ${chunk.error.message ?? 'error'}`);
        yield chunk;
      }
    }
  }

  async *generate(req: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerateEvent> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort);
    const t0 = performance.now();
    let tFirst = 0;
    const stops = Array.from({ length: req.n }, () => new StopChecker({ mode: req.stop, stopStrings: req.stopStrings, prefix: req.prefix }));
    const state = Array.from({ length: req.n }, () => ({ tokens: 0, sum: 0, text: '', done: false }));
    let finished = 0;
    let promptTokens = 0;
    let started = false;
    this.logprobs = true;
    const finish = function* (i: number, reason: FinishReason): Generator<GenerateEvent> {
      const s = state[i];
      if (s.done) return;
      s.done = true;
      finished++;
      const tail = reason === 'eos' || reason === 'length' || reason === 'cancelled' ? stops[i].finish() : '';
      if (tail) {
        s.text += tail;
        yield { type: 'token', sample: i, token: -1, text: tail, logprob: 0 };
      }
      yield { type: 'finish', sample: i, reason, text: s.text, tokens: s.tokens, sumLogprob: s.sum };
    };
    try {
      for await (const chunk of this.chunks(req, ac.signal)) {
        if (chunk.usage?.prompt_tokens) promptTokens += chunk.usage.prompt_tokens;
        if (!started) {
          started = true;
          tFirst = performance.now();
          yield { type: 'start', promptTokens: 0, truncated: false, fim: !!req.suffix && this.info.fim };
        }
        for (const c of chunk.choices ?? []) {
          const i = c.index;
          if (!Number.isInteger(i) || i < 0 || i >= req.n) throw new RemoteError(`${this.cfg.baseUrl} sent choice ${i} of a request for ${req.n}.`);
          const s = state[i];
          if (s.done) continue;
          const lps = c.logprobs?.token_logprobs ?? [];
          // A chunk may carry a token whose text the server holds back (text '' with its log-probability).
          if (c.text || lps.length > 0) {
            const k = Math.max(1, lps.length);
            s.tokens += k;
            let lp = 0;
            if (lps.length === 0 || lps.some((x) => typeof x !== 'number')) this.logprobs = false;
            else lp = (lps as number[]).reduce((a, b) => a + b, 0);
            s.sum += lp;
            const v = stops[i].push(c.text ?? '');
            s.text += v.emit;
            yield { type: 'token', sample: i, token: -1, text: v.emit, logprob: lp };
            if (v.stop) yield* finish(i, v.stop);
          }
          if (c.finish_reason && !s.done) yield* finish(i, c.finish_reason === 'length' ? 'length' : 'eos');
        }
        if (finished === req.n) {
          ac.abort(); // the server cancels what it still generates
          break;
        }
      }
      for (let i = 0; i < req.n; i++) yield* finish(i, signal?.aborted ? 'cancelled' : 'eos');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      ac.abort();
    }
    const t1 = performance.now();
    const steps = Math.max(0, ...state.map((s) => s.tokens));
    const decodeMs = tFirst ? t1 - tFirst : 0;
    yield {
      type: 'done',
      cancelled: !!signal?.aborted,
      ...(this.logprobs ? {} : { noLogprobs: true }),
      timings: {
        prefillMs: tFirst ? tFirst - t0 : t1 - t0,
        decodeMs,
        steps,
        msPerStep: steps ? decodeMs / steps : 0,
        tokensPerSecond: decodeMs > 0 ? state.reduce((a, s) => a + s.tokens, 0) / (decodeMs / 1000) : 0,
        promptTokens,
        kvBytesPerStep: 0,
        kvBytesPerStepOther: 0,
      },
    };
  }
}

/** The items of several async streams as they come (a rejection of any ends the merge with it). */
async function* merge<T>(streams: AsyncGenerator<T>[]): AsyncGenerator<T> {
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => pending.set(i, streams[i].next().then((r) => ({ i, r })));
  streams.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    // Stop the rest (their requests are aborted by the caller's signal); swallow what they still throw.
    for (const [i, p] of pending) {
      void p.catch(() => {});
      void streams[i].return(undefined).catch(() => {});
    }
  }
}
