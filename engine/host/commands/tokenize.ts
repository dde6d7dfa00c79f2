// `fanout tokenize` / `fanout detokenize`: text ↔ token ids with a tokenizer.json, on stdin/stdout.
//
//   tokenize:            stdin text                 → {"ids":[...]}
//   tokenize --jsonl:    one JSON string per line    → one JSON array of ids per line
//   detokenize:          {"ids":[...]} or [...]      → the text, exactly (no newline added)
//   detokenize --jsonl:  one {"ids":[...]} or [...] per line → one JSON string per line
import type { Command } from 'commander';
import type { Tokenizer } from '../../tokenizer/tokenizer.ts';
import { CliError } from '../cli-errors.ts';
import { readJsonFile, readStdin, writeOut } from '../cli-io.ts';

interface TokenizeOptions {
  tokenizer: string;
  jsonl?: boolean;
}

export function registerTokenize(program: Command): Command {
  return program
    .command('tokenize')
    .description('text on stdin → token ids as JSON')
    .requiredOption('--tokenizer <file>', 'a Hugging Face tokenizer.json')
    .option('--jsonl', 'each input line is a JSON string; each output line a JSON array of ids')
    .action(async (o: TokenizeOptions) => {
      const tok = await loadTokenizer(o.tokenizer);
      const input = await readStdin();
      if (!o.jsonl) {
        await writeOut(JSON.stringify({ ids: tok.encode(input) }) + '\n');
        return;
      }
      const out = jsonLines(input).map(({ value, line }) => {
        if (typeof value !== 'string') throw new CliError(`stdin line ${line}: expected a JSON string, e.g. "def f():"; quote each text line as JSON.`);
        return JSON.stringify(tok.encode(value));
      });
      await writeOut(out.map((l) => l + '\n').join(''));
    });
}

export function registerDetokenize(program: Command): Command {
  return program
    .command('detokenize')
    .description('token ids on stdin ({"ids":[...]} or a JSON array) → text')
    .requiredOption('--tokenizer <file>', 'a Hugging Face tokenizer.json')
    .option('--jsonl', 'each input line is {"ids":[...]} or a JSON array; each output line a JSON string')
    .action(async (o: TokenizeOptions) => {
      const tok = await loadTokenizer(o.tokenizer);
      const input = await readStdin();
      if (!o.jsonl) {
        let value: unknown;
        try {
          value = JSON.parse(input);
        } catch (e) {
          throw new CliError(`stdin is not valid JSON (${(e as Error).message}); pass {"ids":[...]} or a JSON array of ids.`);
        }
        await writeOut(tok.decode(idsOf(value, tok, 'stdin')));
        return;
      }
      const out = jsonLines(input).map(({ value, line }) => JSON.stringify(tok.decode(idsOf(value, tok, `stdin line ${line}`))));
      await writeOut(out.map((l) => l + '\n').join(''));
    });
}

async function loadTokenizer(file: string): Promise<Tokenizer> {
  const json = await readJsonFile(file, '--tokenizer');
  const { Tokenizer } = await import('../../tokenizer/tokenizer.ts');
  try {
    return Tokenizer.fromJSON(json);
  } catch (e) {
    throw new CliError(`--tokenizer ${file}: ${(e as Error).message}`);
  }
}

/** Parses each non-blank line of `input` as JSON. */
function jsonLines(input: string): { value: unknown; line: number }[] {
  const out: { value: unknown; line: number }[] = [];
  input.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      out.push({ value: JSON.parse(text), line: i + 1 });
    } catch (e) {
      throw new CliError(`stdin line ${i + 1} is not valid JSON (${(e as Error).message}); write one JSON value per line.`);
    }
  });
  return out;
}

/** The id list in `{"ids":[...]}` or `[...]`, each checked to be a token of `tok`. */
function idsOf(value: unknown, tok: Tokenizer, where: string): number[] {
  const ids = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? (value as { ids?: unknown }).ids : undefined;
  if (!Array.isArray(ids)) throw new CliError(`${where}: expected {"ids":[...]} or a JSON array of token ids.`);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || (id as number) < 0 || tok.token(id as number) === undefined) {
      throw new CliError(`${where}: ids[${i}] = ${JSON.stringify(id)} is not a token id of this tokenizer (0..${tok.vocabSize - 1}); pass ids produced by this tokenizer.`);
    }
  });
  return ids as number[];
}
