// The OpenAI-compatible completions API (`POST /v1/completions`) mapped onto the engine's GenerateRequest
// and GenerateEvents: the request schema (zod; unknown fields are ignored, as OpenAI's clients send
// fields a server may not know), the response and stream-chunk shapes, and the error body.
//
// What maps to what:
//   prompt (a string, or a list of one string)  → prefix; suffix → suffix (fill-in-the-middle with the
//   model's FIM tokens); n (1–256: one prefill, bifurcated decode) → n; max_tokens (default 16) →
//   maxTokens; temperature (default 1), top_p (1), top_k (0 or -1 = off), seed (default: a random one),
//   min_tokens (vLLM's) → the same; stop (a string or a list) → stop strings, with no line/block stop;
//   logprobs (any number, 0 included) → each choice's `logprobs` with the chosen tokens' log-probabilities
//   (untempered; `top_logprobs` is null: the engine does not return alternatives).
//   Refused with a 400 rather than ignored, because ignoring them changes the answer: echo: true,
//   best_of ≠ n, non-zero presence/frequency penalties, a non-empty logit_bias, a list of several prompts.
// finish_reason: 'length' when max_tokens ended the choice, else 'stop' (end of text or a stop string).
// Browser-safe: no Node imports.
import { z } from 'zod';
import type { FinishReason, GenerateEvent, GenerateRequest } from './engine.ts';

const int = (lo: number, hi: number, what: string) =>
  z
    .number({ error: `must be an integer from ${lo} to ${hi} (${what})` })
    .int(`must be an integer from ${lo} to ${hi} (${what})`)
    .min(lo, `must be an integer from ${lo} to ${hi} (${what})`)
    .max(hi, `must be an integer from ${lo} to ${hi} (${what})`);

const stopString = z.string({ error: 'must be a string or a list of strings' }).min(1, 'must not be empty').max(64, 'must be at most 64 characters');

/** POST /v1/completions, as far as Fanout reads it (other fields are dropped). */
export const completionRequestSchema = z.object({
  model: z.string({ error: 'must be a string (the model id from GET /v1/models)' }).optional(),
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(1, 'must be one prompt: send one request per prompt')], {
    error: 'is required: a string (the text before the cursor)',
  }),
  suffix: z.string({ error: 'must be a string (the text after the cursor)' }).nullish(),
  n: int(1, 256, 'number of choices').nullish(),
  max_tokens: int(1, 4096, 'tokens per choice').nullish(),
  temperature: z.number({ error: 'must be a number from 0 to 10 (0 = greedy)' }).min(0, 'must be from 0 to 10 (0 = greedy)').max(10, 'must be from 0 to 10 (0 = greedy)').nullish(),
  top_p: z.number({ error: 'must be a number in (0, 1]' }).gt(0, 'must be in (0, 1] (1 = off)').max(1, 'must be in (0, 1] (1 = off)').nullish(),
  top_k: int(-1, 1_000_000, 'the k most likely tokens; 0 or -1 = off').nullish(),
  min_tokens: int(0, 4096, 'tokens before end-of-text may end a choice').nullish(),
  seed: z.number({ error: 'must be an integer' }).int('must be an integer').nullish(),
  stop: z.union([stopString, z.array(stopString).max(16, 'at most 16 stop strings')], { error: 'must be a string or a list of up to 16 strings' }).nullish(),
  logprobs: int(0, 20, 'log-probabilities of the chosen tokens are returned for any value').nullish(),
  stream: z.boolean({ error: 'must be true or false' }).nullish(),
  stream_options: z.object({ include_usage: z.boolean({ error: 'must be true or false' }).nullish() }, { error: 'must be an object' }).nullish(),
  echo: z.boolean({ error: 'must be true or false' }).nullish(),
  best_of: int(1, 256, 'must equal n').nullish(),
  presence_penalty: z.number({ error: 'must be a number' }).nullish(),
  frequency_penalty: z.number({ error: 'must be a number' }).nullish(),
  logit_bias: z.record(z.string(), z.number(), { error: 'must be an object of token id → bias' }).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** An OpenAI-style error: HTTP status and body. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error' | 'service_unavailable',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
  body() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** The request's fields as a GenerateRequest, or an ApiError (400) naming the first bad field. */
export function toGenerateRequest(raw: unknown, randomSeed: () => number): { request: GenerateRequest; logprobs: boolean; stream: boolean; includeUsage: boolean } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ApiError(400, 'The body must be a JSON object (an OpenAI completions request).', 'invalid_request_error');
  const parsed = completionRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue.path.join('.') || null;
    throw new ApiError(400, `${param ?? 'body'}: ${issue.message}`, 'invalid_request_error', param, 'invalid_value');
  }
  const r = parsed.data;
  const n = r.n ?? 1;
  const refuse = (param: string, why: string) => {
    throw new ApiError(400, `${param}: ${why}`, 'invalid_request_error', param, 'unsupported_value');
  };
  if (r.echo) refuse('echo', 'echo: true is not supported (the prompt is not returned); leave it out or send false.');
  if (r.best_of != null && r.best_of !== n) refuse('best_of', `best_of ${r.best_of} ≠ n ${n} is not supported: ask for n choices and rank them (every choice carries its log-probabilities with logprobs).`);
  if (r.presence_penalty) refuse('presence_penalty', 'penalties are not supported; send 0 or leave it out.');
  if (r.frequency_penalty) refuse('frequency_penalty', 'penalties are not supported; send 0 or leave it out.');
  if (r.logit_bias && Object.keys(r.logit_bias).length > 0) refuse('logit_bias', 'logit_bias is not supported; leave it out.');
  const stop = r.stop == null ? [] : typeof r.stop === 'string' ? [r.stop] : r.stop;
  const request: GenerateRequest = {
    prefix: typeof r.prompt === 'string' ? r.prompt : r.prompt[0],
    suffix: r.suffix ?? '',
    n,
    maxTokens: r.max_tokens ?? 16,
    temperature: r.temperature ?? 1,
    topP: r.top_p ?? 1,
    topK: r.top_k == null || r.top_k < 0 ? 0 : r.top_k,
    seed: r.seed ?? randomSeed(),
    stop: 'none',
    stopStrings: stop,
    attention: 'bifurcated',
    minTokens: r.min_tokens ?? 0,
  };
  return { request, logprobs: r.logprobs != null, stream: r.stream === true, includeUsage: r.stream_options?.include_usage === true };
}

export type OpenAiFinish = 'stop' | 'length';
export function finishReason(r: FinishReason): OpenAiFinish {
  return r === 'length' ? 'length' : 'stop';
}

/** A choice's `logprobs` (the legacy completions format): tokens as text pieces, their log-probabilities and offsets. */
export interface ChoiceLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: null;
  text_offset: number[];
}

/**
 * One choice as it streams: the token events of its sample fold into its text and logprobs. A token whose
 * text the engine held back (it might start a stop string) has '' here and its text joins a later piece;
 * the flush at the end of a choice (token -1) joins the last piece, so the pieces always add up to the text.
 */
export class ChoiceBuilder {
  text = '';
  readonly lp: ChoiceLogprobs = { tokens: [], token_logprobs: [], top_logprobs: null, text_offset: [] };
  tokens = 0;
  finish: OpenAiFinish | null = null;

  /** Adds a token event; returns the piece to stream (text and, for a real token, its log-probability). */
  add(ev: Extract<GenerateEvent, { type: 'token' }>): { text: string; logprob: number | null } {
    const offset = this.text.length;
    this.text += ev.text;
    if (ev.token < 0) {
      const last = this.lp.tokens.length - 1;
      if (last >= 0) this.lp.tokens[last] += ev.text;
      return { text: ev.text, logprob: null };
    }
    this.tokens++;
    this.lp.tokens.push(ev.text);
    this.lp.token_logprobs.push(ev.logprob);
    this.lp.text_offset.push(offset);
    return { text: ev.text, logprob: ev.logprob };
  }
}
