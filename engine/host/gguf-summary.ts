// What the model picker says about one GGUF file, from its header only (engine/model/gguf.ts): its
// architecture, its quantization as llama.cpp names it, its parameter count, and whether Fanout can load
// it — by the same checks the loader makes first (architecture, config, tokenizer), so "loadable" in the
// list and the loader's verdict agree. Tensor types are not checked here: the loader names a type it
// cannot load. Reading the header is bounded (bytes and time), so one huge or slow file cannot stall
// the listing. Node only.
import { basename, dirname } from 'node:path';
import { ModelError } from '../model/errors.ts';
import { dirSource } from '../model/fs-source.ts';
import { readGgufHeader, type GgufHeader } from '../model/gguf.ts';
import { ggufArchitecture } from '../model/gguf-config.ts';
import { checkTensors, ggufModelFiles } from '../model/checked-model.ts';
import { ggmlTypeName } from '../model/ggml-types.ts';
import type { ModelSource } from '../model/source.ts';
import type { LocalModel } from '../../protocol/host.ts';

export type GgufSummary = Pick<LocalModel, 'architecture' | 'quantization' | 'parameters' | 'loadable' | 'error'>;

/**
 * general.file_type → llama.cpp's name for it (enum llama_ftype in llama.h; the names are those of
 * llama-quantize and of the files people download, "…-Q4_K_M.gguf"). Missing ids (4–6, 33–35) were
 * removed from llama.cpp and never appear in current files.
 */
export const FILE_TYPES: Readonly<Record<number, string>> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
  39: 'NVFP4',
  40: 'Q1_0',
};
/** LLAMA_FTYPE_GUESSED: a flag llama.cpp ORs in when it guessed the type; the rest is the type. */
const FTYPE_GUESSED = 1024;

/**
 * The file's quantization label: general.file_type by llama.cpp's name, else the type holding the most
 * weight elements (tensors of 2 or more dimensions; norms are F32 in every file), by ggml's name.
 */
export function quantizationLabel(h: GgufHeader): string | null {
  const ft = h.metadata.get('general.file_type');
  if (typeof ft === 'number' && Number.isInteger(ft)) {
    const name = FILE_TYPES[ft & ~FTYPE_GUESSED];
    if (name) return name;
  }
  const elements = new Map<number, number>();
  for (const t of h.tensors.values()) {
    if (t.shape.length < 2) continue;
    elements.set(t.type, (elements.get(t.type) ?? 0) + t.shape.reduce((a, b) => a * b, 1));
  }
  let best: [number, number] | undefined;
  for (const e of elements) if (!best || e[1] > best[1]) best = e;
  return best ? ggmlTypeName(best[0]) : null;
}

/** Elements of every tensor in the file (the parameter count a GGUF file states implicitly). */
export function parameterCount(h: GgufHeader): number {
  let n = 0;
  for (const t of h.tensors.values()) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Why a file Fanout could read cannot be loaded, or null when it can: the loader's own checks on the
 * header (engine/model/load.ts: architecture, hyper-parameters, tokenizer, every tensor's name, shape and
 * type — a Q4_1 or IQ tensor is named here, before anyone clicks the file).
 */
export function unloadableWhy(h: GgufHeader, where: string): string | null {
  const strip = (m: string) => (m.startsWith(`${where}: `) ? m.slice(where.length + 2) : m);
  const source = { name: dirname(where), gguf: basename(where) };
  try {
    ggufArchitecture(h, where);
    const { config, index } = ggufModelFiles(h, source);
    checkTensors(source, config, index);
    return null;
  } catch (e) {
    if (e instanceof ModelError) return strip(e.message);
    throw e;
  }
}

export interface SummaryLimits {
  /** Most header bytes read (a real header is at most tens of MB: Llama 3's vocabulary is ~10 MB). */
  maxHeaderBytes: number;
  /** Most milliseconds spent reading the header. */
  timeoutMs: number;
}

/** A header read that ran past its limits: the file is listed with this as its error. */
class OverBudget extends Error {}

/** The source, refusing reads past `maxBytes` in all or after `deadline` (Date.now() ms). */
function budgeted(source: ModelSource, limits: SummaryLimits): ModelSource {
  const deadline = Date.now() + limits.timeoutMs;
  let read = 0;
  return {
    ...source,
    async read(file, offset, length) {
      if (Date.now() > deadline) throw new OverBudget(`reading its header took more than ${limits.timeoutMs / 1000} s; it was not checked`);
      read += length;
      if (read > limits.maxHeaderBytes) {
        const max = limits.maxHeaderBytes >= 1 << 20 ? `${limits.maxHeaderBytes >> 20} MiB` : `${limits.maxHeaderBytes} bytes`;
        throw new OverBudget(`its header is larger than ${max}, more than any model's; it was not checked`);
      }
      return source.read(file, offset, length);
    },
  };
}

/**
 * Describes the GGUF file at `path` (absolute). `splitParts`: the file is the first of that many parts
 * (not loadable by Fanout; its header has the metadata but only its own part's tensors). Never throws:
 * an unreadable header becomes `error` (and loadable false).
 */
export async function summarizeGguf(path: string, limits: SummaryLimits, splitParts: number | null = null): Promise<GgufSummary> {
  const file = basename(path);
  let h: GgufHeader;
  try {
    h = await readGgufHeader(budgeted(dirSource(dirname(path)), limits), file);
  } catch (e) {
    let why = e instanceof Error ? e.message : String(e);
    if (why.startsWith(`${path}: `)) why = why.slice(path.length + 2);
    const error = e instanceof OverBudget || e instanceof ModelError ? why : `it cannot be read (${why})`;
    return { architecture: null, quantization: null, parameters: null, loadable: { ok: false, why: error }, error };
  }
  const arch = h.metadata.get('general.architecture');
  const architecture = typeof arch === 'string' ? arch.slice(0, 200) : null;
  const quantization = quantizationLabel(h);
  if (splitParts !== null) {
    return {
      architecture,
      quantization,
      parameters: null,
      loadable: {
        ok: false,
        why: `it is split into ${splitParts} files, and Fanout loads single-file GGUF models only: join the parts into one file with llama.cpp's llama-gguf-split --merge.`,
      },
      error: null,
    };
  }
  const why = unloadableWhy(h, path);
  return { architecture, quantization, parameters: parameterCount(h), loadable: why === null ? { ok: true } : { ok: false, why: why.slice(0, 2000) }, error: null };
}
