// Next-line exact match on held-out files: evals/heldout/ holds a few source files from npm packages
// that the bundled model's training split left out (tools/train/manifest.json, split "val"), with their
// licences and a manifest.json listing package, version, licence and path of each.
//
// A position is the start of a non-blank line (not the first line of its file); the prompt is all of
// the file before it (the engine keeps its end when it is longer than the context), the model writes
// one line greedily (stop mode 'line'), and the line counts as an exact match when it equals the true
// line with trailing whitespace removed from both. The whitespace-normalised rate also forgives
// indentation and spacing (runs of whitespace collapsed, both ends trimmed).
// Node-only (reads the folder).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { sampleRng } from '../rng.ts';

const manifestSchema = z.object({
  files: z
    .array(
      z.object({
        package: z.string().min(1),
        version: z.string().min(1),
        license: z.string().min(1),
        /** Path inside the package. */
        path: z.string().min(1),
        /** Path of the copy, relative to the held-out folder. */
        file: z.string().min(1),
        /** The package's licence text, relative to the held-out folder. */
        licenseFile: z.string().min(1),
      }),
    )
    .min(1),
});

export type HeldoutManifest = z.infer<typeof manifestSchema>;

export interface HeldoutFile {
  /** Path relative to the held-out folder. */
  file: string;
  package: string;
  text: string;
}

export interface LinePosition {
  file: string;
  /** 1-based line number. */
  line: number;
  /** The file's text before the line (ends with a line break). */
  prefix: string;
  /** The true line, without its line break. */
  expected: string;
}

/** Reads manifest.json in `dir` and the files it lists. */
export async function loadHeldout(dir: string): Promise<HeldoutFile[]> {
  const path = join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return Promise.all(
    parsed.data.files.map(async (f) => ({ file: f.file, package: f.package, text: (await readFile(join(dir, f.file), 'utf8')).replace(/\r\n/g, '\n') })),
  );
}

/**
 * `count` line positions drawn without replacement, uniformly over the eligible lines of all files
 * (so bigger files get more), from a stream seeded by `seed`; sorted by file, then line. All of them
 * when there are fewer.
 */
export function pickLines(files: readonly HeldoutFile[], count: number, seed: number): LinePosition[] {
  const eligible: { f: number; start: number; line: number }[] = [];
  files.forEach((file, f) => {
    let start = 0;
    file.text.split('\n').forEach((l, i) => {
      if (i > 0 && l.trim() !== '') eligible.push({ f, start, line: i });
      start += l.length + 1;
    });
  });
  // Partial Fisher–Yates: the first `take` entries become a uniform sample.
  const rng = sampleRng(seed, 0x6c696e65 /* "line" */);
  const take = Math.min(count, eligible.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.next() * (eligible.length - i));
    [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
  }
  return eligible
    .slice(0, take)
    .sort((a, b) => a.f - b.f || a.line - b.line)
    .map(({ f, start, line }) => {
      const text = files[f].text;
      const end = text.indexOf('\n', start);
      return { file: files[f].file, line: line + 1, prefix: text.slice(0, start), expected: text.slice(start, end < 0 ? undefined : end) };
    });
}

/** Exact match: equal after removing trailing whitespace (a '\r' included) from both. */
export function exactLineMatch(got: string, expected: string): boolean {
  return got.trimEnd() === expected.trimEnd();
}

/** Whitespace-normalised match: runs of whitespace collapsed to one space, both ends trimmed. */
export function normalizedLineMatch(got: string, expected: string): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ');
  return norm(got) === norm(expected);
}
