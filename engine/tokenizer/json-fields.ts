// Typed reads of tokenizer.json fields. Each reader takes the JSON path of the field so that errors say
// exactly which field is wrong, e.g. "tokenizer.json: model.vocab must be an object …".

import { TokenizerError } from './errors.ts';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Largest vocabulary a tokenizer.json may describe (config.json's vocab_size has the same bound). */
export const MAX_TOKEN_ID = 1 << 21;

/**
 * Sequences (of normalizers, of pre-tokenizers) nest at most this deep and list at most MAX_SEQUENCE
 * steps: real tokenizers nest one or two and list a handful. Deeper nesting would overflow the stack
 * while building them; thousands of steps would run on every piece of every prompt.
 */
export const MAX_NESTING = 8;
export const MAX_SEQUENCE = 256;

/** `s` JSON-quoted for a message, cut to `max` characters: a token or a type from the file can be megabytes long. */
export function quote(s: string, max = 40): string {
  return s.length <= max ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, max))}… (${s.length} characters)`;
}

/** A value from the file for a message: short primitives as JSON, anything else by kind (never recursing into it). */
export function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : `a string of ${v.length} characters`;
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number too large for JSON';
  return JSON.stringify(v);
}

export function badField(path: string, problem: string): TokenizerError {
  return new TokenizerError(`tokenizer.json: ${path} ${problem}`);
}

export function objectAt(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw badField(path, `must be an object, but is ${describe(v)}.`);
  return v;
}

export function stringField(obj: JsonObject, key: string, path: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw badField(`${path}.${key}`, `must be a string, but is ${describe(v)}.`);
  return v;
}

/** A string field that may be missing or null. */
export function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badField(`${path}.${key}`, `must be a string or null, but is ${describe(v)}.`);
  return v;
}

/** A boolean field; `fallback` when missing or null (HF's serde default for that field). */
export function boolField(obj: JsonObject, key: string, path: string, fallback: boolean): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw badField(`${path}.${key}`, `must be true or false, but is ${describe(v)}.`);
  return v;
}

export function integerField(obj: JsonObject, key: string, path: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw badField(`${path}.${key}`, `must be a non-negative integer, but is ${describe(v)}.`);
  }
  return v;
}

export function arrayField(obj: JsonObject, key: string, path: string): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw badField(`${path}.${key}`, `must be an array, but is ${describe(v)}.`);
  return v;
}

/** The `type` tag of a tagged object (normalizer, pre-tokenizer, decoder, model). */
export function typeTag(obj: JsonObject, path: string): string {
  return stringField(obj, 'type', path);
}
