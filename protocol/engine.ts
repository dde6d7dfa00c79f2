// The engine's public API types: what callers (CLI, web host, Electron engine window, the remote backend)
// send and receive. The host protocol (protocol/host.ts) carries these shapes unchanged.

/** A chunk of another open or recent file, for the prompt (engine/prompt-context.ts lays it out). */
export interface ContextChunk {
  /** The file the chunk comes from, as the user sees it (a name or a path). */
  name: string;
  text: string;
}

/** Limits a client may send (validated in protocol/host.ts); the engine still fits them to the context. */
export const CONTEXT_LIMITS = { chunks: 32, chunkChars: 16_384, nameChars: 256, tokens: 16_384 } as const;
export type AttentionMode = 'bifurcated' | 'standard';
export type StopMode = 'line' | 'block' | 'none';
export type FinishReason = 'eos' | 'length' | 'stop' | 'line' | 'block' | 'cancelled';

export interface GenerateRequest {
  /** Text before the cursor. */
  prefix: string;
  /** Text after the cursor; used for fill-in-the-middle when the tokenizer has FIM tokens. */
  suffix?: string;
  /** Number of samples (1..256). */
  n: number;
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  topK: number;
  seed: number;
  stop: StopMode;
  /** Extra stop strings. */
  stopStrings?: string[];
  attention: AttentionMode;
  /**
   * End-of-text (and every other special token) is masked until a sample has this many tokens, like
   * servers' `min_tokens`; 0 = off. An explicit request (Ctrl+Enter) asks for 1 so no sample ends empty at once.
   */
  minTokens?: number;
  /**
   * Chunks of the user's other open or recent files, most relevant first (engine/prompt-context.ts), laid
   * out before the prefix within `contextTokens` (and never more than half of the prompt's room).
   */
  context?: ContextChunk[];
  /** Token budget for `context`; 0 = leave it out. */
  contextTokens?: number;
  /** The current file's name (the repository prompt layout names it); '' = unnamed. */
  fileName?: string;
}

export interface ModelInfo {
  name: string;
  architecture: string;
  parameters: number;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  contextLength: number;
  /** dense storage dtype on the GPU (KV cache, unquantized weights): 'f16' | 'f32' */
  dtype: string;
  /** weight formats on the GPU by share of bytes, e.g. "Q4_K 71%, Q6_K 24%, f32 5%" or "f16 100%" */
  weights: string;
  /** adapter name */
  device: string;
  fim: boolean;
}

export interface Timings {
  prefillMs: number;
  decodeMs: number;
  steps: number;
  msPerStep: number;
  tokensPerSecond: number;
  promptTokens: number;
  /** Prompt tokens whose K/V came from an earlier prompt that started the same way (not prefilled again). */
  reusedTokens?: number;
  /** KV bytes read by attention per decode step, averaged over steps, in this mode and in the other. */
  kvBytesPerStep: number;
  kvBytesPerStepOther: number;
}

export type GenerateEvent =
  /** `contextChunks`/`contextTokens`: what of the request's context from other files made it into the prompt. */
  | { type: 'start'; promptTokens: number; truncated: boolean; fim: boolean; contextChunks?: number; contextTokens?: number }
  /** New text for one sample; `logprob` is the token's log-probability under the untempered distribution. */
  | { type: 'token'; sample: number; token: number; text: string; logprob: number }
  | { type: 'finish'; sample: number; reason: FinishReason; text: string; tokens: number; sumLogprob: number }
  /** `noLogprobs`: the backend returned no token log-probabilities (a remote server without them): every
   * logprob is 0, so rankings by log-probability cannot order the samples. */
  | { type: 'done'; timings: Timings; cancelled: boolean; noLogprobs?: boolean };

export interface LoadProgress {
  /** The file being read ('weights'), or what is being done ('compile'). */
  file: string;
  bytesDone: number;
  bytesTotal: number;
  /** 'weights' (default when absent): streaming the files; 'compile': compiling the shaders (no byte counts). */
  phase?: 'weights' | 'compile';
}

export const DEFAULT_REQUEST: Omit<GenerateRequest, 'prefix'> = {
  suffix: '',
  n: 32,
  maxTokens: 64,
  temperature: 0.8,
  topP: 0.95,
  topK: 0,
  seed: 0,
  stop: 'line',
  stopStrings: [],
  attention: 'bifurcated',
  minTokens: 0,
  context: [],
  contextTokens: 0,
  fileName: '',
};
