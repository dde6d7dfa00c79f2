// A generate request's defaults and limits as plain values, without zod: the renderer imports these
// (settings, the context ring) and its bundle stays free of the schemas (tests/architecture.test.ts).
// protocol/engine.ts builds its request schema from them and re-exports them.
/** Limits a client may send (validated in protocol/engine.ts); the engine still fits them to the context. */
export const CONTEXT_LIMITS = { chunks: 32, chunkChars: 16_384, nameChars: 256, tokens: 16_384 } as const;

/** What a request's optional fields default to (protocol/engine.ts checks it is a GenerateRequest without `prefix`). */
export const DEFAULT_REQUEST = {
  suffix: '',
  n: 32,
  maxTokens: 64,
  temperature: 0.8,
  topP: 0.95,
  topK: 0,
  seed: 0,
  stop: 'line' as const,
  stopStrings: [] as string[],
  attention: 'bifurcated' as const,
  minTokens: 0,
  context: [] as { name: string; text: string }[],
  contextTokens: 0,
  fileName: '',
};
