// ggml's tensor types as GGUF files name them (enum ggml_type): id, name, and the block layout — how
// many elements one block holds and how many bytes it takes. A tensor row of `n` elements takes
// n / blockSize * typeSize bytes (n must be a multiple of blockSize). Written from ggml's type table
// (ggml.c type_traits); the block layouts of the formats Fanout loads are spelled out where their
// dequantization lives. Types not listed here are still named in errors by their id.
//
// This is the one table of weight formats read from GGUF files: what the reader needs to check a
// tensor's byte size. `loadable` marks the formats the engine can load.

export interface GgmlType {
  id: number;
  name: string;
  /** Elements per block (1 for plain types). */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
}

const T = (id: number, name: string, blockSize: number, typeSize: number): GgmlType => ({ id, name, blockSize, typeSize });

/** QK_K: the super-block size of the k-quants. */
export const QK_K = 256;

export const GGML_TYPES: readonly GgmlType[] = [
  T(0, 'F32', 1, 4),
  T(1, 'F16', 1, 2),
  T(2, 'Q4_0', 32, 2 + 16), // d: f16, qs: 32 × 4 bits
  T(3, 'Q4_1', 32, 2 + 2 + 16),
  T(6, 'Q5_0', 32, 2 + 4 + 16),
  T(7, 'Q5_1', 32, 2 + 2 + 4 + 16),
  T(8, 'Q8_0', 32, 2 + 32), // d: f16, qs: 32 × i8
  T(9, 'Q8_1', 32, 4 + 32),
  T(10, 'Q2_K', QK_K, QK_K / 16 + QK_K / 4 + 2 + 2),
  T(11, 'Q3_K', QK_K, QK_K / 8 + QK_K / 4 + 12 + 2),
  T(12, 'Q4_K', QK_K, 2 + 2 + 12 + QK_K / 2), // d, dmin: f16; scales: 12 bytes (8 × 6-bit scale + min); qs: 4 bits
  T(13, 'Q5_K', QK_K, 2 + 2 + 12 + QK_K / 8 + QK_K / 2), // as Q4_K plus qh: the 5th bit of each element
  T(14, 'Q6_K', QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + 2), // ql: low 4 bits, qh: high 2 bits, scales: 16 × i8, d: f16
  T(15, 'Q8_K', QK_K, 4 + QK_K + (QK_K / 16) * 2),
  T(16, 'IQ2_XXS', QK_K, 2 + QK_K / 4),
  T(17, 'IQ2_XS', QK_K, 2 + QK_K / 4 + QK_K / 32),
  T(18, 'IQ3_XXS', QK_K, 2 + (3 * QK_K) / 8),
  T(19, 'IQ1_S', QK_K, 2 + QK_K / 8 + QK_K / 16),
  T(20, 'IQ4_NL', 32, 2 + 16),
  T(21, 'IQ3_S', QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4),
  T(22, 'IQ2_S', QK_K, 2 + QK_K / 4 + QK_K / 16),
  T(23, 'IQ4_XS', QK_K, 2 + 2 + QK_K / 64 + QK_K / 2),
  T(24, 'I8', 1, 1),
  T(25, 'I16', 1, 2),
  T(26, 'I32', 1, 4),
  T(27, 'I64', 1, 8),
  T(28, 'F64', 1, 8),
  T(29, 'IQ1_M', QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32),
  T(30, 'BF16', 1, 2),
  T(34, 'TQ1_0', QK_K, 2 + 4 * 13),
  T(35, 'TQ2_0', QK_K, 2 + 64),
  T(39, 'MXFP4', 32, 1 + 16),
];

const BY_ID = new Map(GGML_TYPES.map((t) => [t.id, t]));

/** The type with this id, or undefined for an id this table does not know. */
export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** A type for messages: its name, or "type <id>" when unknown. */
export function ggmlTypeName(id: number): string {
  return BY_ID.get(id)?.name ?? `type ${id}`;
}
