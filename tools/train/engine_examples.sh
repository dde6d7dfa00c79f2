#!/usr/bin/env bash
# The card's "Ranked by the engine" section: what the app shows for the default-model issue's three
# everyday prompts (32 samples, temperature 0.8, top-p 0.95, stop at end of line, seed 1; the top 8 of
# the table ranked by mean log-probability).
#   bash tools/train/engine_examples.sh models/fanout-code-4m > tmp/engine-examples.md
set -euo pipefail
model=${1:?usage: engine_examples.sh MODEL_DIR}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s' $'export function add(a: number, b: number): number {\n  return a' > "$tmp/1.ts"
printf '%s' 'for (let i = 0; i < ' > "$tmp/2.ts"
printf '%s' "import { useState, useEffect } from '" > "$tmp/3.ts"
echo "## Ranked by the engine (what the app shows)"
echo
echo "\`npx fanout complete --model $model --prompt-file P --n 32 --max-tokens 16 --stop line --seed 1\`; the top 8 of 32 by mean log-probability:"
echo
for i in 1 2 3; do
  echo '```'
  cat "$tmp/$i.ts"; echo '█'
  node bin/fanout.mjs complete --model "$model" --prompt-file "$tmp/$i.ts" --n 32 --max-tokens 16 --stop line --seed 1 | head -9
  echo '```'
  echo
done
