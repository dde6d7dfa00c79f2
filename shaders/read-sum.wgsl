// Streaming read: sums a buffer of u32 words (as vec4<u32>, wrapping) into one u32 per workgroup. It exists
// to measure how fast a kernel can read memory (fanout bench's read ceiling, engine/bench-ceilings.ts);
// the sums make the reads observable and checkable (engine/kernels/read-sum.ref.ts).
// Each invocation reads vec4 i = gid, gid + stride, … (stride = all invocations of the dispatch), so a
// workgroup's consecutive invocations read consecutive 16-byte words (coalesced on a GPU).
// Consts: WG (a power of two).

struct Params {
  n: u32,       // vec4 words in the bound range
  stride: u32,  // invocations in the dispatch (workgroups × WG)
}

@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;  // [workgroups]
@group(0) @binding(2) var<uniform> p: Params;

var<workgroup> part: array<u32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  var acc = vec4<u32>(0u);
  for (var i = gid.x; i < p.n; i += p.stride) {
    acc += src[i];
  }
  part[lid.x] = acc.x + acc.y + acc.z + acc.w;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid.x < s) {
      part[lid.x] += part[lid.x + s];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    out[wid.x] = part[0];
  }
}
