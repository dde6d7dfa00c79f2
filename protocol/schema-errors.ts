// Messages for zod's type errors, shared by the protocol's schemas: a missing field says "is required",
// a wrong one says what it must be, so a client author reads one line per problem.
import { z } from 'zod';

/** Type-error message for a field: "is required" when it is missing, else `what` (e.g. "must be a number"). */
export const typeError = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `is required; ${what}` : what);

/** An integer from lo to hi; `what` names the field's meaning in every message. */
export const intIn = (lo: number, hi: number, what: string) =>
  z
    .number({ error: typeError(`must be a number (${what})`) })
    .int(`must be an integer (${what})`)
    .min(lo, `must be from ${lo} to ${hi} (${what})`)
    .max(hi, `must be from ${lo} to ${hi} (${what})`);
