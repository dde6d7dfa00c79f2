// The transformer forward pass on the GPU, as two plans built once per request:
//   PrefillPlan: batch 1, the prompt in chunks of ≤ maxRows tokens, causal attention, writes the context KV;
//   DecodePlan:  one token for each active sample per step (rows = active samples, compacted).
// A plan owns its activation buffers and one kernel object per dispatch site; encode() records a whole
// step into one command encoder. Shapes (R = rows, E = hidden, H/G heads/KV heads, D head dim, I MLP):
//   x [R, E] f32 residual stream; xn [R, E] f32 normed; qkv [R, (H+2G)·D] f32; attn [R, H·D] f32;
//   gateUp [R, 2I] f32; act [R, I] f32; logits [R', vocab] f32.
import type { GpuContext } from '../gpu/context.ts';
import { createStorage, writeBuffer } from '../gpu/buffers.ts';
import type { ModelConfig, ModelWeights } from './types.ts';
import { Embed } from '../kernels/embed.ts';
import { RmsNorm } from '../kernels/rmsnorm.ts';
import { Matmul } from '../kernels/matmul.ts';
import { Rope } from '../kernels/rope.ts';
import { SwiGlu } from '../kernels/swiglu.ts';
import { PrefillAttention } from '../attention/prefill.ts';
import { DecodeAttention } from '../attention/decode.ts';
import type { KvCache } from '../kv-cache.ts';
import { UniformRing } from '../gpu/uniform-ring.ts';
import { GpuSampler } from '../kernels/sample.ts';

/** Bytes of a plan's uniform ring: the rows uniforms of 8 sites per layer, the embedding and the heads, and the attention's. */
const ringBytes = (c: ModelConfig) => Math.ceil((16 * c.layers + 8) / 256) * 256 * 256;

/** Activation buffers for up to maxRows rows. */
class Activations {
  readonly x: GPUBuffer;
  readonly xn: GPUBuffer;
  readonly qkv: GPUBuffer;
  readonly attn: GPUBuffer;
  readonly gateUp: GPUBuffer;
  readonly act: GPUBuffer;
  /** u32 [maxRows] token ids */
  readonly tokens: GPUBuffer;
  /** u32 [maxRows] absolute positions */
  readonly positions: GPUBuffer;
  readonly all: GPUBuffer[];

  constructor(ctx: GpuContext, c: ModelConfig, maxRows: number, label: string) {
    const f = (n: number, name: string) => createStorage(ctx, maxRows * n * 4, `${label}.${name}`);
    this.x = f(c.hidden, 'x');
    this.xn = f(c.hidden, 'xn');
    this.qkv = f((c.heads + 2 * c.kvHeads) * c.headDim, 'qkv');
    this.attn = f(c.heads * c.headDim, 'attn');
    this.gateUp = f(2 * c.intermediate, 'gateUp');
    this.act = f(c.intermediate, 'act');
    this.tokens = f(1, 'tokens');
    this.positions = f(1, 'positions');
    this.all = [this.x, this.xn, this.qkv, this.attn, this.gateUp, this.act, this.tokens, this.positions];
  }

  static bytes(c: ModelConfig, maxRows: number): number {
    return maxRows * 4 * (2 * c.hidden + (c.heads + 2 * c.kvHeads) * c.headDim + c.heads * c.headDim + 3 * c.intermediate + 2);
  }

  destroy() {
    for (const b of this.all) b.destroy();
  }
}

/** The per-layer dispatch sites shared by both plans, up to the attention and after it. */
interface LayerSites {
  norm1: RmsNorm;
  qkv: Matmul;
  rope: Rope;
  o: Matmul;
  norm2: RmsNorm;
  gateUp: Matmul;
  swiglu: SwiGlu;
  down: Matmul;
}

function layerSites(ctx: GpuContext, c: ModelConfig, w: ModelWeights, a: Activations, maxRows: number, l: number, ring: UniformRing): LayerSites {
  const L = w.layers[l];
  return {
    norm1: new RmsNorm(ctx, { x: a.x, weight: L.inputNorm, y: a.xn, dim: c.hidden, maxRows, eps: c.rmsEps, ring }),
    qkv: new Matmul(ctx, { linear: L.qkv, x: a.xn, y: a.qkv, maxRows, label: `L${l}.qkv`, ring }),
    rope: new Rope(ctx, { qkv: a.qkv, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, maxRows, theta: c.ropeTheta, positions: a.positions, ring }),
    o: new Matmul(ctx, { linear: L.o, x: a.attn, y: a.x, maxRows, accumulate: true, label: `L${l}.o`, ring }),
    norm2: new RmsNorm(ctx, { x: a.x, weight: L.postNorm, y: a.xn, dim: c.hidden, maxRows, eps: c.rmsEps, ring }),
    gateUp: new Matmul(ctx, { linear: L.gateUp, x: a.xn, y: a.gateUp, maxRows, label: `L${l}.gateUp`, ring }),
    swiglu: new SwiGlu(ctx, { gateUp: a.gateUp, out: a.act, intermediate: c.intermediate, maxRows, ring }),
    down: new Matmul(ctx, { linear: L.down, x: a.act, y: a.x, maxRows, accumulate: true, label: `L${l}.down`, ring }),
  };
}

/** Optional GPU timing of the attention dispatches: one timestamp pair per layer. */
export interface AttentionTimer {
  querySet: GPUQuerySet;
  /** index of the first of 2·layers queries this step uses */
  base: number;
}

/**
 * Records one layer stack: before-attention sites, the attention (its own pass when timed), after-attention sites.
 * `attend(pass)` encodes the attention of layer l.
 */
function encodeLayers(
  encoder: GPUCommandEncoder,
  sites: LayerSites[],
  rows: number,
  attend: (pass: GPUComputePassEncoder, l: number) => void,
  timer: AttentionTimer | undefined,
  head: (pass: GPUComputePassEncoder) => void,
  tail: (pass: GPUComputePassEncoder) => void,
) {
  let pass = encoder.beginComputePass();
  head(pass);
  for (let l = 0; l < sites.length; l++) {
    const s = sites[l];
    s.norm1.encode(pass, rows);
    s.qkv.encode(pass, rows);
    s.rope.encode(pass, rows);
    if (timer) {
      pass.end();
      pass = encoder.beginComputePass({
        timestampWrites: { querySet: timer.querySet, beginningOfPassWriteIndex: timer.base + 2 * l, endOfPassWriteIndex: timer.base + 2 * l + 1 },
      });
      attend(pass, l);
      pass.end();
      pass = encoder.beginComputePass();
    } else {
      attend(pass, l);
    }
    s.o.encode(pass, rows);
    s.norm2.encode(pass, rows);
    s.gateUp.encode(pass, rows);
    s.swiglu.encode(pass, rows);
    s.down.encode(pass, rows);
  }
  tail(pass);
  pass.end();
}

/** Final norm + LM head over `rows` rows of `x` into logits [rows, vocab] f32. */
class Head {
  readonly logits: GPUBuffer;
  readonly xn: GPUBuffer;
  private norm: RmsNorm;
  private lm: Matmul;
  constructor(ctx: GpuContext, c: ModelConfig, w: ModelWeights, x: GPUBuffer, maxRows: number, label: string, ring: UniformRing) {
    this.xn = createStorage(ctx, maxRows * c.hidden * 4, `${label}.headXn`);
    this.logits = createStorage(ctx, maxRows * c.vocabSize * 4, `${label}.logits`);
    this.norm = new RmsNorm(ctx, { x, weight: w.finalNorm, y: this.xn, dim: c.hidden, maxRows, eps: c.rmsEps, ring });
    this.lm = new Matmul(ctx, { linear: w.lmHead, x: this.xn, y: this.logits, maxRows, label: `${label}.lmHead`, ring });
  }
  encode(pass: GPUComputePassEncoder, rows: number) {
    this.norm.encode(pass, rows);
    this.lm.encode(pass, rows);
  }
  destroy() {
    this.logits.destroy();
    this.xn.destroy();
  }
}

/** Prefill of the prompt (batch 1) in chunks of ≤ maxRows tokens into the context KV. */
export class PrefillPlan {
  readonly maxRows: number;
  private a: Activations;
  private embed: Embed;
  private sites: LayerSites[];
  private attn: PrefillAttention[];
  /** logits of every row of a chunk (scoring) */
  private allHead?: Head;
  /** logits of one row: the last prompt position (sampling) */
  private lastX: GPUBuffer;
  private lastHead: Head;
  /** every site's `rows` uniform, uploaded once per chunk */
  private ring: UniformRing;

  constructor(private ctx: GpuContext, private c: ModelConfig, w: ModelWeights, cache: KvCache, maxRows: number, opts: { allLogits?: boolean } = {}) {
    this.maxRows = maxRows;
    this.a = new Activations(ctx, c, maxRows, 'prefill');
    this.ring = new UniformRing(ctx, 'prefill.uniforms');
    this.embed = new Embed(ctx, { table: w.embed, tokens: this.a.tokens, out: this.a.x, maxRows, ring: this.ring });
    this.sites = w.layers.map((_, l) => layerSites(ctx, c, w, this.a, maxRows, l, this.ring));
    this.attn = w.layers.map((_, l) => new PrefillAttention(ctx, { cache, layer: l, qkv: this.a.qkv, out: this.a.attn, heads: c.heads, maxRows, ring: this.ring }));
    if (opts.allLogits) this.allHead = new Head(ctx, c, w, this.a.x, maxRows, 'prefillAll', this.ring);
    this.lastX = createStorage(ctx, c.hidden * 4, 'prefill.lastX');
    this.lastHead = new Head(ctx, c, w, this.lastX, 1, 'prefillLast', this.ring);
  }

  static activationBytes(c: ModelConfig, maxRows: number, allLogits: boolean): number {
    return Activations.bytes(c, maxRows) + c.hidden * 8 + c.vocabSize * 4 + (allLogits ? maxRows * (c.hidden + c.vocabSize) * 4 : 0) + ringBytes(c);
  }

  /**
   * Records the chunk ids at positions [posStart, posStart + ids.length).
   * last: also compute the logits of the chunk's last row (→ lastLogits). all: logits of every row (→ allLogits).
   */
  encodeChunk(encoder: GPUCommandEncoder, ids: ArrayLike<number>, posStart: number, opts: { last?: boolean; all?: boolean } = {}) {
    const rows = ids.length;
    if (rows < 1 || rows > this.maxRows) throw new RangeError(`prefill chunk of ${rows} rows (max ${this.maxRows})`);
    writeBuffer(this.ctx, this.a.tokens, 0, Uint32Array.from(ids));
    const pos = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) pos[i] = posStart + i;
    writeBuffer(this.ctx, this.a.positions, 0, pos);
    encodeLayers(
      encoder,
      this.sites,
      rows,
      (pass, l) => this.attn[l].encode(pass, rows, posStart),
      undefined,
      (pass) => this.embed.encode(pass, rows),
      (pass) => {
        if (opts.all) {
          if (!this.allHead) throw new Error('PrefillPlan built without allLogits');
          this.allHead.encode(pass, rows);
        }
      },
    );
    if (opts.last) {
      encoder.copyBufferToBuffer(this.a.x, (rows - 1) * this.c.hidden * 4, this.lastX, 0, this.c.hidden * 4);
      const pass = encoder.beginComputePass();
      this.lastHead.encode(pass, 1);
      pass.end();
    }
    this.ring.flush();
  }

  /** [1, vocab] f32 after a chunk encoded with last. */
  get lastLogits(): GPUBuffer {
    return this.lastHead.logits;
  }
  /** [rows, vocab] f32 after a chunk encoded with all. */
  get allLogits(): GPUBuffer {
    if (!this.allHead) throw new Error('PrefillPlan built without allLogits');
    return this.allHead.logits;
  }

  destroy() {
    this.a.destroy();
    this.allHead?.destroy();
    this.lastHead.destroy();
    this.lastX.destroy();
    this.ring.destroy();
  }
}

/**
 * A decode step's input tokens left on the GPU by the sampler: row r reads u32 `from[r]` of `buffer`
 * (the sampler's rows of the previous step; rows of finished samples are skipped).
 */
export interface GpuTokens {
  buffer: GPUBuffer;
  from: readonly number[];
}

/** One decode step for up to maxRows active samples. */
export class DecodePlan {
  readonly maxRows: number;
  private a: Activations;
  /** u32 [maxRows]: the sample each row belongs to */
  private rowSample: GPUBuffer;
  private embed: Embed;
  private sites: LayerSites[];
  private attn: DecodeAttention[];
  private head: Head;
  /** every site's `rows` uniform, uploaded once per step */
  private ring: UniformRing;

  constructor(private ctx: GpuContext, c: ModelConfig, w: ModelWeights, cache: KvCache, maxRows: number) {
    this.maxRows = maxRows;
    this.a = new Activations(ctx, c, maxRows, 'decode');
    this.rowSample = createStorage(ctx, maxRows * 4, 'decode.rowSample');
    this.ring = new UniformRing(ctx, 'decode.uniforms');
    this.embed = new Embed(ctx, { table: w.embed, tokens: this.a.tokens, out: this.a.x, maxRows, ring: this.ring });
    this.sites = w.layers.map((_, l) => layerSites(ctx, c, w, this.a, maxRows, l, this.ring));
    this.attn = w.layers.map(
      (_, l) => new DecodeAttention(ctx, { cache, layer: l, qkv: this.a.qkv, out: this.a.attn, heads: c.heads, maxRows, rowSample: this.rowSample, ring: this.ring }),
    );
    this.head = new Head(ctx, c, w, this.a.x, maxRows, 'decode', this.ring);
  }

  static activationBytes(c: ModelConfig, maxRows: number): number {
    return Activations.bytes(c, maxRows) + maxRows * 4 + maxRows * (c.hidden + c.vocabSize) * 4 + ringBytes(c) + GpuSampler.bytes(maxRows, c.vocabSize);
  }

  /**
   * Records one step: row r feeds token tokens[r] of sample rowSample[r] at position ctxLen + step,
   * writes its KV at decode slot `step`, and produces logits [rows, vocab]. Tokens given as GpuTokens are
   * copied on the GPU (runs of consecutive rows in one copy each), so the step needs no round trip.
   */
  encodeStep(encoder: GPUCommandEncoder, tokens: ArrayLike<number> | GpuTokens, rowSample: ArrayLike<number>, ctxLen: number, step: number, timer?: AttentionTimer) {
    const onGpu = 'buffer' in tokens;
    const rows = onGpu ? tokens.from.length : tokens.length;
    if (rows < 1 || rows > this.maxRows || rowSample.length !== rows) throw new RangeError(`decode step with ${rows} rows (max ${this.maxRows})`);
    if (!onGpu) writeBuffer(this.ctx, this.a.tokens, 0, Uint32Array.from(tokens));
    else {
      const from = tokens.from;
      for (let r = 0; r < rows; ) {
        let run = 1;
        while (r + run < rows && from[r + run] === from[r] + run) run++;
        encoder.copyBufferToBuffer(tokens.buffer, from[r] * 4, this.a.tokens, r * 4, run * 4);
        r += run;
      }
    }
    writeBuffer(this.ctx, this.a.positions, 0, new Uint32Array(rows).fill(ctxLen + step));
    writeBuffer(this.ctx, this.rowSample, 0, Uint32Array.from(rowSample));
    encodeLayers(
      encoder,
      this.sites,
      rows,
      (pass, l) => this.attn[l].encode(pass, rows, ctxLen, step),
      timer,
      (pass) => this.embed.encode(pass, rows),
      (pass) => this.head.encode(pass, rows),
    );
    this.ring.flush();
  }

  /** [rows, vocab] f32 after encodeStep */
  get logits(): GPUBuffer {
    return this.head.logits;
  }

  destroy() {
    this.a.destroy();
    this.rowSample.destroy();
    this.head.destroy();
    this.ring.destroy();
  }
}
