// "Does inserting this completion add syntax errors?" for TypeScript/JavaScript files, using the
// TypeScript compiler's parser only (no type checking). The compiler module is passed in, so this file
// stays pure: the parse worker hands it the bundled compiler, the tests hand it the `typescript` package.
import type * as TS from 'typescript';

type Ts = typeof TS;

const SCRIPT_KINDS: Record<string, keyof typeof TS.ScriptKind> = {
  ts: 'TS',
  mts: 'TS',
  cts: 'TS',
  tsx: 'TSX',
  js: 'JS',
  mjs: 'JS',
  cjs: 'JS',
  jsx: 'JSX',
};

/** The file extension the parser should treat the text as, or undefined when it has no syntax check. */
export function syntaxCheckExtension(fileName: string): string | undefined {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  return ext && ext in SCRIPT_KINDS ? ext : undefined;
}

/** Number of syntax (parse) errors in `text` read as a file of type `ext` (ts, tsx, js, jsx, ...). */
export function countSyntaxErrors(ts: Ts, ext: string, text: string): number {
  const kind = SCRIPT_KINDS[ext];
  if (!kind) throw new Error(`no syntax check for .${ext} files`);
  const sf = ts.createSourceFile(`candidate.${ext}`, text, ts.ScriptTarget.Latest, false, ts.ScriptKind[kind]);
  // parseDiagnostics is the parser's own list (what tsc reports as syntactic diagnostics); it is not in
  // the public typings, but has been a stable SourceFile field for every TypeScript release.
  const diags = (sf as unknown as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics;
  if (!diags) throw new Error('this TypeScript build does not expose parseDiagnostics');
  return diags.length;
}

export interface SyntaxCheckRequest {
  ext: string;
  prefix: string;
  suffix: string;
  /** Distinct candidate texts. */
  texts: string[];
}

/**
 * For each candidate text: true when prefix+text+suffix has more syntax errors than prefix+suffix.
 * Comparing against the file without the insertion means errors that were already there (the user is
 * mid-edit) do not count against any candidate.
 */
export function addsSyntaxErrors(ts: Ts, req: SyntaxCheckRequest): Map<string, boolean> {
  const baseline = countSyntaxErrors(ts, req.ext, req.prefix + req.suffix);
  const out = new Map<string, boolean>();
  for (const text of req.texts) {
    if (out.has(text)) continue;
    out.set(text, countSyntaxErrors(ts, req.ext, req.prefix + text + req.suffix) > baseline);
  }
  return out;
}
