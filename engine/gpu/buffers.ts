// Buffer helpers: create, upload, read back. Sizes are in bytes.
import type { GpuContext } from './context.ts';

const S = GPUBufferUsageFlagsShim();
function GPUBufferUsageFlagsShim() {
  // GPUBufferUsage is a global in browsers and after dawn.node's globals are installed; the numeric
  // values are fixed by the WebGPU spec, so the engine does not depend on the global being present.
  return { MAP_READ: 0x1, MAP_WRITE: 0x2, COPY_SRC: 0x4, COPY_DST: 0x8, INDEX: 0x10, VERTEX: 0x20, UNIFORM: 0x40, STORAGE: 0x80, INDIRECT: 0x100, QUERY_RESOLVE: 0x200 };
}
export const Usage = S;

/** Rounds up to a multiple of 4 (WebGPU copy granularity). */
export const align4 = (n: number) => (n + 3) & ~3;
export const alignTo = (n: number, a: number) => Math.ceil(n / a) * a;

export function createStorage(ctx: GpuContext, size: number, label: string, extraUsage = 0): GPUBuffer {
  if (size > ctx.maxBuffer) throw new RangeError(`${label}: buffer of ${size} bytes exceeds the device's maxBufferSize ${ctx.maxBuffer}`);
  return ctx.device.createBuffer({ label, size: Math.max(16, alignTo(size, 16)), usage: S.STORAGE | S.COPY_DST | S.COPY_SRC | extraUsage });
}

/** A read-only uniform buffer holding `data` (created mapped; no queue write needed). */
export function createUniform(ctx: GpuContext, data: ArrayBufferView | ArrayBuffer, label: string): GPUBuffer {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const buf = ctx.device.createBuffer({ label, size: Math.max(16, alignTo(bytes.byteLength, 16)), usage: S.UNIFORM | S.COPY_DST, mappedAtCreation: true });
  new Uint8Array(buf.getMappedRange()).set(bytes);
  buf.unmap();
  return buf;
}

/** A storage buffer initialised with `data`. */
export function createStorageFrom(ctx: GpuContext, data: ArrayBufferView, label: string, extraUsage = 0): GPUBuffer {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const size = Math.max(16, alignTo(bytes.byteLength, 16));
  if (size > ctx.maxBuffer) throw new RangeError(`${label}: buffer of ${size} bytes exceeds the device's maxBufferSize ${ctx.maxBuffer}`);
  const buf = ctx.device.createBuffer({ label, size, usage: S.STORAGE | S.COPY_DST | S.COPY_SRC | extraUsage, mappedAtCreation: true });
  new Uint8Array(buf.getMappedRange()).set(bytes);
  buf.unmap();
  return buf;
}

/** Writes `data` at `offset`; pads the copy to 4 bytes as WebGPU requires. */
export function writeBuffer(ctx: GpuContext, buf: GPUBuffer, offset: number, data: ArrayBufferView) {
  // Never a SharedArrayBuffer here; the DOM library's writeBuffer type (electron/tsconfig.json) insists.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>;
  if (bytes.byteLength % 4 === 0) {
    ctx.device.queue.writeBuffer(buf, offset, bytes);
  } else {
    const padded = new Uint8Array(align4(bytes.byteLength));
    padded.set(bytes);
    ctx.device.queue.writeBuffer(buf, offset, padded);
  }
}

/** Copies `size` bytes from `buf` at `offset` to the CPU (waits for queued work). */
export async function readBuffer(ctx: GpuContext, buf: GPUBuffer, offset = 0, size = buf.size - offset): Promise<ArrayBuffer> {
  const n = align4(size);
  const staging = ctx.device.createBuffer({ label: 'readback', size: n, usage: S.MAP_READ | S.COPY_DST });
  const enc = ctx.device.createCommandEncoder({ label: 'readback' });
  enc.copyBufferToBuffer(buf, offset, staging, 0, n);
  ctx.device.queue.submit([enc.finish()]);
  await staging.mapAsync(0x1 /* GPUMapMode.READ */);
  const out = staging.getMappedRange().slice(0, size);
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readF32(ctx: GpuContext, buf: GPUBuffer, count: number, offsetElems = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(ctx, buf, offsetElems * 4, count * 4));
}
