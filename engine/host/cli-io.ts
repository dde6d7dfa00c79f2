// File and stdin reading for the CLI, with errors that name the flag and the path. Every text input
// goes through decodeText (cli-text.ts): binary or non-UTF-8 bytes are refused, never decoded lossily.
import { readFile } from 'node:fs/promises';
import { CliError } from './cli-errors.ts';
import { decodeText } from './cli-text.ts';

/** Reads a UTF-8 text file given by `flag`; a missing or unreadable file, or one that is not UTF-8 text, is a CliError. */
export async function readTextFile(path: string, flag: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CliError(`cannot read ${flag} ${path}: ${why}; check the path.`);
  }
  return decodeText(bytes, `${flag} ${path}`);
}

/** Reads a JSON file given by `flag`. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  const text = await readTextFile(path, flag);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`${flag} ${path} is not valid JSON (${(e as Error).message}); pass a tokenizer.json file.`);
  }
}

/** All of stdin as UTF-8 text; binary or non-UTF-8 input is a CliError. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return decodeText(Buffer.concat(chunks), 'stdin', 'pipe UTF-8 text');
}

/** Writes to stdout and resolves once it has been handed to the OS (so exiting cannot cut it off). */
export function writeOut(s: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(s, (e) => (e ? reject(e) : resolve())));
}

/** The API key in the first line of `file` (--api-key-file): 16 to 512 printable characters without spaces. */
export async function readApiKeyFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`--api-key-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a file whose first line is the key.`);
  }
  const key = text.split(/\r?\n/)[0].trim();
  if (!/^[\x21-\x7e]{16,512}$/.test(key)) throw new CliError(`--api-key-file ${file}: its first line must be the key, 16 to 512 printable characters without spaces (e.g. openssl rand -hex 24 > ${file}).`);
  return key;
}
