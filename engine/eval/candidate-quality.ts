// How often the candidate the app would show is a poor one, over a set of positions: nothing to show, a
// start in the middle of a word, a self-repeating text (the predicates of protocol/quality.ts). Exact
// match says whether the model wrote the file's code; these say how the misses look to a user, and they
// are what ranking, stop rules and decoding can fix without retraining.
import { isBlank, isRepetitive, startsMidWord } from '../../protocol/quality.ts';

/** What is wrong with one position's candidate. */
export interface CandidateFlags {
  /** Nothing to insert: no candidate at all (every sample was blank), or a blank text. */
  empty: boolean;
  /** protocol/quality.ts startsMidWord(prefix, text, suffix); false when empty. */
  midWord: boolean;
  /** protocol/quality.ts isRepetitive(text); false when empty. */
  repeats: boolean;
}

/** Flags of the candidate `text` (null: there is none) written between `prefix` and `suffix`. */
export function candidateFlags(prefix: string, text: string | null, suffix = ''): CandidateFlags {
  if (text === null || isBlank(text)) return { empty: true, midWord: false, repeats: false };
  return { empty: false, midWord: startsMidWord(prefix, text, suffix), repeats: isRepetitive(text) };
}

/** Shares of positions with each flag (0 when there are no positions). */
export interface CandidateQuality {
  positions: number;
  empty: number;
  midWord: number;
  repeats: number;
}

export function candidateQuality(flags: readonly CandidateFlags[]): CandidateQuality {
  const share = (k: keyof CandidateFlags) => (flags.length ? flags.filter((f) => f[k]).length / flags.length : 0);
  return { positions: flags.length, empty: share('empty'), midWord: share('midWord'), repeats: share('repeats') };
}
