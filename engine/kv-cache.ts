// The KV cache of one generation: per layer, the shared context K/V (prefill target) and the per-sample
// K/V (bifurcated: each sample's decoded tokens; standard: each sample's full copy of context + decoded).
//
// Every store is a sequence store: `samples` sequences of `seqLen` tokens, each token [G, D] in KT, laid out
// [samples, seqLen, G, D] and cut into buffers of ≤ chunkBytes (WebGPU binding limit):
//   - several whole samples per buffer (a sample never straddles buffers), or, when one sample alone is
//     bigger than chunkBytes, each sample cut by tokens into chunks of `tokensPerSeg` tokens.
// The context store is a sequence store with samples = 1, seqLen = contextCapacity (cut by tokens).
// K and V are cut identically, so one segment list describes both.
import type { AttentionMode } from '../protocol/engine.ts';
import type { GpuContext } from './gpu/context.ts';
import { alignTo, createStorage } from './gpu/buffers.ts';

export interface KvLayout {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Context tokens the cache can hold (prompt length). */
  contextCapacity: number;
  samples: number;
  /** Decoded tokens per sample. */
  maxNew: number;
  mode: AttentionMode;
  /** Largest buffer of the cache in bytes (default ctx.maxBinding). */
  chunkBytes?: number;
}

/** One buffer of a sequence store: samples [sampleStart, +samples) × tokens [tokenStart, +tokens), laid out [samples, tokens, G, D]. */
export interface KvSegment {
  sampleStart: number;
  samples: number;
  tokenStart: number;
  tokens: number;
  k: GPUBuffer;
  v: GPUBuffer;
}

/** Geometry of a sequence store (no buffers): how it is cut into segments. */
export interface SeqGeometry {
  samples: number;
  seqLen: number;
  segs: { sampleStart: number; samples: number; tokenStart: number; tokens: number }[];
}

export interface KvSeqStore extends SeqGeometry {
  segs: KvSegment[];
}

export interface KvLayer {
  /** Shared context K/V: 1 sample × contextCapacity tokens. Prefill writes here. */
  context: KvSeqStore;
  /** Bifurcated: samples × maxNew decoded tokens. Standard: samples × (contextCapacity + maxNew). */
  perSample: KvSeqStore;
}

const bufBytes = (bytes: number) => Math.max(16, alignTo(bytes, 16)); // what createStorage allocates

/** How a store of `samples` × `seqLen` tokens of `tokenBytes` is cut into buffers of ≤ chunkBytes. */
export function seqGeometry(samples: number, seqLen: number, tokenBytes: number, chunkBytes: number): SeqGeometry {
  const segs: SeqGeometry['segs'] = [];
  if (samples > 0 && seqLen > 0) {
    const perSample = seqLen * tokenBytes;
    if (perSample <= chunkBytes) {
      const per = Math.max(1, Math.floor(chunkBytes / perSample));
      for (let s = 0; s < samples; s += per) segs.push({ sampleStart: s, samples: Math.min(per, samples - s), tokenStart: 0, tokens: seqLen });
    } else {
      const tps = Math.floor(chunkBytes / tokenBytes);
      if (tps < 1) throw new RangeError(`KV cache: one token (${tokenBytes} bytes) exceeds chunkBytes ${chunkBytes}`);
      for (let s = 0; s < samples; s++)
        for (let t = 0; t < seqLen; t += tps) segs.push({ sampleStart: s, samples: 1, tokenStart: t, tokens: Math.min(tps, seqLen - t) });
    }
  }
  return { samples, seqLen, segs };
}

function layerGeometry(layout: KvLayout, f16: boolean, chunkBytes: number) {
  const tokenBytes = layout.kvHeads * layout.headDim * (f16 ? 2 : 4);
  const context = seqGeometry(1, layout.contextCapacity, tokenBytes, chunkBytes);
  const perLen = layout.mode === 'standard' ? layout.contextCapacity + layout.maxNew : layout.maxNew;
  const perSample = seqGeometry(layout.samples, perLen, tokenBytes, chunkBytes);
  return { tokenBytes, context, perSample };
}

export class KvCache {
  readonly layout: KvLayout;
  readonly f16: boolean;
  /** Bytes of one token of K (or V) of one layer: G·D·sizeof(KT). */
  readonly tokenBytes: number;
  readonly chunkBytes: number;
  readonly layers: KvLayer[] = [];
  /** Bytes allocated (equals KvCache.bytesNeeded). */
  readonly bytes: number;
  private readonly ctx: GpuContext;

  constructor(ctx: GpuContext, layout: KvLayout) {
    this.ctx = ctx;
    this.layout = { ...layout };
    this.f16 = ctx.f16;
    if (layout.headDim % 4 !== 0) throw new RangeError(`KV cache: headDim ${layout.headDim} must be a multiple of 4`);
    this.chunkBytes = Math.min(layout.chunkBytes ?? ctx.maxBinding, ctx.maxBinding);
    const geo = layerGeometry(layout, this.f16, this.chunkBytes);
    this.tokenBytes = geo.tokenBytes;
    let bytes = 0;
    const make = (g: SeqGeometry, label: string): KvSeqStore => {
      const segs = g.segs.map((s, i) => {
        const size = s.samples * s.tokens * this.tokenBytes;
        bytes += 2 * bufBytes(size);
        return { ...s, k: createStorage(ctx, size, `${label}.k${i}`), v: createStorage(ctx, size, `${label}.v${i}`) };
      });
      return { samples: g.samples, seqLen: g.seqLen, segs };
    };
    try {
      for (let l = 0; l < layout.layers; l++) {
        this.layers.push({ context: make(geo.context, `kv${l}.ctx`), perSample: make(geo.perSample, `kv${l}.${layout.mode === 'standard' ? 'std' : 'dec'}`) });
      }
    } catch (e) {
      this.destroy();
      throw e;
    }
    this.bytes = bytes;
  }

  /** Exact bytes this layout allocates on the GPU (K and V, all layers, with the 16-byte rounding of buffers). */
  static bytesNeeded(layout: KvLayout, f16: boolean, maxBinding = 128 * 1024 * 1024): number {
    const geo = layerGeometry(layout, f16, Math.min(layout.chunkBytes ?? maxBinding, maxBinding));
    let per = 0;
    for (const g of [geo.context, geo.perSample]) for (const s of g.segs) per += 2 * bufBytes(s.samples * s.tokens * geo.tokenBytes);
    return per * layout.layers;
  }

  /**
   * Bytes of K and V that attention reads in one decode step over all layers, with `rows` active samples,
   * context ctxLen and step+1 decoded tokens per sample. Bifurcated: the context once plus each row's
   * decoded tokens; standard: each row's full copy.
   */
  static kvBytesReadPerStep(layout: KvLayout, f16: boolean, rows: number, ctxLen: number, step: number): number {
    const tokenBytes = layout.kvHeads * layout.headDim * (f16 ? 2 : 4);
    const tokens = layout.mode === 'standard' ? rows * (ctxLen + step + 1) : ctxLen + rows * (step + 1);
    return 2 * tokens * tokenBytes * layout.layers;
  }

  /**
   * Copies K/V tokens [0, tokens) of every layer from `from` (per layer, a context store of another cache
   * of this device and model: a kept prefix, engine/prefix-cache.ts) into this cache's context store.
   */
  encodeCopyContext(encoder: GPUCommandEncoder, from: readonly KvSeqStore[], tokens: number): void {
    if (tokens > this.layout.contextCapacity) throw new RangeError(`copy context: ${tokens} tokens > contextCapacity ${this.layout.contextCapacity}`);
    if (from.length !== this.layers.length) throw new RangeError(`copy context: ${from.length} layers, this cache has ${this.layers.length}`);
    const tb = this.tokenBytes;
    this.layers.forEach((layer, l) => {
      for (const src of from[l]!.segs) {
        for (const dst of layer.context.segs) {
          const t0 = Math.max(src.tokenStart, dst.tokenStart);
          const t1 = Math.min(src.tokenStart + src.tokens, dst.tokenStart + dst.tokens, tokens);
          if (t1 <= t0) continue;
          const srcOff = (t0 - src.tokenStart) * tb;
          const dstOff = (t0 - dst.tokenStart) * tb;
          encoder.copyBufferToBuffer(src.k, srcOff, dst.k, dstOff, (t1 - t0) * tb);
          encoder.copyBufferToBuffer(src.v, srcOff, dst.v, dstOff, (t1 - t0) * tb);
        }
      }
    });
  }

  /**
   * Hands over every layer's context store (to keep as a prefix, engine/prefix-cache.ts): this cache no
   * longer owns or destroys them.
   */
  detachContext(): KvSeqStore[] {
    const stores = this.layers.map((l) => l.context);
    for (const l of this.layers) l.context = { samples: 1, seqLen: 0, segs: [] };
    return stores;
  }

  /** Standard mode: copies context tokens [0, ctxLen) of every layer into every sample's own copy. No-op in bifurcated mode. */
  encodeBroadcastContext(encoder: GPUCommandEncoder, ctxLen: number): void {
    if (this.layout.mode !== 'standard' || ctxLen <= 0) return;
    if (ctxLen > this.layout.contextCapacity) throw new RangeError(`broadcast: ctxLen ${ctxLen} > contextCapacity ${this.layout.contextCapacity}`);
    const tb = this.tokenBytes;
    for (const layer of this.layers) {
      for (const src of layer.context.segs) {
        const a0 = src.tokenStart;
        const a1 = Math.min(src.tokenStart + src.tokens, ctxLen);
        if (a1 <= a0) continue;
        for (const dst of layer.perSample.segs) {
          const t0 = Math.max(a0, dst.tokenStart);
          const t1 = Math.min(a1, dst.tokenStart + dst.tokens);
          if (t1 <= t0) continue;
          for (let s = dst.sampleStart; s < dst.sampleStart + dst.samples; s++) {
            const srcOff = (t0 - src.tokenStart) * tb;
            const dstOff = ((s - dst.sampleStart) * dst.tokens + (t0 - dst.tokenStart)) * tb;
            encoder.copyBufferToBuffer(src.k, srcOff, dst.k, dstOff, (t1 - t0) * tb);
            encoder.copyBufferToBuffer(src.v, srcOff, dst.v, dstOff, (t1 - t0) * tb);
          }
        }
      }
    }
  }

  /**
   * For synthetic benchmarks: fills context K/V [0, ctxLen) of every layer with uniform random values in
   * [-scale, scale) (KT), by queue writes of one reused random block.
   */
  fillRandom(ctxLen: number, seed = 1, scale = 1): void {
    const block = 1 << 20; // bytes
    const data = new Uint8Array(block);
    let a = seed >>> 0;
    const rnd = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    if (this.f16) {
      // f16 bits of values in [-scale, scale): random sign/mantissa with exponents kept in a safe range.
      const u16 = new Uint16Array(data.buffer);
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (let i = 0; i < u16.length; i++) {
        f[0] = (rnd() * 2 - 1) * scale;
        const x = u[0];
        const e = ((x >>> 23) & 0xff) - 127 + 15;
        u16[i] = e <= 0 ? (x >>> 16) & 0x8000 : ((x >>> 16) & 0x8000) | (e << 10) | ((x >>> 13) & 0x3ff);
      }
    } else {
      const f = new Float32Array(data.buffer);
      for (let i = 0; i < f.length; i++) f[i] = (rnd() * 2 - 1) * scale;
    }
    const q = this.ctx.device.queue;
    for (const layer of this.layers) {
      for (const seg of layer.context.segs) {
        const bytes = Math.max(0, Math.min(ctxLen - seg.tokenStart, seg.tokens)) * this.tokenBytes;
        for (const buf of [seg.k, seg.v]) {
          for (let off = 0; off < bytes; off += block) {
            const n = Math.min(block, bytes - off);
            // rotate the block start per write so consecutive blocks differ
            const rot = ((off / block) * 4096) % (block - n + 1 || 1);
            q.writeBuffer(buf, off, data, rot & ~3, n);
          }
        }
      }
    }
  }

  destroy(): void {
    for (const l of this.layers) for (const st of [l.context, l.perSample]) for (const s of st.segs) {
      s.k.destroy();
      s.v.destroy();
    }
    this.layers.length = 0;
  }
}
