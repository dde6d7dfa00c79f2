// The engine's handle on one WebGPU device, whichever implementation provides it
// (dawn.node under Node, navigator.gpu in Chromium). Everything on the GPU goes through this.

export interface GpuInfo {
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 19.1.7, 256 bits)" or "NVIDIA H100". */
  name: string;
  vendor: string;
  architecture: string;
  backend: string;
  /** features the device was created with (the ones the engine uses) */
  features: string[];
  /** everything the adapter offers */
  adapterFeatures: string[];
  limits: Record<string, number>;
}

export interface GpuContext {
  device: GPUDevice;
  info: GpuInfo;
  /** shader-f16 is enabled: weights and KV cache are stored as f16 (activations stay f32). */
  f16: boolean;
  /** timestamp-query is enabled: kernels can be timed on the GPU. */
  timestamps: boolean;
  /** subgroups is enabled: kernels may use subgroup operations (a shader using them starts `enable subgroups;`). */
  subgroups: boolean;
  /** The smallest subgroup the adapter may run (4 when it does not say: WebGPU's floor). */
  subgroupMinSize: number;
  /** Largest storage-buffer binding in bytes (lavapipe: 128 MiB). Bigger tensors are split. */
  maxBinding: number;
  /** Largest buffer in bytes. */
  maxBuffer: number;
  /** Keeps the object that owns the implementation alive (dawn.node dies if it is collected). */
  readonly owner: unknown;
  destroy(): void;
}

export class NoGpuError extends Error {
  override name = 'NoGpuError';
}

export interface AcquireOptions {
  /** Use f16 storage when the adapter has shader-f16 (default true). */
  preferF16?: boolean;
  /** Ask for the adapter's storage-binding and buffer-size limits (default true). */
  maxLimits?: boolean;
  /** Enable subgroups when the adapter has them (default true; the kernels that use them are chosen in engine/variants.ts). */
  subgroups?: boolean;
}

const NO_ADAPTER_HELP =
  'No WebGPU adapter found. Install a Vulkan driver for your GPU; on Debian without a GPU install Mesa lavapipe ' +
  'from bookworm-backports: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1';

/** Creates a device on an adapter from any `GPU` object (navigator.gpu or dawn.node's create()). */
export async function acquireFromGpu(gpu: GPU | undefined, owner: unknown, opts: AcquireOptions = {}): Promise<GpuContext> {
  if (!gpu) throw new NoGpuError(NO_ADAPTER_HELP);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new NoGpuError(NO_ADAPTER_HELP);
  const want: GPUFeatureName[] = [];
  const f16 = (opts.preferF16 ?? true) && adapter.features.has('shader-f16');
  if (f16) want.push('shader-f16');
  const timestamps = adapter.features.has('timestamp-query');
  if (timestamps) want.push('timestamp-query');
  const subgroups = (opts.subgroups ?? true) && adapter.features.has('subgroups' as GPUFeatureName);
  if (subgroups) want.push('subgroups' as GPUFeatureName);
  const a = adapter.limits;
  const requiredLimits: Record<string, number> =
    opts.maxLimits === false
      ? {}
      : {
          maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
          maxBufferSize: a.maxBufferSize,
          maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
          maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
          maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
          maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
        };
  const device = await adapter.requestDevice({ requiredFeatures: want, requiredLimits });
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of LIMIT_NAMES) limits[k] = (device.limits as unknown as Record<string, number>)[k];
  const ctx: GpuContext = {
    device,
    info: {
      name: info.description || info.device || info.vendor || 'unknown adapter',
      vendor: info.vendor,
      architecture: info.architecture,
      backend: (info as unknown as { backend?: string }).backend ?? '',
      features: [...device.features].sort(),
      adapterFeatures: [...adapter.features].sort(),
      limits,
    },
    f16,
    timestamps,
    subgroups,
    subgroupMinSize: Math.max(4, (info as unknown as { subgroupMinSize?: number }).subgroupMinSize ?? 4),
    maxBinding: device.limits.maxStorageBufferBindingSize,
    maxBuffer: device.limits.maxBufferSize,
    owner,
    destroy: () => device.destroy(),
  };
  return ctx;
}

const LIMIT_NAMES = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
  'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment',
];

/** Acquires a device in a browser (Chromium's navigator.gpu). */
export async function acquireBrowserGpu(opts: AcquireOptions = {}): Promise<GpuContext> {
  const nav = (globalThis as unknown as { navigator?: { gpu?: GPU } }).navigator;
  return acquireFromGpu(nav?.gpu, nav, opts);
}

/**
 * A CPU driver (lavapipe/llvmpipe, SwiftShader): kernels there run as SIMD loops on a few cores, so the
 * kernels pick CPU variants (fewer, bigger workgroups; register tiles) and memory is system RAM.
 */
export function isCpuAdapter(ctx: Pick<GpuContext, 'info'>): boolean {
  const s = `${ctx.info.name} ${ctx.info.vendor} ${ctx.info.architecture}`;
  return /llvmpipe|lavapipe|swiftshader|\bcpu\b/i.test(s);
}
