// What a request needs on the GPU, computed before anything is allocated, so that a request that
// does not fit gets a clear error instead of a device loss or a crash.
import type { ModelConfig } from './model/types.ts';
import type { AttentionMode } from '../protocol/engine.ts';
import { KvCache, type KvLayout } from './kv-cache.ts';
import { PrefillPlan, DecodePlan } from './model/forward.ts';

export class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError';
  constructor(
    message: string,
    readonly bytesNeeded: number,
    readonly bytesAvailable: number,
  ) {
    super(message);
  }
}

export interface RequestShape {
  samples: number;
  contextTokens: number;
  maxNew: number;
  mode: AttentionMode;
  prefillRows: number;
  allLogits?: boolean;
}

export function kvLayout(c: ModelConfig, s: RequestShape, chunkBytes?: number): KvLayout {
  return {
    layers: c.layers,
    kvHeads: c.kvHeads,
    headDim: c.headDim,
    contextCapacity: s.contextTokens,
    samples: s.samples,
    maxNew: s.maxNew,
    mode: s.mode,
    chunkBytes,
  };
}

/** Bytes a request allocates beyond the weights: KV cache + activations of both plans. */
export function requestBytes(c: ModelConfig, s: RequestShape, f16: boolean): number {
  return (
    KvCache.bytesNeeded(kvLayout(c, s), f16) +
    PrefillPlan.activationBytes(c, s.prefillRows, !!s.allLogits) +
    DecodePlan.activationBytes(c, s.samples)
  );
}

export const GiB = 1024 ** 3;
export const fmtBytes = (b: number) => (b >= GiB ? `${(b / GiB).toFixed(2)} GiB` : `${(b / 1024 ** 2).toFixed(1)} MiB`);

/** Throws RequestTooLargeError naming what to reduce when `need` exceeds `available`. */
export function checkFits(need: number, available: number, s: RequestShape) {
  if (need <= available) return;
  throw new RequestTooLargeError(
    `request needs ${fmtBytes(need)} of GPU memory for n=${s.samples}, ${s.contextTokens} context tokens, ${s.maxNew} new tokens ` +
      `(${s.mode} attention) but ${fmtBytes(available)} is available: lower n, max tokens or the prompt length` +
      (s.mode === 'standard' ? ', or use bifurcated attention (the context KV is then stored once)' : ''),
    need,
    available,
  );
}
