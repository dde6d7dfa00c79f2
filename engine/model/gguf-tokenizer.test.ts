import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGguf, type Meta } from '../../tests/fixtures/gguf-writer.ts';
import { Tokenizer } from '../tokenizer/tokenizer.ts';
import { ModelError } from './errors.ts';
import { dirSource } from './fs-source.ts';
import { readGgufHeader } from './gguf.ts';
import { ggufTokenizerJson } from './gguf-tokenizer.ts';

const dir = await mkdtemp(join(tmpdir(), 'fanout-gguf-tok-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let n = 0;

/** The bundled model's tokenizer.json (GPT-2 byte-level BPE with FIM tokens), written as GGUF metadata the way convert_hf_to_gguf.py does. */
const hf = JSON.parse(readFileSync(new URL('../../models/fanout-code-4m/tokenizer.json', import.meta.url), 'utf8'));
function ggufMeta(pre: string): [string, Meta][] {
  const byId: string[] = [];
  for (const [t, id] of Object.entries(hf.model.vocab as Record<string, number>)) byId[id] = t;
  const types = byId.map(() => 1);
  for (const a of hf.added_tokens as { id: number; content: string; special: boolean }[]) {
    byId[a.id] = a.content;
    types[a.id] = a.special ? 3 : 4;
  }
  return [
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: pre }],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: byId }],
    ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: types }],
    ['tokenizer.ggml.merges', { type: 'array', of: 'string', value: hf.model.merges }],
  ];
}

async function fromGguf(metadata: [string, Meta][]) {
  const file = `t${n++}.gguf`;
  await writeFile(join(dir, file), writeGguf({ metadata }));
  return ggufTokenizerJson(await readGgufHeader(dirSource(dir), file), file);
}

const SAMPLES = [
  'function add(a: number, b: number): number {\n  return a + b;\n}\n',
  "  const x = arr.map((v) => v * 2);\t// it's doubled\n\n\n    \n",
  'import { useState } from "react";\r\nexport default 12345 + 0.5e-3;',
  '<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y<|fim_middle|>',
  'naïve café – 日本語 😀 trailing   ',
];

describe('ggufTokenizerJson', () => {
  it('gives the same token ids as the tokenizer.json it was converted from (gpt-2 pre-tokenizer, control tokens)', async () => {
    const a = Tokenizer.fromJSON(hf);
    const b = Tokenizer.fromJSON(await fromGguf(ggufMeta('gpt-2')));
    for (const s of SAMPLES) {
      expect(b.encode(s)).toEqual(a.encode(s));
      expect(b.decode(b.encode(s))).toBe(s);
    }
    expect(b.tokenId('<|fim_middle|>')).toBe(a.tokenId('<|fim_middle|>'));
  });

  it('every named pre-tokenizer compiles and round-trips text', async () => {
    for (const pre of ['default', 'llama-bpe', 'qwen2', 'deepseek-coder', 'starcoder']) {
      const t = Tokenizer.fromJSON(await fromGguf(ggufMeta(pre)));
      for (const s of SAMPLES) expect(t.decode(t.encode(s))).toBe(s);
    }
    // qwen2 splits digits one by one, llama-bpe in threes.
    const digits = async (pre: string) => {
      const t = Tokenizer.fromJSON(await fromGguf(ggufMeta(pre)));
      return t.encode('1234567').map((id) => t.decode([id]));
    };
    expect(await digits('qwen2')).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect((await digits('llama-bpe')).every((p) => p.length <= 3)).toBe(true);
  });

  it('refuses SentencePiece, unknown pre-tokenizers and malformed lists, naming the key', async () => {
    const without = (k: string) => ggufMeta('gpt-2').filter(([key]) => key !== k);
    const code = async (meta: [string, Meta][]) => {
      try {
        await fromGguf(meta);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        return `${(e as ModelError).code}: ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(await code([['tokenizer.ggml.model', { type: 'string', value: 'llama' }], ...without('tokenizer.ggml.model')])).toMatch(
      /^bad-tokenizer: .*tokenizer\.ggml\.model is 'llama' \(SentencePiece, as in Llama 2, CodeLlama and Mistral\); Fanout supports byte-level BPE/,
    );
    expect(await code(without('tokenizer.ggml.model'))).toMatch(/tokenizer\.ggml\.model is missing/);
    expect(await code([...without('tokenizer.ggml.pre'), ['tokenizer.ggml.pre', { type: 'string', value: 'tekken' }]])).toMatch(/tokenizer\.ggml\.pre is 'tekken', a pre-tokenizer Fanout does not know; supported: default, gpt-2/);
    expect(await code([...without('tokenizer.ggml.token_type'), ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: [1, 2] }]])).toMatch(/token_type must list an i32 type for each of the 8192 tokens/);
    expect(await code([...without('tokenizer.ggml.tokens'), ['tokenizer.ggml.tokens', { type: 'array', of: 'u8', value: [1] }]])).toMatch(/tokenizer\.ggml\.tokens is missing or not a list of strings/);
  });
});
