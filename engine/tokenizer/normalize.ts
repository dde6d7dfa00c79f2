// tokenizer.json's `normalizer`, applied to text between added tokens before pre-tokenization.
// Byte-level BPE models use none (GPT-2, Llama 3, StarCoder) or Unicode NFC (Qwen2), so the supported
// set is the Unicode normal forms, Lowercase and Sequence.

import { SUPPORTED_HELP } from './errors.ts';
import { arrayField, badField, MAX_NESTING, MAX_SEQUENCE, objectAt, quote, typeTag } from './json-fields.ts';

export type Normalizer = (text: string) => string;

/** Returns the normalizer described by `config`, or undefined when there is none (null/missing). */
export function createNormalizer(config: unknown, path = 'normalizer', depth = 0): Normalizer | undefined {
  if (config === null || config === undefined) return undefined;
  const obj = objectAt(config, path);
  const type = typeTag(obj, path);
  switch (type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (text) => text.normalize(type);
    case 'Lowercase':
      return (text) => text.toLowerCase();
    case 'Sequence': {
      const list = arrayField(obj, 'normalizers', path);
      if (depth >= MAX_NESTING) throw badField(path, `nests Sequences more than ${MAX_NESTING} deep; no tokenizer needs that. Use the tokenizer.json that came with the model.`);
      if (list.length > MAX_SEQUENCE) throw badField(`${path}.normalizers`, `lists ${list.length} normalizers; at most ${MAX_SEQUENCE} are supported.`);
      const parts = list
        .map((sub, k) => createNormalizer(sub, `${path}.normalizers[${k}]`, depth + 1))
        .filter((n): n is Normalizer => n !== undefined);
      if (parts.length === 0) return undefined;
      return (text) => parts.reduce((t, n) => n(t), text);
    }
    default:
      throw badField(
        `${path}.type`,
        `is ${quote(type)}; supported normalizers: NFC, NFD, NFKC, NFKD, Lowercase, Sequence. ${SUPPORTED_HELP}`,
      );
  }
}
