#!/usr/bin/python3
"""Held-out figures of a model for the ship decision, on the current validation set (val.jsonl)
with fixed seeds, so that two models are compared on the same data:

  plain_bpb / plain_loss    plain left-to-right text, --plain x 512 tokens (bits per byte, nats/token)
  fim_loss                  uniform-split FIM sequences, --fim x 512 tokens, loss on every token
                            (the metric of the fanout-code-4m card, "FIM loss")
  cursor_fim_loss / _bpb    --cursor cursor-style FIM samples (fim.py; one prompt each, as the engine
                            sends them), loss on the middle tokens + closing <|endoftext|> only;
                            cursor_fim_by_kind breaks it down by split kind

The sets are those train.py validates on (same seeds) with more samples. Float32, no autocast.

Usage:
  /usr/bin/python3 tools/train/evaluate.py --model models/fanout-code-4m [--out FILE.json]
  /usr/bin/python3 tools/train/evaluate.py --ckpt /root/fanout-train/run6/ckpt.pt [--out FILE.json]
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bpe import Tokenizer  # noqa: E402
from model import Llama  # noqa: E402
from train import build_cursor_val, build_val, evaluate, load_docs, load_hf, SIZES  # noqa: E402,F401


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="", help="exported folder (config.json, model.safetensors)")
    ap.add_argument("--ckpt", default="", help="train.py checkpoint")
    ap.add_argument("--data", default="/root/fanout-train/corpus")
    ap.add_argument("--tokenizer", default="", help="default: the model folder's tokenizer.json, else "
                    "/root/fanout-train/tokenizer.json")
    ap.add_argument("--seed", type=int, default=1234, help="train.py's --seed (the sets use seed+99, seed+199)")
    ap.add_argument("--plain", type=int, default=64)
    ap.add_argument("--fim", type=int, default=32)
    ap.add_argument("--cursor", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    if bool(a.model) == bool(a.ckpt):
        sys.exit("give one of --model DIR or --ckpt FILE")
    torch.set_num_threads(a.threads)
    tokp = a.tokenizer or (os.path.join(a.model, "tokenizer.json") if a.model else "/root/fanout-train/tokenizer.json")
    tok = Tokenizer(tokp)
    if a.model:
        cfg = json.load(open(os.path.join(a.model, "config.json")))
        cfg = {k: v for k, v in cfg.items() if k != "torch_dtype"}
        model = Llama(cfg)
        digest, ts = load_hf(model, a.model)
        src = {"model": os.path.abspath(a.model), "safetensors_sha256": digest, "step": ts.get("step"),
               "tokens_seen": ts.get("tokens_seen")}
    else:
        s = torch.load(a.ckpt, map_location="cpu")
        model = Llama(s["config"])
        model.load_state_dict(s["model"])
        src = {"ckpt": os.path.abspath(a.ckpt), "step": s["step"], "tokens_seen": s["extra"].get("tokens_seen")}
    model.float().eval()
    t0 = time.time()
    val_docs = load_docs(os.path.join(a.data, "val.jsonl"))
    with open(os.path.join(a.data, "val.jsonl"), "rb") as f:
        val_set = hashlib.sha1(f.read()).hexdigest()[:8]
    with open(tokp, "rb") as f:
        tok_sha = hashlib.sha256(f.read()).hexdigest()[:12]
    VP, VF = build_val(val_docs, tok, a.plain, a.fim, 512, a.seed + 99)
    VC = build_cursor_val(val_docs, tok, a.cursor, a.seed + 199)
    ev = evaluate(model, VP, VF, tok, cursor=VC)
    ev.update(src)
    ev.update(val_set=val_set, tokenizer_sha256=tok_sha, seed=a.seed, n_plain=a.plain, n_fim=a.fim,
              seconds=round(time.time() - t0, 1))
    js = json.dumps(ev, indent=1)
    print(js)
    if a.out:
        with open(a.out, "w") as f:
            f.write(js + "\n")


if __name__ == "__main__":
    main()
