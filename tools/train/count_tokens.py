#!/usr/bin/python3
"""Count tokens of the corpus with the trained tokenizer and record them in manifest.json's summary.

Usage: /usr/bin/python3 tools/train/count_tokens.py --data /root/fanout-train [--tokenizer /root/fanout-train/tokenizer.json]
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/root/fanout-train")
ap.add_argument("--tokenizer", default="/root/fanout-train/tokenizer.json")
a = ap.parse_args()
tok = Tokenizer(a.tokenizer)
man_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifest.json")
man = json.load(open(man_path))
for split in ("train", "val"):
    n = b = 0
    for line in open(os.path.join(a.data, "corpus", f"{split}.jsonl"), encoding="utf-8"):
        t = json.loads(line)["text"]
        n += len(tok.encode_ordinary(t)) + 1  # + <|endoftext|>
        b += len(t.encode("utf-8"))
    man["summary"][f"tokens_{split}"] = n
    man["summary"][f"bytes_per_token_{split}"] = round(b / n, 3)
    print(split, n, "tokens", round(b / n, 3), "bytes/token")
json.dump(man, open(man_path, "w"), indent=1)
