import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveDir } from '../../tests/fixtures/range-server.ts';
import { writeGguf, type GgufSpec, type GgufTensorSpec } from '../../tests/fixtures/gguf-writer.ts';
import { ModelError } from './errors.ts';
import { dirSource } from './fs-source.ts';
import { readGgufHeader } from './gguf.ts';
import { httpSource } from './http-source.ts';
import type { ModelSource } from './source.ts';

const dir = await mkdtemp(join(tmpdir(), 'fanout-gguf-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

let n = 0;
async function write(bytes: Uint8Array): Promise<string> {
  const name = `m${n++}.gguf`;
  await writeFile(join(dir, name), bytes);
  return name;
}
const read = async (spec: GgufSpec | Uint8Array, source: ModelSource = dirSource(dir)) => readGgufHeader(source, await write(spec instanceof Uint8Array ? spec : writeGguf(spec)));

async function failure(spec: GgufSpec | Uint8Array): Promise<string> {
  try {
    await read(spec);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    const m = (e as ModelError).message;
    expect(m.length).toBeLessThan(400);
    return `${(e as ModelError).code}: ${m}`;
  }
  throw new Error('expected the header to be refused');
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

describe('readGgufHeader', () => {
  it('reads every metadata value type, v2 and v3, and keeps 64-bit integers past 2^53 exact', async () => {
    for (const version of [2, 3]) {
      const h = await read({
        version,
        metadata: [
          ['general.architecture', { type: 'string', value: 'llama' }],
          ['u8', { type: 'u8', value: 250 }],
          ['i8', { type: 'i8', value: -5 }],
          ['u16', { type: 'u16', value: 65_000 }],
          ['i16', { type: 'i16', value: -30_000 }],
          ['u32', { type: 'u32', value: 4_000_000_000 }],
          ['i32', { type: 'i32', value: -2_000_000_000 }],
          ['f32', { type: 'f32', value: 0.5 }],
          ['f64', { type: 'f64', value: Math.PI }],
          ['bool', { type: 'bool', value: true }],
          ['u64', { type: 'u64', value: 2n ** 60n + 1n }],
          ['i64', { type: 'i64', value: -7 }],
          ['tokens', { type: 'array', of: 'string', value: ['a', 'é', '<|fim_prefix|>'] }],
          ['types', { type: 'array', of: 'i32', value: [1, 3, 4] }],
          ['scores', { type: 'array', of: 'f32', value: [-1.5, 0, 2] }],
          ['flags', { type: 'array', of: 'bool', value: [true, false] }],
          ['nested', { type: 'array', of: 'array', value: [['u8', [1, 2]], ['string', ['x']]] }],
        ],
      });
      expect(h.version).toBe(version);
      const m = h.metadata;
      expect(m.get('general.architecture')).toBe('llama');
      expect([m.get('u8'), m.get('i8'), m.get('u16'), m.get('i16'), m.get('u32'), m.get('i32'), m.get('f32'), m.get('bool'), m.get('i64')]).toEqual([250, -5, 65_000, -30_000, 4_000_000_000, -2_000_000_000, 0.5, true, -7]);
      expect(m.get('f64')).toBe(Math.PI);
      expect(m.get('u64')).toBe(2n ** 60n + 1n);
      expect(m.get('tokens')).toEqual(['a', 'é', '<|fim_prefix|>']);
      expect(m.get('types')).toEqual(Int32Array.from([1, 3, 4]));
      expect(m.get('scores')).toEqual(Float32Array.from([-1.5, 0, 2]));
      expect(m.get('flags')).toEqual([true, false]);
      expect(m.get('nested')).toEqual([Uint8Array.from([1, 2]), ['x']]);
    }
  });

  it('places tensors after the aligned header; shape is ne reversed; sizes follow the block layout', async () => {
    for (const alignment of [undefined, 64, 1]) {
      const h = await read({
        alignment,
        tensors: [
          { name: 'token_embd.weight', type: 1, ne: [8, 5], data: bytes(8 * 5 * 2) }, // F16 [5, 8]
          { name: 'blk.0.attn_q.weight', type: 8, ne: [64, 3], data: bytes(2 * 34 * 3, 2) }, // Q8_0: 2 blocks per row
          { name: 'blk.0.ffn_down.weight', type: 12, ne: [256, 2], data: bytes(144 * 2, 3) }, // Q4_K: 1 super-block per row
          { name: 'output_norm.weight', type: 0, ne: [8], data: bytes(32, 4) },
        ],
      });
      const a = alignment ?? 32;
      expect(h.alignment).toBe(a);
      expect(h.dataStart % a).toBe(0);
      const t = (k: string) => h.tensors.get(k)!;
      expect(t('token_embd.weight')).toMatchObject({ type: 1, shape: [5, 8], bytes: 80, offset: h.dataStart });
      expect(t('blk.0.attn_q.weight')).toMatchObject({ shape: [3, 64], bytes: 204 });
      expect(t('blk.0.ffn_down.weight')).toMatchObject({ shape: [2, 256], bytes: 288 });
      expect(t('output_norm.weight')).toMatchObject({ shape: [8], bytes: 32 });
      for (const x of h.tensors.values()) expect((x.offset - h.dataStart) % a).toBe(0);
    }
  });

  it('reads a header with a large vocabulary the same from a file and over HTTP in 1 MiB chunks', async () => {
    const tokens = Array.from({ length: 150_000 }, (_, i) => `tok${i}_${'x'.repeat(i % 13)}`);
    const file = await write(
      writeGguf({
        metadata: [
          ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: tokens }],
          ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: tokens.map((_, i) => (i % 7 === 0 ? 3 : 1)) }],
        ],
        tensors: [{ name: 'output.weight', type: 0, ne: [4, 4], data: bytes(64) }],
      }),
    );
    const server = await serveDir(dir);
    try {
      const [a, b] = await Promise.all([readGgufHeader(dirSource(dir), file), readGgufHeader(httpSource(server.url), file)]);
      expect(a.metadata.get('tokenizer.ggml.tokens')).toEqual(tokens);
      expect((a.metadata.get('tokenizer.ggml.token_type') as Int32Array)[7]).toBe(3);
      expect(b.metadata).toEqual(a.metadata);
      expect(b.tensors).toEqual(a.tensors);
      expect(a.dataStart).toBeGreaterThan(2 << 20);
    } finally {
      await server.close();
    }
  });

  it('keeps a tensor of a type it does not know (named later if needed), with no size', async () => {
    const h = await read({ tensors: [{ name: 'x', type: 99, ne: [4], data: bytes(4) }] });
    expect(h.tensors.get('x')).toMatchObject({ type: 99, bytes: 0 });
  });
});

describe('readGgufHeader: hostile or damaged files are refused, clearly and at once', () => {
  const header = (version: number, tensors: bigint, kvs: bigint) => {
    const b = new Uint8Array(64);
    const d = new DataView(b.buffer);
    b.set(new TextEncoder().encode('GGUF'));
    d.setUint32(4, version, true);
    d.setBigUint64(8, tensors, true);
    d.setBigUint64(16, kvs, true);
    return b;
  };

  it('not GGUF, big-endian, version 1 or unknown, too short', async () => {
    expect(await failure(new TextEncoder().encode('{"not": "gguf", "padding": "..............."}'))).toMatch(/^corrupt-gguf: .*does not start with "GGUF"/);
    const be = header(3, 0n, 0n);
    be.set(new TextEncoder().encode('FUGG'));
    expect(await failure(be)).toMatch(/big-endian GGUF file, which is not supported/);
    expect(await failure(header(1, 0n, 0n))).toMatch(/GGUF version 1 \(2023\) is not supported; convert the model again/);
    expect(await failure(header(7, 0n, 0n))).toMatch(/GGUF version 7 is not one this reader knows/);
    expect(await failure(new TextEncoder().encode('GGUF'))).toMatch(/4 bytes, too short/);
  });

  it('absurd counts and lengths are refused before anything is allocated', async () => {
    expect(await failure(header(3, 2n ** 63n, 0n))).toMatch(/tensor_count is 9223372036854775808; at most 1048576/);
    expect(await failure(header(3, 0n, 2n ** 40n))).toMatch(/metadata_kv_count is 1099511627776; at most 65536/);
    // A key claiming 2^62 bytes; an array claiming 2^40 items.
    const longKey = header(3, 0n, 1n);
    new DataView(longKey.buffer).setBigUint64(24, 2n ** 62n, true);
    expect(await failure(longKey)).toMatch(/metadata key 0 is 4611686018427387904 bytes long; at most 65536/);
    const spec = writeGguf({ metadata: [['a', { type: 'array', of: 'u8', value: [1] }]] });
    // key 'a': 8 + 1 bytes at 24; value type at 33; array type at 37; count at 41.
    new DataView(spec.buffer).setBigUint64(41, 2n ** 40n, true);
    expect(await failure(spec)).toMatch(/the item count of metadata 'a' is 1099511627776; at most 16777216/);
  });

  it('truncated files, bad UTF-8, unknown value types, deep nesting, duplicate keys', async () => {
    const full = writeGguf({ metadata: [['general.name', { type: 'string', value: 'a model' }]], tensors: [{ name: 't', type: 0, ne: [16], data: bytes(64) }] });
    expect(await failure(full.subarray(0, 40))).toMatch(/runs past the end of the file/);
    expect(await failure(full.subarray(0, full.length - 8))).toMatch(/tensor 't' \(F32, 64 bytes at \d+\) ends past the end of the file/);
    const utf = writeGguf({ metadata: [['k', { type: 'string', value: 'ab' }]] });
    utf[24 + 8 + 1 + 4 + 8] = 0xff;
    expect(await failure(utf)).toMatch(/metadata 'k' is not valid UTF-8/);
    const vt = writeGguf({ metadata: [['k', { type: 'u8', value: 1 }]] });
    new DataView(vt.buffer).setUint32(33, 77, true);
    expect(await failure(vt)).toMatch(/metadata 'k' has value type 77, which GGUF does not define/);
    const deep = writeGguf({ metadata: [['k', { type: 'array', of: 'array', value: [['array', [['u8', [1]]]]] }]] });
    expect(await failure(deep)).toMatch(/nests arrays more than 2 deep/);
    expect(await failure({ metadata: [['k', { type: 'u8', value: 1 }], ['k', { type: 'u8', value: 2 }]] })).toMatch(/metadata key 'k' appears twice/);
    expect(await failure({ metadata: [['general.alignment', { type: 'u32', value: 24 }]] })).toMatch(/general\.alignment is not a power of two/);
  });

  it('tensor infos: dimensions, sizes, alignment, overlaps, duplicates, partial blocks', async () => {
    const t = (over: Partial<GgufTensorSpec>): GgufTensorSpec => ({ name: 't', type: 0, ne: [4], data: bytes(16), ...over });
    expect(await failure({ tensors: [t({ ne: [1, 1, 1, 1, 1] })] })).toMatch(/tensor 't' has 5 dimensions \(1 to 4 are valid\)/);
    expect(await failure({ tensors: [t({ ne: [2 ** 40, 2 ** 40] })] })).toMatch(/tensor 't' has more elements than any file holds/);
    expect(await failure({ tensors: [t({ offset: 8 })] })).toMatch(/tensor 't' starts at data offset 8, not a multiple of the alignment 32/);
    expect(await failure({ tensors: [t({}), t({ name: 'u', offset: 0 })] })).toMatch(/tensors 't' and 'u' overlap/);
    expect(await failure({ tensors: [t({}), t({})] })).toMatch(/tensor 't' appears twice/);
    expect(await failure({ tensors: [t({ type: 8, ne: [48], data: bytes(68) })] })).toMatch(/tensor 't' \(Q8_0\) has rows of 48 elements, not a multiple of its block size 32/);
    const huge = 'q'.repeat(10_000);
    const m = await failure({ tensors: [t({ name: huge, ne: [1, 1, 1, 1, 1] })] });
    expect(m).not.toContain('q'.repeat(100));
  });

  it("names with control characters (a text file's lines) are described, not quoted", async () => {
    const secret = 'root:x:0:0:root:/root:/bin/bash\nfanout-secret';
    const dup = await failure({ metadata: [[secret, { type: 'u8', value: 1 }], [secret, { type: 'u8', value: 2 }]] });
    expect(dup).toMatch(/metadata key a name of 45 characters with control characters appears twice/);
    const t = await failure({ tensors: [{ name: secret, type: 0, ne: [1, 1, 1, 1, 1], data: bytes(4) }] });
    expect(t).toMatch(/tensor a name of 45 characters with control characters has 5 dimensions/);
    for (const m of [dup, t]) expect(m).not.toContain('root:x');
  });
});

describe('readGgufHeader: metadata that would take gigabytes as JS values is refused', () => {
  /** A header with one array per count: `itemType` items of `itemBytes` bytes each, written by hand (the writer would take seconds). */
  function arrays(itemType: number, itemBytes: number, counts: number[], fill: (b: Uint8Array) => void = () => {}): Uint8Array {
    const size = 24 + counts.reduce((a, n) => a + 9 + 4 + 4 + 8 + n * itemBytes, 0) + 32;
    const b = new Uint8Array(size);
    const d = new DataView(b.buffer);
    b.set(new TextEncoder().encode('GGUF'));
    d.setUint32(4, 3, true);
    d.setBigUint64(16, BigInt(counts.length), true);
    let p = 24;
    counts.forEach((n, i) => {
      d.setBigUint64(p, 1n, true);
      b[p + 8] = 97 + i; // key 'a', 'b', …
      d.setUint32(p + 9, 9, true); // ARRAY
      d.setUint32(p + 13, itemType, true);
      d.setBigUint64(p + 17, BigInt(n), true);
      p += 25;
      fill(b.subarray(p, p + n * itemBytes));
      p += n * itemBytes;
    });
    return b;
  }

  it('bools, strings and 64-bit integers past 2^22 in all (each one a JS value), before reading them', async () => {
    // 3 + 2 million bools: 5 MB of file, ~80 MB of JS arrays; a 256 MiB header of them would be gigabytes.
    const t0 = performance.now();
    expect(await failure(arrays(7, 1, [3_000_000, 2_000_000]))).toMatch(
      /metadata 'b' has 2000000 items, more than any model's metadata holds \(the header may list 4194304 strings, bools and 64-bit integers in all\)/,
    );
    // A count within the per-array limit but past the budget fails before a single item is read.
    const claim = arrays(10, 8, [0]);
    new DataView(claim.buffer).setBigUint64(24 + 17, 5_000_000n, true);
    expect(await failure(claim)).toMatch(/metadata 'a' has 5000000 items, more than any model's metadata holds/);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('nested arrays count 64 items each', async () => {
    // 70 000 empty inner arrays: 840 KB of file, ~14 MB of typed arrays; a 256 MiB header of them would be 4 GB.
    expect(await failure(arrays(9, 12, [70_000]))).toMatch(/metadata 'a' has 70000 items, more than any model's metadata holds/);
    // 60 000 of them are read.
    const ok = arrays(9, 12, [60_000]);
    const h = await read(ok);
    expect((h.metadata.get('a') as unknown[]).length).toBe(60_000);
  });

  it('reads a vocabulary of a million strings whole and quickly (items inside a chunk are read without an await each)', async () => {
    const n = 1_000_000;
    const t0 = performance.now();
    const h = await read(
      arrays(8, 8 + 3, [n], (b) => {
        const d = new DataView(b.buffer, b.byteOffset);
        for (let i = 0; i < n; i++) {
          d.setBigUint64(i * 11, 3n, true);
          b[i * 11 + 8] = 97 + (i % 26);
          b[i * 11 + 9] = 0xc3; // 'é', across chunk boundaries too
          b[i * 11 + 10] = 0xa9;
        }
      }),
    );
    const tokens = h.metadata.get('a') as string[];
    expect(tokens.length).toBe(n);
    expect(tokens[0]).toBe('aé');
    expect(tokens[n - 1]).toBe(`${String.fromCharCode(97 + ((n - 1) % 26))}é`);
    expect(performance.now() - t0).toBeLessThan(4_000);
  });
});
