// The engine's public API: what callers (CLI, web host, Electron engine window, `fanout serve`, the remote
// backend) send and receive, as zod schemas with the types inferred from them. The host protocol
// (protocol/host.ts) carries these shapes unchanged and validates them with these schemas where they enter
// a process. Browser-safe: no Node imports.
import { z } from 'zod';
import { CONTEXT_LIMITS, DEFAULT_REQUEST } from './request-defaults.ts';
import { intIn, typeError } from './schema-errors.ts';

export { CONTEXT_LIMITS, DEFAULT_REQUEST };

export const attentionModeSchema = z.enum(['bifurcated', 'standard'], { error: typeError('must be one of bifurcated, standard') });
export type AttentionMode = z.infer<typeof attentionModeSchema>;
export const stopModeSchema = z.enum(['line', 'block', 'none'], { error: typeError('must be one of line, block, none') });
export type StopMode = z.infer<typeof stopModeSchema>;
export const finishReasonSchema = z.enum(['eos', 'length', 'stop', 'line', 'block', 'cancelled']);
export type FinishReason = z.infer<typeof finishReasonSchema>;

/** A chunk of another open or recent file, for the prompt (engine/prompt-context.ts lays it out). */
export const contextChunkSchema = z.strictObject({
  /** The file the chunk comes from, as the user sees it (a name or a path). */
  name: z.string({ error: typeError('must be a string (the file the chunk comes from)') }).max(CONTEXT_LIMITS.nameChars, `must be at most ${CONTEXT_LIMITS.nameChars} characters`),
  text: z.string({ error: typeError('must be a string (the chunk\'s text)') }).max(CONTEXT_LIMITS.chunkChars, `must be at most ${CONTEXT_LIMITS.chunkChars} characters; send a smaller chunk`),
});
export type ContextChunk = z.infer<typeof contextChunkSchema>;

const defaults = DEFAULT_REQUEST;

/** A generate request as a client sends it: only `prefix` is required, the rest default to DEFAULT_REQUEST. */
export const generateRequestSchema = z.strictObject({
  /** Text before the cursor. */
  prefix: z.string({ error: typeError('must be a string (the text before the cursor)') }),
  /** Text after the cursor; used for fill-in-the-middle when the tokenizer has FIM tokens. */
  suffix: z.string({ error: typeError('must be a string (the text after the cursor)') }).default(defaults.suffix),
  /** Number of samples (1..256). */
  n: intIn(1, 256, 'number of samples').default(defaults.n),
  maxTokens: intIn(1, 4096, 'tokens per sample').default(defaults.maxTokens),
  /** 0 = greedy. */
  temperature: z
    .number({ error: typeError('must be a number (0 = greedy)') })
    .min(0, 'must be ≥ 0 (0 = greedy)')
    .max(10, 'must be ≤ 10')
    .default(defaults.temperature),
  /** 1 = off. */
  topP: z
    .number({ error: typeError('must be a number in (0, 1] (1 = off)') })
    .gt(0, 'must be > 0 and ≤ 1 (1 = off)')
    .max(1, 'must be > 0 and ≤ 1 (1 = off)')
    .default(defaults.topP),
  /** 0 = off. */
  topK: z
    .number({ error: typeError('must be an integer ≥ 0 (0 = off)') })
    .int('must be an integer ≥ 0 (0 = off)')
    .min(0, 'must be an integer ≥ 0 (0 = off)')
    .default(defaults.topK),
  seed: z
    .number({ error: typeError('must be an integer') })
    .int('must be an integer')
    .default(defaults.seed),
  stop: stopModeSchema.default(defaults.stop),
  /** Extra stop strings. */
  stopStrings: z
    .array(z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'), { error: typeError('must be an array of strings') })
    .max(16, 'at most 16 stop strings')
    .default(() => []),
  attention: attentionModeSchema.default(defaults.attention),
  /**
   * End-of-text (and every other special token) is masked until a sample has this many tokens, like
   * servers' `min_tokens`; 0 = off. An explicit request (Ctrl+Enter) asks for 1 so no sample ends empty at once.
   */
  minTokens: intIn(0, 4096, 'tokens before end-of-text may end a sample').default(defaults.minTokens),
  /**
   * Chunks of the user's other open or recent files, most relevant first (engine/prompt-context.ts), laid
   * out before the prefix within `contextTokens` (and never more than half of the prompt's room).
   */
  context: z
    .array(contextChunkSchema, { error: typeError('must be an array of { name, text } chunks of other files') })
    .max(CONTEXT_LIMITS.chunks, `at most ${CONTEXT_LIMITS.chunks} chunks`)
    .default(() => []),
  /** Token budget for `context`; 0 = leave it out. */
  contextTokens: intIn(0, CONTEXT_LIMITS.tokens, 'token budget for chunks of other files; 0 = none').default(defaults.contextTokens),
  /** The current file's name (the repository prompt layout names it); '' = unnamed. */
  fileName: z.string({ error: typeError('must be a string (the current file\'s name)') }).max(CONTEXT_LIMITS.nameChars, `must be at most ${CONTEXT_LIMITS.nameChars} characters`).default(defaults.fileName),
});

/** The fields a caller inside a process may leave out (the engine treats them as their defaults). */
type OptionalRequestField = 'suffix' | 'stopStrings' | 'minTokens' | 'context' | 'contextTokens' | 'fileName';
type ParsedRequest = z.output<typeof generateRequestSchema>;
/** A generate request inside a process: a parsed one, or one built by engine code that leaves out the extras. */
export type GenerateRequest = Omit<ParsedRequest, OptionalRequestField> & Partial<Pick<ParsedRequest, OptionalRequestField>>;

// Compile-time check that the defaults are a complete request but for its prefix.
const _defaultsFit: Omit<Required<GenerateRequest>, 'prefix'> = DEFAULT_REQUEST;
void _defaultsFit;

const num = z.number();

export const modelInfoSchema = z.object({
  name: z.string(),
  architecture: z.string(),
  parameters: num,
  layers: num,
  hidden: num,
  heads: num,
  kvHeads: num,
  vocab: num,
  contextLength: num,
  /** dense storage dtype on the GPU (KV cache, unquantized weights): 'f16' | 'f32' */
  dtype: z.string(),
  /** weight formats on the GPU by share of bytes, e.g. "Q4_K 71%, Q6_K 24%, f32 5%" or "f16 100%" */
  weights: z.string(),
  /** adapter name */
  device: z.string(),
  fim: z.boolean(),
});
export type ModelInfo = z.infer<typeof modelInfoSchema>;

export const timingsSchema = z.object({
  prefillMs: num,
  decodeMs: num,
  steps: num,
  msPerStep: num,
  tokensPerSecond: num,
  promptTokens: num,
  /** Prompt tokens whose K/V came from an earlier prompt that started the same way (not prefilled again). */
  reusedTokens: num.optional(),
  /** KV bytes read by attention per decode step, averaged over steps, in this mode and in the other. */
  kvBytesPerStep: num,
  kvBytesPerStepOther: num,
});
export type Timings = z.infer<typeof timingsSchema>;

export const generateEventSchema = z.discriminatedUnion('type', [
  /** `contextChunks`/`contextTokens`: what of the request's context from other files made it into the prompt. */
  z.object({ type: z.literal('start'), promptTokens: num, truncated: z.boolean(), fim: z.boolean(), contextChunks: num.optional(), contextTokens: num.optional() }),
  /** New text for one sample; `logprob` is the token's log-probability under the untempered distribution. */
  z.object({ type: z.literal('token'), sample: num, token: num, text: z.string(), logprob: num }),
  z.object({ type: z.literal('finish'), sample: num, reason: finishReasonSchema, text: z.string(), tokens: num, sumLogprob: num }),
  /**
   * `noLogprobs`: the backend returned no token log-probabilities (a remote server without them): every
   * logprob is 0, so rankings by log-probability cannot order the samples.
   */
  z.object({ type: z.literal('done'), timings: timingsSchema, cancelled: z.boolean(), noLogprobs: z.boolean().optional() }),
]);
export type GenerateEvent = z.infer<typeof generateEventSchema>;

export const loadProgressSchema = z.object({
  /** The file being read ('weights'), or what is being done ('compile'). */
  file: z.string(),
  bytesDone: num,
  bytesTotal: num,
  /** 'weights' (default when absent): streaming the files; 'compile': compiling the shaders (no byte counts). */
  phase: z.enum(['weights', 'compile']).optional(),
});
export type LoadProgress = z.infer<typeof loadProgressSchema>;
