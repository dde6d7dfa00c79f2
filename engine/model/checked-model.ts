// What a model is, read from its files and checked before any weight is read: a Hugging Face folder
// (config.json, tokenizer.json, safetensors headers) or one GGUF file (its header, described in the same
// terms by gguf-config.ts and gguf-tokenizer.ts), with every tensor the config needs checked for presence,
// shape and a dtype Fanout reads. Loading (load.ts), export (gguf-export.ts) and the model list
// (engine/host/gguf-summary.ts) start from it. No GPU code here: the Electron main process uses it.
import { parseConfig } from './config.ts';
import { clip, clipMiddle, describeName, describeShape, FOLDER_HELP, ModelError } from './errors.ts';
import { jsonProblem } from '../../protocol/json-problem.ts';
import { readGgufHeader, type GgufHeader } from './gguf.ts';
import { ggufTensorName, ggufWeightIndex, parseGgufConfig } from './gguf-config.ts';
import { ggufTokenizerJson } from './gguf-tokenizer.ts';
import { expectedTensorCount, expectedTensors, IGNORED_TENSOR } from './params.ts';
import { LOADABLE_DTYPES, readWeightIndex, type TensorInfo, type WeightIndex } from './safetensors.ts';
import { TEXT_LIMITS, type ModelSource } from './source.ts';
import type { ModelConfig, SourceDtype } from './types.ts';
import type { WeightFormat } from '../formats/format.ts';
import { formatByName, quantizedNames } from '../formats/registry.ts';

/** How a tensor's bytes are read: dense elements (converted) or quantized blocks of a registered format. */
export type Encoding = { kind: 'dense'; dtype: SourceDtype } | { kind: 'blocks'; format: WeightFormat };

export interface Loadable extends TensorInfo {
  encoding: Encoding;
}

/** A model's files read and checked against each other: what loading and export start from. */
export interface CheckedModel {
  config: ModelConfig;
  /** tokenizer.json, parsed (from the folder, or made from GGUF metadata) */
  tokenizerJson: unknown;
  /** every tensor the config needs, by HF name, with how its bytes are encoded */
  tensors: Map<string, Loadable>;
  /** a name for the model the file states, where its file name is none (an Ollama blob, sha256-…) */
  displayName?: string;
}

/**
 * Reads a model's description (config, tokenizer, tensor index; no weight data) and checks that they
 * belong together: the layer count, every tensor present with the shape the config implies and a dtype
 * Fanout reads, and no tensor left over.
 */
export async function readCheckedModel(source: ModelSource): Promise<CheckedModel> {
  const { config, tokenizerJson, index, displayName } = await readModelFiles(source);
  return { config, tokenizerJson, tensors: checkTensors(source, config, index), displayName };
}

/**
 * The checks of readCheckedModel on a description already read: the layer count, every tensor present
 * with the shape the config implies and a dtype Fanout reads, and no tensor left over. Returns the
 * tensors by HF name. `source` names the model in messages (`gguf`: quantized types are accepted).
 */
export function checkTensors(source: Pick<ModelSource, 'name' | 'gguf'>, config: ModelConfig, index: WeightIndex): Map<string, Loadable> {
  // Messages speak the source's terms: config.json and HF tensor names for a folder; for a GGUF file,
  // the file, its metadata keys and its own tensor names.
  const gguf = !!source.gguf;
  const arch = config.architecture === 'LlamaForCausalLM' ? 'llama' : 'qwen2';
  const file = gguf ? clipMiddle(`${source.name}/${source.gguf}`) : source.name;
  const tn = (hf: string) => describeName(gguf ? (ggufTensorName(hf) ?? hf) : hf);
  const reconvert = 'the file is damaged or was converted wrongly: download it again or convert the model again with llama.cpp';

  // Layers first: the config's layer count must be the checkpoint's (1e7 layers, or 5 on a 6-layer
  // checkpoint, fail here), read off the tensor names before anything per layer is built.
  const stored = [...index.tensors.keys()].filter((n) => !IGNORED_TENSOR.test(n));
  // A loop, not Math.max(...): a header may list hundreds of thousands of tensors (past the argument limit).
  let maxLayer = -1;
  for (const n of stored) {
    const digits = /^model\.layers\.(\d+)\./.exec(n)?.[1];
    if (digits !== undefined) maxLayer = Math.max(maxLayer, digits.length > 15 ? Number.MAX_SAFE_INTEGER - 1 : Number(digits));
  }
  const storedLayers = maxLayer + 1;
  if (storedLayers !== config.layers) {
    const held = storedLayers >= Number.MAX_SAFE_INTEGER ? 'a tensor of a layer past any real model (an absurd layer index)' : `${storedLayers} layers`;
    throw new ModelError(
      'bad-config',
      gguf
        ? `${file}: ${arch}.block_count is ${config.layers} but the file holds ${held}; ${reconvert}.`
        : `${source.name}: config.json says num_hidden_layers is ${config.layers} but the weights hold ${held}; ` +
            'config.json does not belong to these weights. Re-download the folder or fix num_hidden_layers in config.json.',
    );
  }
  // Every tensor present, loadable and the shape config.json implies.
  const tensors = new Map<string, Loadable>();
  for (const spec of expectedTensors(config)) {
    const info = index.tensors.get(spec.name);
    if (!info) {
      if (gguf) throw new ModelError('missing-tensor', `${file}: the file has no tensor ${tn(spec.name)}, which a ${arch} model needs; ${reconvert}.`);
      const hint = spec.name === 'lm_head.weight' ? ' (config.json says tie_word_embeddings is false, so the output projection must be stored)' : '';
      throw new ModelError('missing-tensor', `${source.name}: weights have no tensor '${spec.name}'${hint}; the checkpoint does not match config.json (${config.architecture}).`);
    }
    if (info.shape.join() !== spec.shape.join()) {
      throw new ModelError(
        'bad-shape',
        gguf
          ? `${file}: tensor ${tn(spec.name)} has shape ${describeShape(info.shape)} but the file's ${arch}.* metadata implies ${describeShape(spec.shape)}; ${reconvert}.`
          : `${source.name}/${info.file}: tensor '${spec.name}' has shape ${describeShape(info.shape)} but config.json implies ${describeShape(spec.shape)}; the weights do not match config.json.`,
      );
    }
    const encoding = encodingOf(info.dtype, !!source.gguf);
    if (!encoding) {
      const hint = source.gguf
        ? `use a GGUF file in one of those (e.g. Q4_K_M, Q5_K_M, Q6_K, Q8_0 or F16)`
        : 'use the unquantized model or its GGUF file';
      throw new ModelError(
        'unsupported-dtype',
        `${gguf ? file : `${source.name}/${info.file}`}: tensor ${tn(spec.name)} is ${clip(info.dtype, 20)}; Fanout loads ${LOADABLE_DTYPES.join(', ')} weights` +
          `${source.gguf ? ` and the quantized ${quantizedNames()}` : ''}; ${hint}.`,
      );
    }
    if (encoding.kind === 'blocks') {
      const f = encoding.format;
      const cols = info.shape[info.shape.length - 1]!;
      const rows = info.shape.length === 1 ? 1 : info.shape[0]!;
      if (cols % f.blockSize !== 0 || info.bytes !== (rows * cols * f.blockBytes) / f.blockSize) {
        throw new ModelError('corrupt-gguf', `${file}: tensor ${tn(spec.name)} (${f.ggmlName}, shape ${describeShape(info.shape)}) holds ${info.bytes} bytes, not whole ${f.blockSize}-weight blocks of its rows; the file is damaged: download it again.`);
      }
    }
    tensors.set(spec.name, { ...info, encoding });
  }

  // Nothing left over either: a tensor the config does not explain means the two do not belong together.
  if (stored.length !== expectedTensorCount(config)) {
    const unused = stored.find((n) => !tensors.has(n)) ?? '';
    throw new ModelError(
      'bad-config',
      gguf
        ? `${file}: the file holds tensor ${tn(unused)}, which a ${arch} model of ${config.layers} layers does not use; Fanout cannot tell what it is for. Use a file converted by llama.cpp's convert_hf_to_gguf.py.`
        : `${source.name}: the weights hold tensor ${describeName(unused)}, which config.json (${config.architecture}, ${config.layers} layers) does not use; ` +
            'config.json does not belong to these weights (check tie_word_embeddings and the architecture) or the checkpoint has extra parts.',
    );
  }

  return tensors;
}

/**
 * What the model is, from its files: a Hugging Face folder (config.json, tokenizer.json, safetensors
 * headers) or one GGUF file (its header: metadata and tensor infos, described in the same terms by
 * gguf-config.ts and gguf-tokenizer.ts). Nothing but headers and JSON is read here.
 */
export async function readModelFiles(source: ModelSource): Promise<{ config: ModelConfig; tokenizerJson: unknown; index: WeightIndex; displayName?: string }> {
  if (source.gguf) return ggufModelFiles(await readGgufHeader(source, source.gguf), source);
  for (const file of ['config.json', 'tokenizer.json']) {
    if (!(await source.exists(file))) throw new ModelError('missing-file', `${source.name} has no ${file}. ${FOLDER_HELP}`);
  }
  const config = parseConfig(parseJson(await source.readText('config.json', TEXT_LIMITS['config.json']), 'config.json'));
  const tokenizerJson = parseJson(await source.readText('tokenizer.json', TEXT_LIMITS['tokenizer.json']), 'tokenizer.json');
  return { config, tokenizerJson, index: await readWeightIndex(source) };
}

/** Content-addressed file names (Ollama's blobs/sha256-<hex>) say nothing about the model. */
const CONTENT_ADDRESSED = /^sha256[-:][0-9a-f]{64}$/i;

/**
 * A GGUF file's header described as a model folder would be (gguf-config.ts, gguf-tokenizer.ts); for a
 * content-addressed file, its general.name (clipped) as the name to show.
 */
export function ggufModelFiles(header: GgufHeader, source: Pick<ModelSource, 'name' | 'gguf'>) {
  const file = source.gguf!;
  const where = `${source.name}/${file}`;
  const config = parseGgufConfig(header, where);
  const general = header.metadata.get('general.name');
  const displayName = CONTENT_ADDRESSED.test(file) ? (typeof general === 'string' && general.trim() ? clip(general.trim(), 60) : `GGUF ${file.slice(7, 19)}`) : undefined;
  return { config, tokenizerJson: ggufTokenizerJson(header, where), index: ggufWeightIndex(header, file, config), displayName };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelError('bad-config', `${file} is not valid JSON (${jsonProblem(text, e)}); download it again.`);
  }
}

/**
 * How a tensor's bytes can be read, or undefined: F32/F16/BF16 elements, or (GGUF files only: their
 * reader has checked every tensor's byte size against its type) quantized blocks of a registered format.
 */
function encodingOf(dtype: string, gguf: boolean): Encoding | undefined {
  if ((LOADABLE_DTYPES as readonly string[]).includes(dtype)) return { kind: 'dense', dtype: dtype as SourceDtype };
  const f = gguf ? formatByName(dtype) : undefined;
  return f?.wgsl ? { kind: 'blocks', format: f } : undefined;
}
