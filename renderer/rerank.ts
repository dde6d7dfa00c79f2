// The renderer ranks with the engine's one ranking module (protocol/rank.ts: pure, browser-safe), so the
// panel, the ghost text, the CLI and `fanout eval` order samples the same way.
export {
  RERANK_MODES,
  countBlank,
  finishTier,
  groupCandidates,
  meanLogprob,
  normalizeForGrouping,
  rerank,
  type Candidate,
  type CandidateGroup,
  type Demotion,
  type RankedGroup,
  type RerankMode,
  type RerankOptions,
} from '../protocol/rank.ts';
