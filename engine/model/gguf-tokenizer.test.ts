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

  it("refuses a pre-tokenizer named after Object.prototype's members, and does not quote names with control characters", async () => {
    const without = (k: string) => ggufMeta('gpt-2').filter(([key]) => key !== k);
    const pre = (v: string) => fromGguf([...without('tokenizer.ggml.pre'), ['tokenizer.ggml.pre', { type: 'string', value: v }]]);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      await expect(pre(name)).rejects.toThrow(new RegExp(`tokenizer\\.ggml\\.pre is '${name}', a pre-tokenizer Fanout does not know`));
    }
    const secret = 'root:x:0:0:root:/root:/bin/bash\nfanout-secret';
    await expect(pre(secret)).rejects.toThrow(/tokenizer\.ggml\.pre is a name of 45 characters with control characters, a pre-tokenizer/);
    await expect(pre(secret)).rejects.not.toThrow(/root:x/);
    const model = fromGguf([...without('tokenizer.ggml.model'), ['tokenizer.ggml.model', { type: 'string', value: secret }]]);
    await expect(model).rejects.toThrow(/tokenizer\.ggml\.model is a name of 45 characters with control characters; Fanout supports/);
    await expect(fromGguf([...without('tokenizer.ggml.model'), ['tokenizer.ggml.model', { type: 'u32', value: 2 }]])).rejects.toThrow(/tokenizer\.ggml\.model is 2; Fanout supports/);
  });

  it('checks the merges as llama.cpp splits them, naming tokenizer.ggml.merges (a GGUF file has no tokenizer.json)', async () => {
    const merges = hf.model.merges as string[];
    const withMerges = (list: string[]) => fromGguf([...ggufMeta('gpt-2').filter(([k]) => k !== 'tokenizer.ggml.merges'), ['tokenizer.ggml.merges', { type: 'array', of: 'string', value: list }]]);
    const json = (await withMerges(merges)) as { model: { merges: [string, string][] } };
    expect(json.model.merges.length).toBe(merges.length);
    expect(json.model.merges[0]).toEqual(merges[0]!.split(' '));
    for (const [bad, why] of [
      ['', 'is not two tokens separated by a space'],
      ['Ġ', 'is not two tokens separated by a space'],
      ['Ġ ', 'is not two tokens separated by a space'],
      ['a b c', 'names a token that tokenizer.ggml.tokens does not list'],
      ['zzqq xxkk', 'names a token that tokenizer.ggml.tokens does not list'],
    ] as const) {
      const list = [...merges];
      list[7] = bad;
      const e = await withMerges(list).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ModelError);
      expect((e as ModelError).code).toBe('bad-tokenizer');
      expect((e as Error).message).toBe(`t${n - 1}.gguf: tokenizer.ggml.merges[7] ${why}; the tokens and merges do not belong together. The file is damaged: download it again or convert the model again.`);
    }
    // The built tokenizer accepts what passed.
    expect(() => Tokenizer.fromJSON(json)).not.toThrow();
  });

  it('refuses a vocabulary without one of the 256 byte tokens (found by the fuzz suite: it loaded, then a prompt with ":" failed)', async () => {
    const meta = ggufMeta('gpt-2');
    const tokens = meta.find(([k]) => k === 'tokenizer.ggml.tokens')![1].value as string[];
    const colon = tokens.indexOf(':');
    expect(colon).toBeGreaterThanOrEqual(0);
    // Same count: the ':' slot spelled as another token (a duplicate, which is allowed).
    const edited = tokens.map((t, i) => (i === colon ? tokens[colon + 1]! : t));
    const merges = (hf.model.merges as string[]).filter((m) => !m.split(' ').some((p) => p.includes(':')));
    const e = await fromGguf([
      ...meta.filter(([k]) => k !== 'tokenizer.ggml.tokens' && k !== 'tokenizer.ggml.merges'),
      ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: edited }],
      ['tokenizer.ggml.merges', { type: 'array', of: 'string', value: merges }],
    ]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ModelError);
    expect((e as Error).message).toMatch(/tokenizer\.ggml\.tokens has no token for byte 0x3A; a byte-level BPE vocabulary lists all 256 bytes\. The file is damaged/);
  });
});
