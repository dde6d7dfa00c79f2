// Per-dispatch uniforms (a kernel's row count) without a queue.writeBuffer per dispatch.
//
// A plan (engine/model/forward.ts) owns one UniformRing: a uniform buffer cut into slots of the device's
// dynamic-offset alignment (256 bytes on most devices), one per dispatch site. While a step is recorded,
// each site stores its words in the next slot (`take`, CPU-side) and binds the ring with that slot as a
// dynamic offset; `flush` uploads every used slot in one write before the submit. The write is ordered
// on the queue after earlier submits, so a step encoded while the previous one runs does not disturb it.
//
// A kernel built without a ring (its own tests, the bench's single kernels) gets a DispatchUniform with
// a one-slot buffer of its own, written at each encode: the same bind group shape, one code path.
import type { GpuContext } from './context.ts';
import { Usage, writeBuffer } from './buffers.ts';

/** Bytes a dispatch uniform holds: four u32 words (WGSL's uniform struct granularity is 16 bytes). */
export const DISPATCH_UNIFORM_BYTES = 16;

export class UniformRing {
  readonly buffer: GPUBuffer;
  readonly slotBytes: number;
  private readonly mirror: Uint8Array;
  private reserved = 0;
  private used = 0;

  constructor(
    private readonly ctx: GpuContext,
    readonly slots: number,
    label = 'uniforms',
  ) {
    this.slotBytes = Math.max(DISPATCH_UNIFORM_BYTES, ctx.device.limits.minUniformBufferOffsetAlignment);
    this.mirror = new Uint8Array(slots * this.slotBytes);
    this.buffer = ctx.device.createBuffer({ label, size: this.mirror.byteLength, usage: Usage.UNIFORM | Usage.COPY_DST });
  }

  /** One more site will take a slot per step. */
  reserve(): void {
    if (++this.reserved > this.slots) throw new RangeError(`UniformRing: more dispatch sites than its ${this.slots} slots; size the ring for the plan's sites`);
  }

  /** Stores `words` in the next slot; returns the slot's byte offset (the dynamic offset to bind). */
  take(words: Uint32Array): number {
    if (this.used >= this.slots) throw new RangeError(`UniformRing: ${this.slots} slots used before a flush; flush once per recorded step`);
    if (words.byteLength > DISPATCH_UNIFORM_BYTES) throw new RangeError(`UniformRing: ${words.byteLength} bytes for a ${DISPATCH_UNIFORM_BYTES}-byte uniform`);
    const off = this.used++ * this.slotBytes;
    this.mirror.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), off);
    return off;
  }

  /** Uploads the slots taken since the last flush (one write) and starts over. */
  flush(): void {
    if (this.used === 0) return;
    writeBuffer(this.ctx, this.buffer, 0, this.mirror.subarray(0, (this.used - 1) * this.slotBytes + DISPATCH_UNIFORM_BYTES));
    this.used = 0;
  }

  destroy(): void {
    this.buffer.destroy();
  }
}

/** One dispatch site's uniform: a slot of a ring, or (without one) a buffer of its own written at each encode. */
export class DispatchUniform {
  private readonly own?: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    private readonly ring: UniformRing | undefined,
    label: string,
  ) {
    if (ring) ring.reserve();
    else this.own = ctx.device.createBuffer({ label, size: DISPATCH_UNIFORM_BYTES, usage: Usage.UNIFORM | Usage.COPY_DST });
  }

  /** The bind-group entry (the pipeline binds it with a dynamic offset). */
  get binding(): GPUBufferBinding {
    return { buffer: this.ring?.buffer ?? this.own!, offset: 0, size: DISPATCH_UNIFORM_BYTES };
  }

  /** Stores `words` for the dispatch being recorded; returns the dynamic offset to bind it at. */
  put(words: Uint32Array): number {
    if (this.ring) return this.ring.take(words);
    writeBuffer(this.ctx, this.own!, 0, words);
    return 0;
  }

  destroy(): void {
    this.own?.destroy();
  }
}
