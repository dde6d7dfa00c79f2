// The host protocol as the renderer uses it. Type-only re-exports: protocol/host.ts also holds
// zod schemas, which must not end up in the renderer bundle (the architecture rule: the renderer knows
// the protocol's types, never the engine's code).
export type { ClientMessage, ErrorCode, HostEvent as HostMessage, HostPhase, HostState, LocalModel, LocalModelList, LocalModelSource, ModelRef, SearchedPlace } from '../protocol/host.ts';
export type { GenerateEvent, GenerateRequest, LoadProgress, ModelInfo } from '../protocol/engine.ts';
