// Writes a Hugging Face model folder as a GGUF v3 file that llama.cpp, Ollama and LM Studio read
// (`fanout export-gguf`), laid out as llama.cpp's convert_hf_to_gguf.py does: `<arch>.*` hyper-parameters,
// tokenizer.ggml.* (byte-level BPE, pre-tokenizer by llama.cpp's name), GGUF tensor names, llama's q/k rows
// permuted for interleaved RoPE pairs (gguf-config.ts undoes it on load), norms and biases in F32 and the
// matrices in the chosen weight format: f32, f16, or a quantized one by the format's simple quantizer
// (engine/formats; valid, not llama.cpp's error-minimising search). A matrix whose rows are not whole
// blocks of the format is written F16, as llama.cpp falls back to another type for such rows.
// Tensors stream through in row slices of a few MB; only a permuted q/k projection is held whole.
import { convertElements, sourceElemBytes } from './convert.ts';
import { ModelError } from './errors.ts';
import { ggufTensorName, unpermuteRows } from './gguf-config.ts';
import { tokenizerToGguf } from './gguf-tokenizer.ts';
import { encodeGgufHeader, type GgufMetaValue, type GgufTensorEntry } from './gguf-write.ts';
import { GGUF_DEFAULT_ALIGNMENT } from './gguf.ts';
import { readCheckedModel, type Loadable } from './checked-model.ts';
import { expectedTensors } from './params.ts';
import type { ModelSource } from './source.ts';
import type { ModelConfig } from './types.ts';
import type { FormatName, WeightFormat } from '../formats/format.ts';
import { FORMATS } from '../formats/registry.ts';

export interface ExportOptions {
  /** format of the weight matrices (default f16) */
  type?: FormatName;
  /** general.name (default: the folder's name) */
  name?: string;
  /** receives the file's bytes in order */
  write: (bytes: Uint8Array) => Promise<void>;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ExportResult {
  bytes: number;
  tensors: number;
  /** matrices written F16 because their rows are not whole blocks of the chosen format */
  keptF16: string[];
}

/** llama.cpp's general.file_type (enum llama_ftype) for a file whose matrices are all in one format. */
const FILE_TYPE: Record<FormatName, number> = { f32: 0, f16: 1, bf16: 32, q4_0: 2, q8_0: 7, q4_k: 14, q5_k: 16, q6_k: 18 };

/** Source rows read per slice. */
const SLICE_BYTES = 4 << 20;

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

interface Planned {
  hf: string;
  info: Loadable;
  format: WeightFormat;
  entry: GgufTensorEntry;
  bytes: number;
  /** llama q/k rows (weights and biases): file row order[r] holds HF row r */
  order?: Int32Array;
}

export async function exportGguf(source: ModelSource, opts: ExportOptions): Promise<ExportResult> {
  if (source.gguf) throw new ModelError('bad-config', `${source.name}/${source.gguf} is already a GGUF file; export-gguf reads a Hugging Face model folder.`);
  const { config: c, tokenizerJson, tensors } = await readCheckedModel(source);
  const where = source.name;
  const arch = c.architecture === 'LlamaForCausalLM' ? 'llama' : 'qwen2';
  const target = FORMATS[opts.type ?? 'f16'];
  const tok = tokenizerToGguf(tokenizerJson, c.vocabSize, `${where}/tokenizer.json`);

  const planned: Planned[] = [];
  const keptF16: string[] = [];
  let offset = 0;
  for (const spec of expectedTensors(c)) {
    const info = tensors.get(spec.name)!;
    if (info.encoding.kind !== 'dense') throw new Error(`internal: ${spec.name} of a folder is not dense`);
    const cols = spec.shape[spec.shape.length - 1]!;
    let format = spec.kind === 'vector' ? FORMATS.f32 : target;
    if (cols % format.blockSize !== 0) {
      keptF16.push(spec.name);
      format = FORMATS.f16;
    }
    const elems = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = (elems / format.blockSize) * format.blockBytes;
    const qk = arch === 'llama' ? /self_attn\.(q|k)_proj\.(weight|bias)$/.exec(spec.name) : null;
    const order = qk ? unpermuteRows(spec.shape[0]!, qk[1] === 'q' ? c.heads : c.kvHeads) : undefined;
    const entry = { name: ggufTensorName(spec.name)!, ne: [...spec.shape].reverse(), type: format.ggmlType, offset };
    planned.push({ hf: spec.name, info, format, entry, bytes, order });
    offset = alignUp(offset + bytes, GGUF_DEFAULT_ALIGNMENT);
  }

  const header = encodeGgufHeader(metadata(c, arch, opts.name ?? (where.split(/[\\/]/).filter(Boolean).pop() || 'model'), target, tok), planned.map((p) => p.entry));
  await opts.write(header);
  const total = header.length + offset;
  let done = header.length;
  for (const p of planned) {
    const written = await writeTensor(source, p, opts.write);
    const pad = alignUp(written, GGUF_DEFAULT_ALIGNMENT) - written;
    if (pad) await opts.write(new Uint8Array(pad));
    done += written + pad;
    opts.onProgress?.(done, total);
  }
  return { bytes: total, tensors: planned.length, keptF16 };
}

function metadata(c: ModelConfig, arch: string, name: string, target: WeightFormat, tok: ReturnType<typeof tokenizerToGguf>): [string, GgufMetaValue][] {
  const u32 = (value: number): GgufMetaValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufMetaValue => ({ type: 'f32', value });
  const m: [string, GgufMetaValue][] = [
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', u32(FILE_TYPE[target.name])],
    ...(target.wgsl ? ([['general.quantization_version', u32(2)]] as [string, GgufMetaValue][]) : []),
    [`${arch}.vocab_size`, u32(c.vocabSize)],
    [`${arch}.context_length`, u32(c.maxPositions)],
    [`${arch}.embedding_length`, u32(c.hidden)],
    [`${arch}.feed_forward_length`, u32(c.intermediate)],
    [`${arch}.block_count`, u32(c.layers)],
    [`${arch}.attention.head_count`, u32(c.heads)],
    [`${arch}.attention.head_count_kv`, u32(c.kvHeads)],
    [`${arch}.attention.key_length`, u32(c.headDim)],
    [`${arch}.attention.value_length`, u32(c.headDim)],
    [`${arch}.rope.freq_base`, f32(c.ropeTheta)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(c.rmsEps)],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: tok.pre }],
    ['tokenizer.ggml.tokens', { type: 'array', of: 'string', value: tok.tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', of: 'i32', value: tok.types }],
    ['tokenizer.ggml.merges', { type: 'array', of: 'string', value: tok.merges }],
    // Fanout never puts a BOS token in front of a prompt; llama.cpp must not either.
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
  ];
  if (c.bosTokenId !== undefined) m.push(['tokenizer.ggml.bos_token_id', u32(c.bosTokenId)]);
  if (c.eosTokenIds[0] !== undefined) m.push(['tokenizer.ggml.eos_token_id', u32(c.eosTokenIds[0])]);
  // Fill-in-the-middle tokens by spelling, for llama.cpp's infill (llama-server /infill).
  const id = (s: string) => tok.tokens.indexOf(s);
  for (const [key, spellings] of [
    ['fim_pre', ['<|fim_prefix|>', '<fim_prefix>']],
    ['fim_suf', ['<|fim_suffix|>', '<fim_suffix>']],
    ['fim_mid', ['<|fim_middle|>', '<fim_middle>']],
  ] as const) {
    const found = spellings.map(id).find((i) => i >= 0);
    if (found !== undefined) m.push([`tokenizer.ggml.${key}_token_id`, u32(found)]);
  }
  return m;
}

/** Streams one tensor: source rows → f32 → (llama q/k: file row order) → the tensor's format. Returns bytes written. */
async function writeTensor(source: ModelSource, p: Planned, write: (b: Uint8Array) => Promise<void>): Promise<number> {
  const { info, format } = p;
  const dtype = info.encoding.kind === 'dense' ? info.encoding.dtype : 'F32';
  const eb = sourceElemBytes(dtype);
  const rows = info.shape.length === 1 ? info.shape[0]! : info.shape[0]!;
  const cols = info.shape.length === 1 ? 1 : info.shape[1]!;
  const read = async (r0: number, n: number) => {
    const values = new Float32Array(n * cols);
    convertElements(dtype, await source.read(info.file, info.offset + r0 * cols * eb, n * cols * eb), 0, values, 0, n * cols);
    return values;
  };
  if (p.order) {
    // Permuted rows: the whole (attention-sized) tensor, rows moved to their file positions. A bias is
    // one row of `rows` values in HF order, permuted the same way element by element.
    const hf = await read(0, rows);
    const out = new Float32Array(hf.length);
    for (let r = 0; r < rows; r++) out.set(hf.subarray(r * cols, (r + 1) * cols), p.order[r]! * cols);
    const bytes = format.quantize(out);
    await write(bytes);
    return bytes.length;
  }
  const sliceRows = Math.max(1, Math.floor(SLICE_BYTES / (cols * eb)));
  let n = 0;
  for (let r0 = 0; r0 < rows; r0 += sliceRows) {
    const k = Math.min(sliceRows, rows - r0);
    const bytes = format.quantize(await read(r0, k));
    await write(bytes);
    n += bytes.length;
  }
  return n;
}
