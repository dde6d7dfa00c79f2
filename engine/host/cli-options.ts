// Option-value parsers for commander: each checks one flag's value and throws InvalidArgumentError
// with the allowed range, which commander turns into "option '--n <count>' argument '0' is invalid. …".
import { InvalidArgumentError } from 'commander';

const INT = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** An integer in [lo, hi]. */
export function intIn(lo: number, hi: number): (v: string) => number {
  return (v) => {
    const n = Number(v.trim());
    if (!INT.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`Expected an integer from ${lo} to ${hi}.`);
    if (n < lo || n > hi) throw new InvalidArgumentError(`Expected an integer from ${lo} to ${hi}.`);
    return n;
  };
}

/** Any safe integer (seeds). */
export function anyInt(v: string): number {
  const n = Number(v.trim());
  if (!INT.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected an integer.');
  return n;
}

/** A decimal number with `ok(n)`; `range` describes the allowed values for the message. */
export function numberWhere(ok: (n: number) => boolean, range: string): (v: string) => number {
  return (v) => {
    const n = Number(v.trim());
    if (!NUMBER.test(v.trim()) || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`Expected a number ${range}.`);
    return n;
  };
}

/** A comma-separated list of integers in [lo, hi], e.g. "1,4,8". */
export function intList(lo: number, hi: number): (v: string) => number[] {
  const one = intIn(lo, hi);
  return (v) => {
    const parts = v.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new InvalidArgumentError(`Expected comma-separated integers from ${lo} to ${hi}, e.g. 1,4,8.`);
    try {
      return parts.map(one);
    } catch {
      throw new InvalidArgumentError(`Expected comma-separated integers from ${lo} to ${hi}, e.g. 1,4,8.`);
    }
  };
}

/** --temperature: 0..10 (0 = greedy). */
export const parseTemperature = numberWhere((t) => t >= 0 && t <= 10, 'from 0 to 10');
/** --top-p: nucleus mass in (0, 1] (1 = off). */
export const parseTopP = numberWhere((p) => p > 0 && p <= 1, 'greater than 0 and at most 1');

/** A port number, 0..65535 (0 = any free port). */
export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 = any free port).');
  return n;
}
