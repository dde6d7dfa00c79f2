// tokenizer.json's `normalizer`, applied to text between added tokens before pre-tokenization.
// Byte-level BPE models use none (GPT-2, Llama 3, StarCoder) or Unicode NFC (Qwen2), so the supported
// set is the Unicode normal forms, Lowercase and Sequence.

import { SUPPORTED_HELP } from './errors.ts';
import { arrayField, badField, objectAt, typeTag } from './json-fields.ts';

export type Normalizer = (text: string) => string;

/** Returns the normalizer described by `config`, or undefined when there is none (null/missing). */
export function createNormalizer(config: unknown, path = 'normalizer'): Normalizer | undefined {
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
      const parts = arrayField(obj, 'normalizers', path)
        .map((sub, k) => createNormalizer(sub, `${path}.normalizers[${k}]`))
        .filter((n): n is Normalizer => n !== undefined);
      if (parts.length === 0) return undefined;
      return (text) => parts.reduce((t, n) => n(t), text);
    }
    default:
      throw badField(
        `${path}.type`,
        `is ${JSON.stringify(type)}; supported normalizers: NFC, NFD, NFKC, NFKD, Lowercase, Sequence. ${SUPPORTED_HELP}`,
      );
  }
}
