// Reads safetensors files: an 8-byte little-endian u64 header length N, N bytes of JSON
// ({ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} }), then the data buffer;
// offsets are relative to the start of the data buffer (byte 8 + N). Also reads sharded folders through
// model.safetensors.index.json ({ weight_map: { tensorName: shardFile } }).
// Only headers are read here; tensor data is read in ranges by load.ts.
import { clip, describeShape, describeValue, ModelError, FOLDER_HELP } from './errors.ts';
import { jsonProblem } from '../../protocol/json-problem.ts';
import { TEXT_LIMITS, type ModelSource } from './source.ts';
import type { SourceDtype } from './types.ts';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** Element sizes of every safetensors dtype (so offsets can be checked even for dtypes we cannot load). */
export const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};
export const LOADABLE_DTYPES: readonly SourceDtype[] = ['F32', 'F16', 'BF16'];

/** Largest header we accept (real headers are well under 10 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface TensorInfo {
  name: string;
  file: string;
  /** dtype as written in the file (may be one we cannot load; see LOADABLE_DTYPES). */
  dtype: string;
  shape: number[];
  /** Absolute byte offset of the tensor's data in `file`. */
  offset: number;
  /** Byte length of the tensor's data. */
  bytes: number;
  /** Rows stored in another order (llama's q/k in GGUF): HF row r is stored row rowOrder[r]. */
  rowOrder?: Int32Array;
}

export interface SafetensorsHeader {
  file: string;
  fileBytes: number;
  /** 8 + header length: where the data buffer starts. */
  dataStart: number;
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

/** The tensors of a model folder, from model.safetensors or its shards. */
export interface WeightIndex {
  files: string[];
  tensors: Map<string, TensorInfo>;
}

const corrupt = (source: ModelSource, file: string, msg: string) =>
  new ModelError('corrupt-safetensors', `${source.name}/${file}: ${msg}. The file is damaged or incomplete; download it again.`);

export async function readSafetensorsHeader(source: ModelSource, file: string): Promise<SafetensorsHeader> {
  const fileBytes = await source.size(file);
  if (fileBytes < 8) throw corrupt(source, file, `file is ${fileBytes} bytes, too short to hold the 8-byte header length`);
  const lenBytes = await source.read(file, 0, 8);
  const lenBig = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (lenBig > BigInt(fileBytes - 8) || lenBig > BigInt(MAX_HEADER_BYTES) || lenBig < 2n) {
    // Not the length itself: those are the file's first bytes, and the file may be any file (a symlink).
    throw corrupt(source, file, `its header length (first 8 bytes) is impossible for a file of ${fileBytes} bytes; it is not a safetensors file or it is damaged`);
  }
  const headerLen = Number(lenBig);
  const dataStart = 8 + headerLen;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(await source.read(file, 8, headerLen));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw corrupt(source, file, `header is not valid JSON (${jsonProblem(text, e)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw corrupt(source, file, 'header is not a JSON object');

  const dataBytes = fileBytes - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry === 'object' && entry !== null) metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    // Names, dtypes, shapes come from the file: messages describe them (clipped, never recursing into them).
    const bad = (what: string) => corrupt(source, file, `tensor '${clip(name)}': ${what}`);
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw bad('entry is not an object');
    if (typeof e.dtype !== 'string') throw bad(e.dtype === undefined ? 'missing dtype' : `dtype is ${describeValue(e.dtype)}, not a string`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`shape ${describeValue(e.shape)} is not a list of sizes`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
      throw bad(`data_offsets ${describeValue(offs)} is not [begin, end]`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataBytes) {
      throw bad(`data ends at byte ${dataStart + end} but the file has ${fileBytes} bytes (truncated)`);
    }
    const shape = e.shape as number[];
    const elemBytes = DTYPE_BYTES[e.dtype];
    if (elemBytes !== undefined) {
      const want = shape.reduce((a, b) => a * b, 1) * elemBytes;
      if (want !== end - begin) {
        const needs = Number.isSafeInteger(want) ? `needs ${want} bytes` : 'needs more bytes than any file holds';
        throw bad(`${e.dtype} ${describeShape(shape)} ${needs} but data_offsets span ${end - begin}`);
      }
    }
    tensors.set(name, { name, file, dtype: e.dtype, shape, offset: dataStart + begin, bytes: end - begin });
  }
  // The format lays tensors end to end: two that share bytes are a corrupt or crafted file (writing one
  // would silently change the other), not a model.
  const ranges = [...tensors.values()].filter((t) => t.bytes > 0).sort((x, y) => x.offset - y.offset);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.offset < prev.offset + prev.bytes) {
      throw corrupt(source, file, `tensors '${clip(prev.name)}' and '${clip(cur.name)}' overlap (their data_offsets share bytes)`);
    }
  }
  return { file, fileBytes, dataStart, tensors, metadata };
}

/** A shard's file name: no folders, no parent links, .safetensors. */
const SHARD_NAME = /^[^/\\\0]{1,200}\.safetensors$/;

/** Finds the weights of a folder: model.safetensors, else the shards named by model.safetensors.index.json. */
export async function readWeightIndex(source: ModelSource): Promise<WeightIndex> {
  if (await source.exists(SINGLE_FILE)) {
    const h = await readSafetensorsHeader(source, SINGLE_FILE);
    return { files: [SINGLE_FILE], tensors: h.tensors };
  }
  if (!(await source.exists(INDEX_FILE))) {
    const bin = (await source.exists('pytorch_model.bin')) || (await source.exists('pytorch_model.bin.index.json'));
    throw new ModelError(
      'missing-file',
      `${source.name} has no ${SINGLE_FILE} or ${INDEX_FILE}` +
        (bin ? ' (only PyTorch .bin weights, which are not supported: convert them to safetensors or download the safetensors files)' : '') +
        `. ${FOLDER_HELP}`,
    );
  }
  let index: unknown;
  const indexText = await source.readText(INDEX_FILE, TEXT_LIMITS[INDEX_FILE]);
  try {
    index = JSON.parse(indexText);
  } catch (e) {
    throw new ModelError('corrupt-safetensors', `${source.name}/${INDEX_FILE} is not valid JSON (${jsonProblem(indexText, e)}); download it again.`);
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  // An array or an empty map names no shard: the folder would look like one without weights.
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.keys(map).length === 0 || !Object.values(map).every((f) => typeof f === 'string')) {
    throw new ModelError('corrupt-safetensors', `${source.name}/${INDEX_FILE} has no weight_map of tensor name → shard file; download it again.`);
  }
  const weightMap = map as Record<string, string>;
  const files = [...new Set(Object.values(weightMap))].sort();
  // Shards are files of this folder: a name with a path in it ('../../etc/passwd') is never opened.
  for (const file of files) {
    if (!SHARD_NAME.test(file) || file.startsWith('.')) {
      throw new ModelError(
        'corrupt-safetensors',
        `${source.name}/${INDEX_FILE} names a shard that is not a .safetensors file of this folder (${JSON.stringify(file.slice(0, 80))}); download the folder again.`,
      );
    }
  }
  const tensors = new Map<string, TensorInfo>();
  for (const file of files) {
    if (!(await source.exists(file))) {
      throw new ModelError('missing-file', `${source.name}/${file} is listed in ${INDEX_FILE} but missing; download all shards. ${FOLDER_HELP}`);
    }
    const h = await readSafetensorsHeader(source, file);
    for (const [name, info] of h.tensors) tensors.set(name, info);
  }
  for (const [name, file] of Object.entries(weightMap)) {
    if (tensors.get(name)?.file !== file) {
      throw new ModelError('corrupt-safetensors', `${source.name}/${INDEX_FILE} puts tensor '${clip(name)}' in ${file}, but that shard does not hold it; download the folder again.`);
    }
  }
  return { files, tensors };
}
