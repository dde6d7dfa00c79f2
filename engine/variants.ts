// Kernel variants by device profile: the one place that says which variant of each op a device runs.
//
// A device profile is a CPU driver (lavapipe/llvmpipe, SwiftShader: kernels are SIMD loops on a few
// cores, every storage load is paid per lane, workgroups run one after another) or a GPU (thousands of
// lanes in flight, coalesced loads, workgroup memory), plus features. FANOUT_DEVICE_PROFILE=cpu|gpu
// forces one (to run the GPU variants on lavapipe, as the tests do through `variantsFor(ctx, kind)`).
//
// Ops and their variants:
//   matmul     cpu: register tiles R×C of 8-lane workgroups (engine/kernels/matmul-gen.ts);
//              gpu: decode rows (≤ 8) on a GEMV whose workgroup of 64 lanes reads 1–4 weight rows once,
//              coalesced, for all rows, reduced in workgroup memory (engine/kernels/gemv-gen.ts); more
//              rows of dense weights (prefill) on a workgroup-tiled GEMM staging 64 × 64 blocks in
//              workgroup memory (engine/kernels/gemm-tiled-gen.ts); quantized ones on register tiles.
//              Where the device has subgroups the GEMV adds its lanes' sums with subgroupAdd.
//   attention  tuning of the shared-context and per-row kernels (engine/attention/kernels.ts); the gpu
//              profile's shared-context kernel stages K/V tiles in workgroup memory (attention-shared-
//              tiled.wgsl), reducing partial dot products with subgroup shuffles where the device has
//              subgroups, else through workgroup memory.
//   read-sum, fma-peak  the bench's ceiling kernels: workgroup counts.
//   sampler    cpu: logits rows come back and engine/sampler.ts draws (a CPU driver's "GPU" is this CPU,
//              and the copy costs little next to its bisection passes); gpu: shaders/sample.wgsl draws on
//              the device and only (token, log p) per row comes back (engine/kernels/sample.ts).
//              FANOUT_SAMPLER=cpu|gpu forces one.
// Adding a variant: its entry here, its kernel beside the others, and its case in the op's test (which
// runs every profile's variants against the float64 reference on lavapipe).
import { isCpuAdapter, type GpuContext } from './gpu/context.ts';
import type { AttnTuning } from './attention/kernels.ts';
import { TILED } from './kernels/gemm-tiled-gen.ts';

export type DeviceKind = 'cpu' | 'gpu';
export const DEVICE_KINDS: readonly DeviceKind[] = ['cpu', 'gpu'];

export interface DeviceProfile {
  kind: DeviceKind;
  /** the device has shader-f16 enabled (weights and KV in f16) */
  f16: boolean;
  /** kernels may use subgroup operations: the device has `subgroups` enabled (FANOUT_SUBGROUPS=0 turns
   * their variants off, =1 insists on them) */
  subgroups: boolean;
  /** the smallest subgroup the adapter runs (a subgroup reduction spans at most this many lanes) */
  subgroupMinSize: number;
  /** CPU threads the driver may use (CPU profile), else the host's */
  threads: number;
  /** bytes of workgroup memory a kernel may use */
  workgroupMemory: number;
}

/**
 * One matmul dispatch shape. `gemv`: one workgroup of WG lanes per C outputs × R rows, the lanes split
 * the inner dimension (each weight read once per R rows) and reduce; otherwise each lane computes an
 * R×C register tile over the whole inner dimension.
 */
export interface MatmulTile {
  R: number;
  C: number;
  WG: number;
  gemv?: boolean;
  /** workgroup-tiled GEMM (engine/kernels/gemm-tiled-gen.ts): a workgroup computes R rows × C outputs */
  tiled?: boolean;
  /** gemv: the lanes' partial sums are added by subgroupAdd (else a workgroup-memory tree) */
  subgroups?: boolean;
}

export type SamplerKind = 'cpu' | 'gpu';

export interface Variants {
  profile: DeviceProfile;
  /** where tokens are drawn from the logits */
  sampler: SamplerKind;
  /** the tile for `rows` rows of an [outDim, ·] weight; quantized: a block format's kernel */
  matmul(rows: number, outDim: number, quantized: boolean): MatmulTile;
  attention(headDim: number): AttnTuning;
  /** workgroups of the streaming-read kernel over `vec4s` 16-byte words of WG lanes */
  readSumGroups(vec4s: number, wg: number): number;
  fmaPeakGroups(): number;
}

function forcedKind(): DeviceKind | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FANOUT_DEVICE_PROFILE;
  if (v === undefined || v === '') return undefined;
  if (v === 'cpu' || v === 'gpu') return v;
  throw new Error(`FANOUT_DEVICE_PROFILE=${v}: use cpu or gpu (which kernel variants to run), or leave it unset`);
}

function forcedSubgroups(ctx: GpuContext): boolean | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FANOUT_SUBGROUPS;
  if (v === undefined || v === '') return undefined;
  if (v === '0') return false;
  if (v !== '1') throw new Error(`FANOUT_SUBGROUPS=${v}: use 0 (no subgroup variants) or 1 (require them), or leave it unset`);
  if (!ctx.subgroups) throw new Error(`FANOUT_SUBGROUPS=1, but the adapter ${ctx.info.name} has no subgroups: unset it`);
  return true;
}

/** The profile of `ctx` (or of `kind`, forced); `subgroups: false` forces the variants without subgroups. */
export function deviceProfile(ctx: GpuContext, kind?: DeviceKind, opts: { subgroups?: boolean } = {}): DeviceProfile {
  const threads = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 4;
  if (opts.subgroups && !ctx.subgroups) throw new Error(`subgroup variants asked for on ${ctx.info.name}, which has no subgroups`);
  return {
    kind: kind ?? forcedKind() ?? (isCpuAdapter(ctx) ? 'cpu' : 'gpu'),
    f16: ctx.f16,
    subgroups: opts.subgroups ?? forcedSubgroups(ctx) ?? ctx.subgroups,
    subgroupMinSize: ctx.subgroupMinSize,
    threads,
    workgroupMemory: ctx.device.limits.maxComputeWorkgroupStorageSize,
  };
}

/**
 * Matmul on a CPU driver, from measurements on lavapipe (scripts/bench-kernels.ts --cpu). There every
 * load costs per SIMD lane and component while FMAs are nearly free, so bigger tiles win (R8×C16 reads
 * 2.7× fewer dwords per FLOP than R8×C8) until register spills and code size take over (R8×C32 is no
 * faster and compiles far slower). Workgroups of 8 invocations (one SIMD group) beat 64: lavapipe runs a
 * workgroup's SIMD groups one after another. C shrinks while there are fewer than 4 workgroups (2× the
 * driver's threads on 2 cores) for small matrices. Quantized weights stop at R8×C8: their R8×C16 kernel is
 * 13–27% faster (Q4_K 4096², rows 8–64) but takes lavapipe 25–37 s to compile per format against 9–13 s,
 * and a cold shader cache pays that for every format a model (or the test suite) uses.
 */
function cpuMatmul(rows: number, outDim: number, quantized: boolean): MatmulTile {
  const WG = 8;
  let [R, C] = rows <= 1 ? [1, 4] : rows <= 4 ? [4, 8] : [8, quantized ? 8 : 16];
  while (C > 8 && Math.ceil(outDim / (WG * C)) * Math.ceil(rows / R) < 4) C /= 2;
  return { R, C, WG };
}

/**
 * Matmul on a GPU (not measured here: no GPU was lent so far; shapes from the usual GEMV/GEMM designs).
 * Decode rows read every weight once per step: a GEMV of 64 lanes per 1–4 outputs, all rows (≤ 8) in one
 * pass, loads of 16 bytes per lane side by side. More rows of dense weights (prefill chunks, n > 8) run
 * the workgroup-tiled GEMM (64 × 64 blocks staged in workgroup memory); quantized formats the register
 * tiles with 64-lane workgroups.
 */
function gpuMatmul(rows: number, _outDim: number, quantized: boolean): MatmulTile {
  // R·C ≤ 8 partial sums per lane: bigger products are no faster on a GPU's GEMV (bound by the weight
  // reads) and take lavapipe's barrier lowering 14–36 s to compile (R4×C4, R8×C4) against 2–6 s.
  if (!quantized && rows <= 8) return rows <= 1 ? { R: 1, C: 4, WG: 64, gemv: true } : rows <= 2 ? { R: 2, C: 4, WG: 64, gemv: true } : rows <= 4 ? { R: 4, C: 2, WG: 64, gemv: true } : { R: 8, C: 1, WG: 64, gemv: true };
  if (!quantized) return { R: TILED.TM, C: TILED.TN, WG: TILED.WG, tiled: true };
  return rows <= 1 ? { R: 1, C: 4, WG: 64 } : rows <= 4 ? { R: 4, C: 4, WG: 64 } : { R: 8, C: 4, WG: 64 };
}

/** The matmul tile of each profile: (rows, outDim, quantized) → tile. */
export const MATMUL_TILE: Record<DeviceKind, (rows: number, outDim: number, quantized: boolean) => MatmulTile> = { cpu: cpuMatmul, gpu: gpuMatmul };

/** Attention tuning (the kernels are in engine/attention/kernels.ts). */
function attentionTuning(p: DeviceProfile, headDim: number): AttnTuning {
  const cpu = p.kind === 'cpu';
  // attention-rows keeps LANES·D floats of workgroup memory for its lane reduction.
  let rowsLanes = 32;
  while (rowsLanes > 4 && rowsLanes * (headDim * 4 + 8) > p.workgroupMemory) rowsLanes >>= 1;
  // attention-shared keeps q and acc of LANES·QPL query vectors in workgroup memory: 2·LANES·QPL·D·4 bytes.
  let sharedLanes = cpu ? 8 : 64;
  let sharedQpl = cpu ? 4 : 1;
  while (sharedQpl > 1 && 2 * sharedLanes * sharedQpl * headDim * 4 > p.workgroupMemory) sharedQpl >>= 1;
  while (sharedLanes > 4 && 2 * sharedLanes * sharedQpl * headDim * 4 > p.workgroupMemory) sharedLanes >>= 1;
  // CPU driver: generated attention-rows with 8 lanes (one SIMD group of the driver).
  const cpuGen = cpu && headDim % 8 === 0;
  // sharedMinQueries on a CPU driver: measured with fanout-code-4m (H=G=3, ctx 1024), the shared kernel
  // loses to the generated per-row kernel below ~24 query vectors per KV head (n=8: 0.44x, n=16: 0.71x)
  // and wins from 32 (n=32: 1.9–2.1x), so the context part goes through attention-rows below 32.
  return cpu
    ? { targetWorkgroups: Math.max(8, 4 * p.threads), sharedLanes, sharedQpl, sharedKb: 16, rowsLanes: cpuGen ? 8 : Math.min(rowsLanes, 16), rowsMinKeys: 256, sharedMinQueries: 32, cpuKernels: cpuGen, sharedTiled: null }
    : { targetWorkgroups: 1024, sharedLanes, sharedQpl, sharedKb: 16, rowsLanes, rowsMinKeys: 128, sharedMinQueries: 2, cpuKernels: false, sharedTiled: sharedTiledTuning(p, headDim) };
}

/**
 * The GPU's shared-context kernel (shaders/attention-shared-tiled.wgsl): 128 lanes, TPQ lanes per query
 * vector (so q and acc are D/TPQ floats of registers each: 16 at D = 128), K and V tiles of KB keys in
 * workgroup memory, and, without subgroups, KB·LANES floats more for the partial-dot reduction. TPQ is
 * at most the smallest subgroup when subgroups reduce (the TPQ lanes of a query vector are one aligned
 * run of lanes inside a subgroup).
 */
function sharedTiledTuning(p: DeviceProfile, headDim: number): NonNullable<AttnTuning['sharedTiled']> | null {
  const d4 = headDim / 4;
  if (!Number.isInteger(d4)) return null;
  let tpq = 1;
  while (tpq < 8 && d4 % (tpq * 2) === 0 && (!p.subgroups || tpq * 2 <= p.subgroupMinSize)) tpq *= 2;
  let lanes = 128;
  let kb = 16;
  const bytes = () => 2 * kb * d4 * 16 + (p.subgroups ? 0 : kb * lanes * 4);
  while (kb > 4 && bytes() > p.workgroupMemory) kb >>= 1;
  while (lanes > tpq * 4 && bytes() > p.workgroupMemory) lanes >>= 1;
  if (bytes() > p.workgroupMemory) return null;
  return { lanes, tpq, kb, subgroups: p.subgroups };
}

function forcedSampler(): SamplerKind | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FANOUT_SAMPLER;
  if (v === undefined || v === '') return undefined;
  if (v === 'cpu' || v === 'gpu') return v;
  throw new Error(`FANOUT_SAMPLER=${v}: use cpu or gpu (where tokens are drawn), or leave it unset`);
}

/** The variants `ctx` runs (or those of profile `kind`, forced). */
export function variantsFor(ctx: GpuContext, kind?: DeviceKind, opts: { subgroups?: boolean } = {}): Variants {
  const profile = deviceProfile(ctx, kind, opts);
  const cpu = profile.kind === 'cpu';
  return {
    profile,
    sampler: forcedSampler() ?? profile.kind,
    matmul: (rows, outDim, quantized) => {
      const t = MATMUL_TILE[profile.kind](rows, outDim, quantized);
      return t.gemv && profile.subgroups ? { ...t, subgroups: true } : t;
    },
    attention: (headDim) => attentionTuning(profile, headDim),
    // A GPU needs many lanes in flight: each reads ~16 words. A CPU driver runs workgroups one after
    // another, each with set-up cost: 16 big ones (lavapipe, 2 cores, 64 MiB: 4 groups 1.9 GB/s,
    // 16 groups 2.4–2.8, 64 groups 2.0–2.2, 65536 groups of 256 B 1.4).
    readSumGroups: (vec4s, wg) => Math.max(1, cpu ? Math.min(16, Math.ceil(vec4s / wg)) : Math.min(65535, Math.ceil(vec4s / wg / 16))),
    fmaPeakGroups: () => (cpu ? 16 : 2048),
  };
}
