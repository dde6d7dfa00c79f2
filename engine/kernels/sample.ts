// The GPU sampler's host side (kernel: shaders/sample.wgsl; float64 reference: sample.ref.ts).
// One dispatch draws a token for each of `rows` output rows: row r reads logits row rows[r].logitsRow,
// draws with the counter of (seed, rows[r].sample, step) under rows[r].mask, and writes (token, log p).
// Per step only rows × 8 bytes come back (through two persistent staging buffers used in turn, so the
// next step's read can be queued while this one's is awaited), not rows × vocab f32.
//
// Buffers: info [maxRows] vec4<u32>; masks [distinct masks, ceil(vocab/32)] u32 bit sets, grown on demand
// (masks are only used for the first tokens: token healing, minTokens); out: tokens [maxRows] u32, then
// log p [maxRows] f32 (`tokens` is its first part: the next decode step's input, copied on the GPU).
import type { GpuContext } from '../gpu/context.ts';
import { createStorage, writeBuffer, Usage } from '../gpu/buffers.ts';
import { bindGroup, computePipeline } from '../gpu/pipeline.ts';
import { Readback } from '../gpu/readback.ts';
import { checkParams, NonFiniteLogitsError, type SamplingParams } from '../sampler.ts';
import { seedKey } from '../rng.ts';
import src from '../../shaders/sample.wgsl';

const WG = 256;
const NO_MASK = 0xffffffff;
const BAD = 0xffffffff;

export interface SampleRow {
  /** which row of the logits buffer this output row draws from */
  logitsRow: number;
  /** the sample index (RNG counter) */
  sample: number;
  /** allowed[i] = 0 excludes token i; the same array object for rows that share a mask */
  mask?: Uint8Array;
}

export interface Drawn {
  tokens: Uint32Array;
  logprobs: Float32Array;
}

export class GpuSampler {
  private readonly pipeline: GPUComputePipeline;
  private readonly info: GPUBuffer;
  private readonly out: GPUBuffer;
  private readonly params: GPUBuffer;
  private masks: GPUBuffer;
  private readonly words: number;
  private readonly packed = new WeakMap<Uint8Array, Uint32Array>();
  private readonly groups = new Map<GPUBuffer, GPUBindGroup>();
  private readonly readbacks: [Readback, Readback];
  private turn = 0;
  private readonly paramData = new ArrayBuffer(48);

  constructor(
    private readonly ctx: GpuContext,
    readonly maxRows: number,
    readonly vocab: number,
  ) {
    if (!(maxRows >= 1 && maxRows <= 65535)) throw new RangeError(`GpuSampler: maxRows ${maxRows} outside [1, 65535]`);
    this.words = Math.ceil(vocab / 32);
    this.pipeline = computePipeline(ctx, 'sample', src, { WG });
    this.info = createStorage(ctx, maxRows * 16, 'sample.info');
    this.out = createStorage(ctx, maxRows * 8, 'sample.out');
    this.masks = createStorage(ctx, this.words * 4, 'sample.masks');
    this.params = ctx.device.createBuffer({ label: 'sample.params', size: 48, usage: Usage.UNIFORM | Usage.COPY_DST });
    this.readbacks = [new Readback(ctx, 'sample.out0'), new Readback(ctx, 'sample.out1')];
  }

  /** The buffer whose first maxRows u32 are the tokens the rows drew in the last dispatch (GPU side). */
  get tokens(): GPUBuffer {
    return this.out;
  }

  /** Bytes of GPU memory for `maxRows` rows and up to `masks` distinct masks of a `vocab` model. */
  static bytes(maxRows: number, vocab: number, masks = 2): number {
    return maxRows * 24 + masks * Math.ceil(vocab / 32) * 4 + 32 + Math.max(256, maxRows * 8);
  }

  /** Records the draw of every row (one submit may hold one sampler dispatch: the uniforms are written now). */
  encode(enc: GPUCommandEncoder, logits: GPUBuffer, rows: readonly SampleRow[], p: SamplingParams, seed: number, step: number): void {
    checkParams(p);
    const n = rows.length;
    if (n < 1 || n > this.maxRows) throw new RangeError(`GpuSampler: ${n} rows (max ${this.maxRows})`);
    const maskIndex = new Map<Uint8Array, number>();
    const info = new Uint32Array(n * 4);
    for (let r = 0; r < n; r++) {
      const { logitsRow, sample, mask } = rows[r];
      if ((logitsRow + 1) * this.vocab * 4 > logits.size) throw new RangeError(`GpuSampler: logits row ${logitsRow} is outside a buffer of ${logits.size} bytes`);
      if (mask && mask.length !== this.vocab) throw new RangeError(`GpuSampler: a mask of ${mask.length} entries for a vocabulary of ${this.vocab}`);
      let mi = NO_MASK;
      if (mask) {
        mi = maskIndex.get(mask) ?? maskIndex.size;
        maskIndex.set(mask, mi);
      }
      info.set([logitsRow, sample >>> 0, mi, 0], r * 4);
    }
    if (maskIndex.size > 0) {
      const need = maskIndex.size * this.words * 4;
      if (this.masks.size < need) {
        this.masks.destroy();
        this.masks = createStorage(this.ctx, need, 'sample.masks');
        this.groups.clear();
      }
      const all = new Uint32Array(maskIndex.size * this.words);
      for (const [mask, mi] of maskIndex) all.set(this.pack(mask), mi * this.words);
      writeBuffer(this.ctx, this.masks, 0, all);
    }
    writeBuffer(this.ctx, this.info, 0, info);
    const [lo, hi] = seedKey(seed);
    const u = new Uint32Array(this.paramData);
    const f = new Float32Array(this.paramData);
    u.set([this.vocab, p.topK, this.words, step >>> 0, lo, hi]);
    f[6] = p.temperature === 0 ? 0 : 1 / p.temperature;
    f[7] = p.topP;
    u[8] = this.maxRows;
    writeBuffer(this.ctx, this.params, 0, u);
    let group = this.groups.get(logits);
    if (!group) {
      group = bindGroup(this.ctx, this.pipeline, [logits, this.info, this.masks, this.out, this.params], 'sample');
      this.groups.set(logits, group);
    }
    const pass = enc.beginComputePass({ label: 'sample' });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(n);
    pass.end();
  }

  /**
   * The first `n` rows of the last submitted dispatch: the copy to a staging buffer is queued now (call it
   * after the submit that holds the dispatch and before the next one's), the promise settles when it lands.
   * At most two reads may be pending.
   */
  startRead(n: number): Promise<Drawn> {
    if (!(n >= 1 && n <= this.maxRows)) throw new RangeError(`GpuSampler.startRead: ${n} rows (max ${this.maxRows})`);
    const rb = this.readbacks[this.turn];
    this.turn ^= 1;
    return rb.read(this.out, 0, this.maxRows * 8).then((bytes) => this.unpack(bytes, n));
  }

  private unpack(bytes: ArrayBuffer, n: number): Drawn {
    const tokens = new Uint32Array(bytes, 0, n).slice();
    const logprobs = new Float32Array(bytes, this.maxRows * 4, n).slice();
    for (let r = 0; r < n; r++) {
      if (tokens[r] === BAD || tokens[r] >= this.vocab) {
        throw new NonFiniteLogitsError(
          'sampler: the logits row contains NaN or infinite values (a numerical failure in the forward pass); check the model weights and dtype, or rerun with f32 weights.',
        );
      }
    }
    return { tokens, logprobs };
  }

  private pack(mask: Uint8Array): Uint32Array {
    let bits = this.packed.get(mask);
    if (!bits) {
      bits = new Uint32Array(this.words);
      for (let i = 0; i < mask.length; i++) if (mask[i]) bits[i >>> 5] |= 1 << (i & 31);
      this.packed.set(mask, bits);
    }
    return bits;
  }

  destroy(): void {
    this.info.destroy();
    this.out.destroy();
    this.masks.destroy();
    this.params.destroy();
    for (const rb of this.readbacks) rb.destroy();
    this.groups.clear();
  }
}
