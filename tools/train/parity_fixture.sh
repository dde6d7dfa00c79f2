#!/usr/bin/env bash
# Writes the engine parity fixture for a model folder: PyTorch log-probabilities of a few prompts
# (tools/train/pytorch_logprobs.py) plus the sha256 of the weights they were computed from.
# Re-run whenever the model's weights change:  bash tools/train/parity_fixture.sh models/fanout-code-4m
set -euo pipefail
model=${1:?model folder}
name=$(basename "$model")
out=tests/fixtures/parity/$name.json
mkdir -p "$(dirname "$out")"
/usr/bin/python3 tools/train/pytorch_logprobs.py "$model" --out "$out.tmp" >/dev/null
sha=$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)
/usr/bin/python3 - "$out.tmp" "$out" "$sha" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
json.dump({"model_sha256": sys.argv[3], "cases": cases}, open(sys.argv[2], "w"), indent=1)
PY
rm "$out.tmp"
echo "wrote $out"
