// Reads GPU buffers back through one staging buffer kept for the life of its owner (a generate request
// reads its logits every step): no buffer is created or destroyed per read. The staging buffer grows to
// the largest read (rounded up to a power of two). One read at a time per Readback.
import type { GpuContext } from './context.ts';
import { Usage } from './buffers.ts';

export class Readback {
  private staging?: GPUBuffer;
  private busy = false;

  constructor(
    private readonly ctx: GpuContext,
    readonly label = 'readback',
  ) {}

  /** Bytes [offset, offset + size) of `buf` (offset and size multiples of 4), copied out of the staging buffer. */
  async read(buf: GPUBuffer, offset: number, size: number): Promise<ArrayBuffer> {
    if (this.busy) throw new Error(`${this.label}: a read is already in flight (one at a time)`);
    if (offset % 4 !== 0 || size % 4 !== 0 || size <= 0) throw new RangeError(`${this.label}: offset ${offset} and size ${size} must be positive multiples of 4`);
    this.busy = true;
    try {
      if (!this.staging || this.staging.size < size) {
        this.staging?.destroy();
        this.staging = this.ctx.device.createBuffer({ label: this.label, size: 2 ** Math.ceil(Math.log2(Math.max(size, 256))), usage: Usage.MAP_READ | Usage.COPY_DST });
      }
      const enc = this.ctx.device.createCommandEncoder({ label: this.label });
      enc.copyBufferToBuffer(buf, offset, this.staging, 0, size);
      this.ctx.device.queue.submit([enc.finish()]);
      await this.staging.mapAsync(0x1 /* GPUMapMode.READ */, 0, size);
      const out = this.staging.getMappedRange(0, size).slice(0);
      this.staging.unmap();
      return out;
    } finally {
      this.busy = false;
    }
  }

  /** `count` f32 values of `buf` from element `offsetElems`. */
  async readF32(buf: GPUBuffer, count: number, offsetElems = 0): Promise<Float32Array> {
    return new Float32Array(await this.read(buf, offsetElems * 4, count * 4));
  }

  /** Bytes of GPU memory it holds now. */
  get bytes(): number {
    return this.staging?.size ?? 0;
  }

  destroy(): void {
    this.staging?.destroy();
    this.staging = undefined;
  }
}
