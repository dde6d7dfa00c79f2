// Per-dispatch uniforms (a kernel's row count) without a queue.writeBuffer per dispatch.
//
// A plan (engine/model/forward.ts) owns one UniformRing: uniform buffers ("pages") cut into slots of the
// device's dynamic-offset alignment (256 bytes on most devices), one per dispatch site (a site records at
// most one dispatch per step; a site reserves its slot's page when it is built, so the ring needs no size
// up front). While a step is recorded, each site stores its words in its page's next slot (`take`,
// CPU-side) and binds the page with that slot as a dynamic offset; `flush` uploads the used slots, one
// write per page, before the submit. The write is ordered on the queue after earlier submits, so a step
// encoded while the previous one runs does not disturb it.
//
// A kernel built without a ring (its own tests, the bench's single kernels) gets a DispatchUniform with
// a one-slot buffer of its own, written at each encode: the same bind group shape, one code path.
import type { GpuContext } from './context.ts';
import { Usage, writeBuffer } from './buffers.ts';

/** Bytes a dispatch uniform holds: four u32 words (WGSL's uniform struct granularity is 16 bytes). */
export const DISPATCH_UNIFORM_BYTES = 16;

interface Page {
  buffer: GPUBuffer;
  mirror: Uint8Array;
  reserved: number;
  used: number;
}

export class UniformRing {
  readonly slotBytes: number;
  private readonly pages: Page[] = [];

  constructor(
    private readonly ctx: GpuContext,
    readonly label = 'uniforms',
    /** slots per page: a page is one buffer; more sites than that open another */
    readonly pageSlots = 256,
  ) {
    this.slotBytes = Math.max(DISPATCH_UNIFORM_BYTES, ctx.device.limits.minUniformBufferOffsetAlignment);
  }

  /** One more site takes one slot per step: the page it takes it from. */
  reserve(): number {
    let page = this.pages.length - 1;
    if (page < 0 || this.pages[page].reserved === this.pageSlots) {
      const mirror = new Uint8Array(this.pageSlots * this.slotBytes);
      this.pages.push({ buffer: this.ctx.device.createBuffer({ label: `${this.label}.${this.pages.length}`, size: mirror.byteLength, usage: Usage.UNIFORM | Usage.COPY_DST }), mirror, reserved: 0, used: 0 });
      page++;
    }
    this.pages[page].reserved++;
    return page;
  }

  buffer(page: number): GPUBuffer {
    return this.pages[page].buffer;
  }

  /** Stores `words` in the page's next slot; returns the slot's byte offset (the dynamic offset to bind). */
  take(page: number, words: ArrayBufferView): number {
    const pg = this.pages[page];
    if (pg.used >= pg.reserved) throw new RangeError(`UniformRing ${this.label}: more dispatches than reserved sites before a flush; a site records at most one dispatch per step`);
    if (words.byteLength > this.slotBytes) throw new RangeError(`UniformRing: ${words.byteLength} bytes for a ${this.slotBytes}-byte slot`);
    const off = pg.used++ * this.slotBytes;
    pg.mirror.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), off);
    return off;
  }

  /** Uploads the slots taken since the last flush (one write per page in use) and starts over. */
  flush(): void {
    for (const pg of this.pages) {
      if (pg.used === 0) continue;
      writeBuffer(this.ctx, pg.buffer, 0, pg.mirror.subarray(0, pg.used * this.slotBytes));
      pg.used = 0;
    }
  }

  /** GPU bytes it holds. */
  get bytes(): number {
    return this.pages.length * this.pageSlots * this.slotBytes;
  }

  destroy(): void {
    for (const pg of this.pages) pg.buffer.destroy();
  }
}

/** One dispatch site's uniform: a slot of a ring, or (without one) a buffer of its own written at each encode. */
export class DispatchUniform {
  private readonly own?: GPUBuffer;
  private readonly page: number;

  constructor(
    private readonly ctx: GpuContext,
    private readonly ring: UniformRing | undefined,
    label: string,
    /** bytes of the uniform struct (a multiple of 16) */
    readonly bytes = DISPATCH_UNIFORM_BYTES,
  ) {
    this.page = ring ? ring.reserve() : -1;
    if (!ring) this.own = ctx.device.createBuffer({ label, size: bytes, usage: Usage.UNIFORM | Usage.COPY_DST });
  }

  /** The bind-group entry (the pipeline binds it with a dynamic offset). */
  get binding(): GPUBufferBinding {
    return { buffer: this.ring ? this.ring.buffer(this.page) : this.own!, offset: 0, size: this.bytes };
  }

  /** Stores `words` for the dispatch being recorded; returns the dynamic offset to bind it at. */
  put(words: ArrayBufferView): number {
    if (words.byteLength > this.bytes) throw new RangeError(`DispatchUniform: ${words.byteLength} bytes for a ${this.bytes}-byte uniform`);
    if (this.ring) return this.ring.take(this.page, words);
    writeBuffer(this.ctx, this.own!, 0, words);
    return 0;
  }

  destroy(): void {
    this.own?.destroy();
  }
}
