// Everything one request asks of the tokenizer, as plain data: the prompt's ids and layout (prompt.ts)
// and the encodings token healing compares the healed text against (token-healing.ts). Nothing else in a
// request tokenizes text, so a host can run this off its main thread with a time budget
// (engine/host/tokenize-worker.ts): the tokenizer's regexes come from tokenizer.json, a downloaded
// file, and one that backtracks for minutes then stalls a worker that is stopped, not the host.
import { buildPrompt, type BuiltPrompt, type PromptInput, type PromptTokenizer } from './prompt.ts';
import { healTarget, spellingsOf, type HealTokenizer } from './token-healing.ts';

export interface PromptPlan {
  prompt: BuiltPrompt;
  /** spellingsOf(…) of the text healing takes back ([] when nothing is healed). */
  spellings: number[][];
}

export function planPrompt(tok: PromptTokenizer & HealTokenizer, input: PromptInput, contextLimit: number, reserve: number): PromptPlan {
  const prompt = buildPrompt(tok, input, contextLimit, reserve);
  const target = healTarget(tok, prompt.ids, { start: prompt.prefixStart, end: prompt.prefixEnd });
  return { prompt, spellings: target ? spellingsOf(tok, prompt.ids, target.start, target.text) : [] };
}

/**
 * Tokenizes requests somewhere else than the engine's thread (the Node host: a worker with a time budget).
 * The engine hands it each model's tokenizer.json once it has accepted it, and then calls it instead of
 * its own tokenizer for every text a request or a score brings.
 */
export interface RequestTokenizer {
  /** Makes `json` (a tokenizer.json the engine has already parsed and accepted) the tokenizer of the calls that follow. */
  load(json: unknown): Promise<void>;
  /** planPrompt on the loaded tokenizer. Rejects with TokenizeTimeoutError past the budget, TokenizeAbortedError when `signal` fires. */
  plan(input: PromptInput, contextLimit: number, reserve: number, signal?: AbortSignal): Promise<PromptPlan>;
  /** Each text encoded with specials off. */
  encode(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
  /** Stops the worker; later calls fail. */
  close(): void;
}

/** Tokenizing took longer than the host's budget and was stopped. */
export class TokenizeTimeoutError extends Error {
  override name = 'TokenizeTimeoutError';
  constructor(readonly budgetMs: number, chars: number) {
    super(
      `Tokenizing ${chars} characters took longer than ${(budgetMs / 1000).toFixed(budgetMs < 1000 ? 1 : 0)} s and was stopped: the model's tokenizer.json ` +
        'has a pre-tokenizer pattern that backtracks without end on this text.',
    );
  }
}

/** The request was cancelled while its text was being tokenized. */
export class TokenizeAbortedError extends Error {
  override name = 'TokenizeAbortedError';
  constructor() {
    super('cancelled while tokenizing');
  }
}
