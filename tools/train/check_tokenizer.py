#!/usr/bin/python3
"""Print token ids for a few strings with the Python encoder (tools/train/bpe.py), for
cross-checking the engine's TypeScript tokenizer, and verify encode/decode round-trips.

Usage: /usr/bin/python3 tools/train/check_tokenizer.py models/fanout-code-4m/tokenizer.json [--json]
       /usr/bin/python3 tools/train/check_tokenizer.py TOKENIZER.json --dump CORPUS.jsonl N OUT.json
         (then: npx tsx tools/train/crosscheck_tokenizer.ts TOKENIZER.json OUT.json)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402

CASES = [
    "hello world",
    "function add(a, b) {\n  return a + b;\n}\n",
    "const x: Map<string, number[]> = new Map();",
    "    if (!ok) throw new Error(`bad ${value}`);\n",
    "import { readFile } from 'node:fs/promises';",
    "<|fim_prefix|>let a = <|fim_suffix|>;\n<|fim_middle|>",
    "x<|endoftext|>y",
    "naïve café — 日本語 😀",
    "  \n\n\t\t  tabs and   spaces  ",
    "don't it's we've I'm you'll they'd",
    "12345 3.14159 0xFFee 1e-9",
    "",
]


def dump(tok, corpus, n, out_path):
    """Write {"text","ids"} for the first n documents of a corpus .jsonl (ordinary text, no specials)."""
    recs = []
    for line in open(corpus, encoding="utf-8"):
        if len(recs) >= n:
            break
        t = json.loads(line)["text"]
        recs.append({"text": t, "ids": tok.encode_ordinary(t)})
    recs.append({"text": "".join(CASES), "ids": tok.encode_ordinary("".join(c for c in CASES if "<|" not in c))})
    recs[-1]["text"] = "".join(c for c in CASES if "<|" not in c)
    json.dump(recs, open(out_path, "w", encoding="utf-8"), ensure_ascii=False)
    print(f"wrote {len(recs)} records to {out_path}")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/root/fanout-train/tokenizer.json"
    tok = Tokenizer(path)
    if "--dump" in sys.argv:
        i = sys.argv.index("--dump")
        dump(tok, sys.argv[i + 1], int(sys.argv[i + 2]), sys.argv[i + 3])
        return
    out = []
    for s in CASES:
        ids = tok.encode(s)
        back = tok.decode(ids)
        assert back == s, (s, back)
        out.append({"text": s, "ids": ids})
    if "--json" in sys.argv:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for r in out:
            print(json.dumps(r["text"], ensure_ascii=False), r["ids"])
        print(f"vocab_size {tok.vocab_size}, specials {tok.special}; all round-trips OK")


if __name__ == "__main__":
    main()
