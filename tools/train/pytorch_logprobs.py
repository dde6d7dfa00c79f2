#!/usr/bin/python3
"""Reference PyTorch forward for an exported model folder (engine parity fixtures).

Loads config.json + model.safetensors (f16 weights, computed in float32) + tokenizer.json,
tokenizes each prompt with tools/train/bpe.py (special tokens such as <|fim_prefix|> are
recognised in prompts, as in HF), runs the forward pass and prints JSON:
  [{"prompt", "ids", "logprobs": [log p(ids[i+1] | ids[:i+1]) for each i],
    "top": [[id, logprob], ...] for the next token after the whole prompt,
    "last_logits_head": first 16 raw logits at the last position}]

Usage:
  /usr/bin/python3 tools/train/pytorch_logprobs.py models/fanout-code-4m \
      --prompt 'function add(a, b) {' --prompt '<|fim_prefix|>const x = <|fim_suffix|>;\n<|fim_middle|>' \
      [--prompts-file prompts.json] [--out fixture.json] [--top 10]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402
from export import read_safetensors  # noqa: E402
from model import Llama  # noqa: E402


def load(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    model = Llama(cfg)
    w = read_safetensors(os.path.join(folder, "model.safetensors"))
    sd = {k: torch.from_numpy(v.astype("float32")) for k, v in w.items()}
    model.load_state_dict(sd, strict=True)
    model.eval()
    tok = Tokenizer(os.path.join(folder, "tokenizer.json"))
    return model, tok


DEFAULT_PROMPTS = [
    "function add(a, b) {\n  return",
    "import { useState } from 'react';\n\nexport function Counter() {\n  const [count, setCount] = ",
    "<|fim_prefix|>export function clamp(x: number, lo: number, hi: number): number {\n  <|fim_suffix|>\n}\n<|fim_middle|>",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--prompt", action="append", default=[])
    ap.add_argument("--prompts-file", help="JSON list of prompt strings")
    ap.add_argument("--out")
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(2)
    prompts = list(a.prompt)
    if a.prompts_file:
        prompts += json.load(open(a.prompts_file))
    if not prompts:
        prompts = DEFAULT_PROMPTS
    model, tok = load(a.folder)
    res = []
    with torch.no_grad():
        for p in prompts:
            ids = tok.encode(p)
            x = torch.tensor([ids], dtype=torch.long)
            logits = model(x)[0].float()
            lp = torch.log_softmax(logits, dim=-1)
            per = [float(lp[i, ids[i + 1]]) for i in range(len(ids) - 1)]
            tv, ti = lp[-1].topk(a.top)
            res.append({
                "prompt": p, "ids": ids, "logprobs": per,
                "top": [[int(i), float(v)] for v, i in zip(tv, ti)],
                "top_text": [tok.decode([int(i)]) for i in ti],
                "last_logits_head": [float(v) for v in logits[-1, :16]],
            })
    js = json.dumps(res, indent=1, ensure_ascii=False)
    if a.out:
        open(a.out, "w", encoding="utf-8").write(js + "\n")
    print(js)


if __name__ == "__main__":
    main()
