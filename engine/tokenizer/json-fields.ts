// Typed reads of tokenizer.json fields. Each reader takes the JSON path of the field so that errors say
// exactly which field is wrong, e.g. "tokenizer.json: model.vocab must be an object …".

import { TokenizerError } from './errors.ts';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
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
