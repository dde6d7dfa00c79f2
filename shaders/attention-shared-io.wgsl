// The interface of the two shared-context attention kernels (attention-shared.wgsl for CPU drivers,
// attention-shared-tiled.wgsl for GPUs): one uniform layout, one set of bindings, one partial-state
// format, so the split plans, the merge kernel and SharedAttentionKernel.encode serve both.
// engine/attention/kernels.ts puts this file before either kernel's source.

struct U {
  rows: u32,          // query rows
  posStart: u32,      // absolute position of row 0 (causal)
  segTokenStart: u32, // absolute token index of element 0 of the bound K/V buffers
  kvStart: u32,       // first key (absolute) of this dispatch
  kvEnd: u32,         // end key (absolute, exclusive) of this dispatch
  keysPerSplit: u32,  // multiple of KB
  slotBase: u32,      // partial slot of split 0
  nSlots: u32,        // partial slots per (row, head)
  qscale: f32,        // log2(e) / sqrt(D)
  nd4: u32,           // = D4 (a run-time loop bound)
  kb: u32,            // = KB (a run-time loop bound of the tiled kernel on CPU drivers)
}

@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;        // [rows, (H+2G)·D4] f32
@group(0) @binding(2) var<storage, read> kc: array<vec4<KT>>;          // [tokens, G, D4] KT
@group(0) @binding(3) var<storage, read> vc: array<vec4<KT>>;          // [tokens, G, D4] KT
@group(0) @binding(4) var<storage, read_write> partAcc: array<vec4<f32>>; // [rows·H·nSlots, D4] unnormalised Σ exp2(s-m)·v
@group(0) @binding(5) var<storage, read_write> partML: array<vec2<f32>>;  // [rows·H·nSlots] (m, l)

const QKV4 = (H + 2u * G) * D4;
const NEG_BIG = -1e30;  // initial running max (finite, so exp2(m - mnew) is defined)
const MASKED = -3e38;   // score of a masked key: exp2(MASKED - m) = 0 for any m >= NEG_BIG
