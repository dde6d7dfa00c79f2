#!/usr/bin/env bash
# The prepared GPU benchmark run (issue 12): one command of at most 8 minutes on a lent NVIDIA machine that
# has no Node and no Vulkan loader of its own.
#
#   here, first:       bash scripts/gpu-bench.sh --prepare
#                      → .gpu/ (git-ignored): Node and the Vulkan loader (../shared/gpu/pack.sh), and
#                        .gpu/app.tar.xz: the bundled CLI (dist/fanout.mjs) with Dawn (node_modules/webgpu,
#                        linux-x64 only), ~50 MB in all
#   on the GPU:        device run, carry [".gpu"], command: bash scripts/gpu-bench.sh "$OUT"
#   dry run here:      bash scripts/gpu-bench.sh --small OUT   (lavapipe, small sizes, the same steps)
#
# It prints the adapter, then runs `fanout bench` (ceilings, roofline, as-you-type row) on
#   synthetic:paper-7b-slice          n = 1, 8, 16, 32, 64 × ctx 2K, 8K, 16K
#   synthetic:qwen2.5-coder-1.5b      f16 and q4_k, n = 1, 8, 32, 64 × ctx 2K, 8K
# writing OUT/<name>.txt (the table), .json and .svg (ms per step vs n). Each run has its own time limit,
# so a slow one costs only its share; what finished is kept.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${1:-}" = "--prepare" ]; then
  set -e
  bash "$root/../shared/gpu/pack.sh"
  node scripts/build.mjs
  tar cf - dist/fanout.mjs node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/dist/linux-x64 | xz -T2 -6 > .gpu/app.tar.xz
  du -sh .gpu
  echo "prepared: run on the device with carry [\".gpu\"] and the command: bash scripts/gpu-bench.sh \"\$OUT\""
  exit 0
fi

small=0
if [ "${1:-}" = "--small" ]; then small=1; shift; fi
out=${1:?usage: gpu-bench.sh [--prepare | [--small] OUT_DIR]}
mkdir -p "$out"
start=$(date +%s)

if [ -f .gpu/app.tar.xz ] && ! command -v node >/dev/null; then
  # The lent machine: Node, the Vulkan loader and the NVIDIA ICD from .gpu/, the CLI from its archive.
  bash .gpu/prelude.sh || { echo "gpu-bench: .gpu/prelude.sh failed" >&2; exit 1; }
  export PATH=/tmp/gpunode:$PATH
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  tar xJf .gpu/app.tar.xz # dist/ and node_modules/webgpu/, where bin/fanout.mjs looks for them
fi
cli=(node bin/fanout.mjs) # builds dist/ first where it is missing
# WebGPU does not report a card's memory; the default for a GPU is 4 GiB. An H100/H200 has 80+ GiB.
export FANOUT_MEMORY_GIB=${FANOUT_MEMORY_GIB:-$([ $small = 1 ] && echo 4 || echo 64)}

echo "== gpu-bench $(date -u +%FT%TZ) on $(hostname); load: $(cut -d' ' -f1-3 /proc/loadavg)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

run() { # name, seconds, bench args...
  local name=$1 limit=$2
  shift 2
  echo "== $name (limit ${limit}s): fanout bench $*"
  timeout "$limit" "${cli[@]}" bench "$@" --save "$out/$name.json" --plot "$out/$name.svg" > "$out/$name.txt" 2> "$out/$name.err"
  local rc=$?
  cat "$out/$name.txt"
  [ $rc = 0 ] || { echo "-- $name: exit $rc (124 = over its time limit); stderr:"; tail -5 "$out/$name.err"; }
}

if [ $small = 1 ]; then
  run tiny-f16 120 --model synthetic:tiny --n 1,4 --ctx 128,256 --steps 2 --as-you-type 256
  run tiny-q4_k 120 --model 'synthetic:tiny?weights=q4_k' --n 1,4 --ctx 128 --steps 2 --as-you-type 0
else
  run paper-7b-slice 230 --model synthetic:paper-7b-slice --n 1,8,16,32,64 --ctx 2048,8192,16384 --steps 8
  run qwen2.5-coder-1.5b-f16 100 --model synthetic:qwen2.5-coder-1.5b --n 1,8,32,64 --ctx 2048,8192 --steps 8
  run qwen2.5-coder-1.5b-q4_k 100 --model 'synthetic:qwen2.5-coder-1.5b?weights=q4_k' --n 1,8,32,64 --ctx 2048,8192 --steps 8 --as-you-type 0
fi
echo "== done in $(($(date +%s) - start)) s; files in $out:"
ls -l "$out"
