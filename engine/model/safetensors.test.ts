import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToF16 } from '../gpu/f16.ts';
import { convertElements } from './convert.ts';
import { ModelError } from './errors.ts';
import { dirSource } from './fs-source.ts';
import { readSafetensorsHeader, readWeightIndex } from './safetensors.ts';
import { encodeSafetensors, encodeTensorData, f32ToBf16, roundToDtype } from './safetensors-write.ts';

const root = await mkdtemp(join(tmpdir(), 'fanout-st-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
async function folder(files: Record<string, Uint8Array | string>) {
  const dir = join(root, String(n++));
  await mkdir(dir);
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dirSource(dir);
}
/** A file with an arbitrary header: u64 length (or `len`), the header text, `dataBytes` zero bytes. */
function rawFile(header: string, dataBytes: number, len?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a ModelError');
}

const values = [0, 1, -2.5, 1 / 3, 1e-3, 65504, -1e-6, 3.14159];

describe('safetensors write + read', () => {
  it('round-trips F32, F16 and BF16 tensors with metadata; header padded to 8 bytes', async () => {
    const bytes = encodeSafetensors(
      [
        { name: 'a', shape: [2, 4], dtype: 'F32', data: values },
        { name: 'b', shape: [8], dtype: 'F16', data: values },
        { name: 'c', shape: [1, 8], dtype: 'BF16', data: values },
        { name: 'scalar', shape: [], dtype: 'F32', data: [7] },
      ],
      { format: 'pt' },
    );
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const src = await folder({ 'model.safetensors': bytes });
    const h = await readSafetensorsHeader(src, 'model.safetensors');
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()]).toEqual(['a', 'b', 'c', 'scalar']);
    expect(h.tensors.get('b')).toMatchObject({ dtype: 'F16', shape: [8], bytes: 16, offset: h.dataStart + 32 });
    for (const [name, dtype] of [['a', 'F32'], ['b', 'F16'], ['c', 'BF16']] as const) {
      const t = h.tensors.get(name)!;
      const out = new Float32Array(8);
      convertElements(dtype, await src.read('model.safetensors', t.offset, t.bytes), 0, out, 0, 8);
      expect([...out]).toEqual([...roundToDtype(dtype, values)]);
    }
    expect(roundToDtype('F16', [1 / 3])[0]).not.toBe(roundToDtype('F32', [1 / 3])[0]);
  });

  it('rounds f32 → bf16 to nearest even', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(f32ToBf16(1 + 2 ** -8 + 2 ** -12)).toBe(0x3f81);
    expect(f32ToBf16(-Infinity)).toBe(0xff80);
    expect(Number.isNaN(bf16ToF32(f32ToBf16(NaN)))).toBe(true);
  });

  it('converts every F16 / BF16 bit pattern exactly as f16.ts does', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const src = new Uint8Array(all.buffer);
    const toF16 = new Uint16Array(65536);
    const toF32 = new Float32Array(65536);
    convertElements('BF16', src, 0, toF16, 0, 65536);
    convertElements('F16', src, 0, toF32, 0, 65536);
    const bf32 = new Float32Array(65536);
    convertElements('BF16', src, 0, bf32, 0, 65536);
    for (let i = 0; i < 65536; i++) {
      if (toF16[i] !== f32ToF16(bf16ToF32(i))) throw new Error(`BF16 ${i} → f16 ${toF16[i]}`);
      if (!Object.is(toF32[i], Math.fround(f16ToF32(i)))) throw new Error(`F16 ${i} → f32 ${toF32[i]}`);
      if (!Object.is(bf32[i], bf16ToF32(i))) throw new Error(`BF16 ${i} → f32 ${bf32[i]}`);
    }
    const f32 = new Uint8Array(Float32Array.from(values).buffer);
    const h = new Uint16Array(values.length);
    convertElements('F32', f32, 0, h, 0, values.length);
    expect([...h]).toEqual(values.map(f32ToF16));
    const part = new Float32Array(3); // offsets on both sides
    convertElements('F32', f32, 2, part, 1, 2);
    expect([...part]).toEqual([0, -2.5, Math.fround(1 / 3)]);
  });
});

describe('safetensors validation', () => {
  const one = (dtype: string, shape: number[], offsets: number[]) => JSON.stringify({ t: { dtype, shape, data_offsets: offsets } });
  const check = async (file: Uint8Array) => failure(readSafetensorsHeader(await folder({ 'model.safetensors': file }), 'model.safetensors'));

  it('rejects a file too short for the length field', async () => {
    expect(await check(new Uint8Array(5))).toMatch(/^corrupt-safetensors: .*model\.safetensors: file is 5 bytes/);
  });
  it('rejects a header length longer than the file', async () => {
    expect(await check(rawFile(one('F32', [2], [0, 8]), 8, 1n << 40n))).toMatch(/^corrupt-safetensors: .*header length \(first 8 bytes\) is impossible/);
  });
  it('rejects a header that is not JSON', async () => {
    expect(await check(rawFile('{"t": {"dtype": "F32",', 8))).toMatch(/^corrupt-safetensors: .*header is not valid JSON/);
    expect(await check(rawFile('[1, 2, 3]', 0))).toMatch(/header is not a JSON object/);
  });
  it('rejects offsets past the end of the file (truncated), naming the tensor', async () => {
    expect(await check(rawFile(one('F32', [4], [0, 16]), 8))).toMatch(/^corrupt-safetensors: .*tensor 't': data ends at byte \d+ but the file has \d+ bytes \(truncated\)/);
  });
  it('rejects offsets inconsistent with dtype × shape', async () => {
    expect(await check(rawFile(one('F16', [3], [0, 8]), 8))).toMatch(/tensor 't': F16 \[3\] needs 6 bytes but data_offsets span 8/);
    expect(await check(rawFile(one('F32', [2], [8, 0]), 8))).toMatch(/tensor 't': data_offsets \[8,0\] is not \[begin, end\]/);
    expect(await check(rawFile(one('F32', [-2], [0, 8]), 8))).toMatch(/tensor 't': shape \[-2\]/);
  });
  it('rejects tensors whose data_offsets overlap, and accepts adjacent and empty ones', async () => {
    const two = (b: [number, number]) =>
      JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: b }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } });
    expect(await check(rawFile(two([4, 12]), 16))).toMatch(/^corrupt-safetensors: .*tensors 'a' and 'b' overlap/);
    expect(await check(rawFile(two([0, 8]), 16))).toMatch(/tensors '(a|b)' and '(a|b)' overlap/);
    const ok = await folder({ 'model.safetensors': rawFile(two([8, 16]), 16) });
    expect((await readSafetensorsHeader(ok, 'model.safetensors')).tensors.size).toBe(3);
  });
  it('accepts dtypes it cannot load (the loader rejects them per tensor) and still checks their sizes', async () => {
    const src = await folder({ 'model.safetensors': rawFile(one('I8', [4], [0, 4]), 4) });
    expect((await readSafetensorsHeader(src, 'model.safetensors')).tensors.get('t')?.dtype).toBe('I8');
    expect(await check(rawFile(one('I64', [4], [0, 4]), 4))).toMatch(/I64 \[4\] needs 32 bytes/);
  });
});

describe('readWeightIndex', () => {
  const shard = (names: string[]) => encodeSafetensors(names.map((name) => ({ name, shape: [2], dtype: 'F32' as const, data: [1, 2] })));
  const index = (map: Record<string, string>) => JSON.stringify({ metadata: {}, weight_map: map });

  it('reads model.safetensors, or the shards listed in the index', async () => {
    const single = await readWeightIndex(await folder({ 'model.safetensors': shard(['x', 'y']) }));
    expect(single.files).toEqual(['model.safetensors']);
    expect([...single.tensors.keys()]).toEqual(['x', 'y']);
    const sharded = await readWeightIndex(
      await folder({ 'a.safetensors': shard(['x']), 'b.safetensors': shard(['y', 'z']), 'model.safetensors.index.json': index({ x: 'a.safetensors', y: 'b.safetensors', z: 'b.safetensors' }) }),
    );
    expect(sharded.files).toEqual(['a.safetensors', 'b.safetensors']);
    expect(sharded.tensors.get('z')?.file).toBe('b.safetensors');
  });

  it('reports missing weights, missing shards and inconsistent indexes', async () => {
    expect(await failure(readWeightIndex(await folder({ 'config.json': '{}' })))).toMatch(/^missing-file: .*no model\.safetensors or model\.safetensors\.index\.json.*Hugging Face model folder holds/);
    expect(await failure(readWeightIndex(await folder({ 'pytorch_model.bin': 'x' })))).toMatch(/PyTorch \.bin weights/);
    expect(await failure(readWeightIndex(await folder({ 'a.safetensors': shard(['x']), 'model.safetensors.index.json': index({ x: 'a.safetensors', y: 'b.safetensors' }) })))).toMatch(
      /^missing-file: .*b\.safetensors is listed in model\.safetensors\.index\.json but missing/,
    );
    expect(await failure(readWeightIndex(await folder({ 'a.safetensors': shard(['x']), 'model.safetensors.index.json': index({ x: 'a.safetensors', y: 'a.safetensors' }) })))).toMatch(
      /^corrupt-safetensors: .*puts tensor 'y' in a\.safetensors, but that shard does not hold it/,
    );
    expect(await failure(readWeightIndex(await folder({ 'model.safetensors.index.json': '{"weight_map": ' })))).toMatch(/^corrupt-safetensors: .*index\.json is not valid JSON/);
    expect(await failure(readWeightIndex(await folder({ 'model.safetensors.index.json': '{"metadata": {}}' })))).toMatch(/has no weight_map/);
  });

  it('never opens a shard outside the folder (path traversal in the index)', async () => {
    for (const name of ['../../../../etc/passwd', '/etc/passwd', 'sub/../../x.safetensors', '..\\x.safetensors', '.hidden.safetensors', 'a.bin']) {
      const src = await folder({ 'a.safetensors': shard(['x']), 'model.safetensors.index.json': index({ x: name }) });
      let opened = false;
      const exists = src.exists.bind(src);
      src.exists = async (f: string) => ((opened ||= f === name), exists(f));
      expect(await failure(readWeightIndex(src)), name).toMatch(/^corrupt-safetensors: .*names a shard that is not a \.safetensors file of this folder/);
      expect(opened, name).toBe(false);
    }
  });

  it('encodes tensor data little-endian', () => {
    expect([...encodeTensorData('F16', [1, -2])]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    expect([...encodeTensorData('BF16', [1])]).toEqual([0x80, 0x3f]);
  });
});

// Found by the fuzz suite (tests/fuzz): header fields are untrusted, messages stay short and never recurse into them.
describe('safetensors validation: hostile headers give short messages', () => {
  const check = async (header: string, dataBytes = 0) =>
    failure(readSafetensorsHeader(await folder({ 'model.safetensors': rawFile(header, dataBytes) }), 'model.safetensors'));
  const entry = (name: string, e: Record<string, unknown>) => `{${JSON.stringify(name)}: ${JSON.stringify({ dtype: 'F32', shape: [2], data_offsets: [0, 8], ...e })}}`;
  const deep = (n: number) => '['.repeat(n) + '1' + ']'.repeat(n);

  it('clips a huge tensor name, and describes huge or deeply nested shapes, offsets and dtypes instead of quoting them', async () => {
    const long = 'n'.repeat(100_000);
    const cases: [string, RegExp][] = [
      [entry(long, { shape: [-1] }), /tensor 'n{80}… \(100000 characters\)': shape \[-1\] is not a list of sizes/],
      [entry('t', { shape: new Array(20_000).fill(-1) }), /tensor 't': shape an array of 20000 items is not a list of sizes/],
      [entry('t', { data_offsets: new Array(20_000).fill(0) }), /data_offsets an array of 20000 items is not \[begin, end\]/],
      [entry('t', { dtype: 7 }), /tensor 't': dtype is 7, not a string/],
      [entry('t', { dtype: 'd'.repeat(50_000), shape: [1e300] }), /shape \[1e\+300\] is not a list of sizes/],
      // A shape whose product is not a number any file could hold (no "Infinity" in the message).
      [entry('t', { shape: new Array(30).fill(2 ** 52) }), /F32 \[4503599627370496,4503599627370496,4503599627370496,4503599627370496,…\] \(30 dimensions\) needs more bytes than any file holds/],
    ];
    for (const [header, want] of cases) {
      const msg = await check(header, 8);
      expect(msg).toMatch(want);
      expect(msg.length, msg.slice(0, 200)).toBeLessThan(400);
    }
    // Nested 100 000 deep: JSON.parse copes, the message must not JSON.stringify it (a stack overflow).
    const nested = await check(`{"t": {"dtype": "F32", "shape": ${deep(100_000)}, "data_offsets": [0, 8]}}`, 8);
    expect(nested).toMatch(/^corrupt-safetensors: .*tensor 't': shape an array of 1 item is not a list of sizes/);
    expect(await check(`{"t": {"dtype": "F32", "shape": [2], "data_offsets": ${deep(100_000)}}}`, 8)).toMatch(/data_offsets an array of 1 item/);
  });

  it('refuses an index whose weight_map is an array or empty (it is not a folder without weights)', async () => {
    for (const map of ['[]', '{}', '["model.safetensors"]']) {
      const src = await folder({ 'model.safetensors.index.json': `{"weight_map": ${map}}` });
      expect(await failure(readWeightIndex(src)), map).toMatch(/^corrupt-safetensors: .*index\.json has no weight_map/);
    }
  });

  it('clips a huge tensor name in the index', async () => {
    const shard = encodeSafetensors([{ name: 'x', shape: [2], dtype: 'F32', data: [1, 2] }]);
    const src = await folder({ 'a.safetensors': shard, 'model.safetensors.index.json': JSON.stringify({ weight_map: { x: 'a.safetensors', ['y'.repeat(50_000)]: 'a.safetensors' } }) });
    const msg = await failure(readWeightIndex(src));
    expect(msg).toMatch(/puts tensor 'y{80}… \(50000 characters\)' in a\.safetensors/);
    expect(msg.length).toBeLessThan(400);
  });
});
