#!/usr/bin/env bash
# The card's "Ranked by the engine" section: what the app shows for the default-model issue's everyday
# prompts (32 samples, temperature 0.8, top-p 0.95, seed 1; the top 8 of the table ranked by mean
# log-probability). Closing `return a + b` runs with --stop none for 6 tokens, so the closing brace shows;
# the others stop at the end of the line, as the app does by default.
#   bash tools/train/engine_examples.sh models/fanout-code-4m > tmp/engine-examples.md
set -euo pipefail
model=${1:?usage: engine_examples.sh MODEL_DIR}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s' $'export function add(a: number, b: number): number {\n  return a + b' > "$tmp/1.ts"
printf '%s' $'export function add(a: number, b: number): number {\n  return a' > "$tmp/2.ts"
printf '%s' 'for (let i = 0; i < ' > "$tmp/3.ts"
printf '%s' "import { useState, useEffect } from '" > "$tmp/4.ts"
flags=("--stop none --max-tokens 6" "--stop line --max-tokens 16" "--stop line --max-tokens 16" "--stop line --max-tokens 16")
echo "## Ranked by the engine (what the app shows)"
echo
echo "\`npx fanout complete --model $model --prompt-file P --n 32 --seed 1 FLAGS\`; the top 8 of 32 by mean log-probability"
echo "(\\n in the table is a line break):"
echo
for i in 1 2 3 4; do
  f=${flags[$((i - 1))]}
  echo "FLAGS = \`$f\`:"
  echo
  echo '```'
  cat "$tmp/$i.ts"; echo '█'
  # shellcheck disable=SC2086 # $f holds several flags
  node bin/fanout.mjs complete --model "$model" --prompt-file "$tmp/$i.ts" --n 32 $f --seed 1 | head -9
  echo '```'
  echo
done
