#!/usr/bin/python3
"""Sample completions from an exported model folder with the PyTorch reference forward.

Usage: /usr/bin/python3 tools/train/sample.py models/fanout-code-4m [--prompt P ...] \
           [--max-new 48] [--temperature 0.0] [--top-k 0] [--seed 0] [--json]
Prompts may contain <|fim_prefix|>/<|fim_suffix|>/<|fim_middle|>. Generation stops at <|endoftext|>.
A prompt that does not end in a special token is token-healed, as the engine does.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import U2B  # noqa: E402
from pytorch_logprobs import load  # noqa: E402

EXAMPLES = [
    # The three everyday cases the default-model issue names: closing `return a + b`, finishing a `for`
    # loop header, an import from 'react'.
    "export function add(a: number, b: number): number {\n  return a + b",
    "export function add(a: number, b: number): number {\n  return a",
    "for (let i = 0; i < ",
    "import { useState, useEffect } from '",
    "function add(a, b) {\n",
    "export function isObject(value: unknown): value is Record<string, unknown> {\n  return ",
    "const fs = require('fs');\n\nfunction readJson(path) {\n",
    "for (let i = 0; i < items.length; i++) {\n",
    "<|fim_prefix|>export function clamp(x: number, lo: number, hi: number): number {\n  return <|fim_suffix|>;\n}\n<|fim_middle|>",
    "<|fim_prefix|>import { readFile } from 'node:fs/promises';\n\nexport async function load(path: string) {\n  const text = <|fim_suffix|>\n  return JSON.parse(text);\n}\n<|fim_middle|>",
]


def token_bytes(tok, i):
    t = tok.id_to_tok.get(i)
    if t is None or t in tok.special:
        return None
    return bytes(U2B[c] for c in t)


def heal(tok, ids):
    """Token healing as the engine does it (engine/token-healing.ts): take back the last token when longer
    tokens start with its bytes; returns (ids, healed text, allowed first-token ids) or (ids, "", None)."""
    hb = token_bytes(tok, ids[-1]) if ids else None
    if not hb:
        return ids, "", None
    try:
        text = hb.decode("utf-8")
    except UnicodeDecodeError:
        return ids, "", None
    allowed = [i for i in range(tok.vocab_size) if (token_bytes(tok, i) or b"").startswith(hb)]
    if not any(len(token_bytes(tok, i)) > len(hb) for i in allowed):
        return ids, "", None
    return ids[:-1], text, torch.tensor(allowed)


@torch.no_grad()
def generate(model, tok, prompt, max_new, temperature, top_k, gen):
    ids, healed, allowed = heal(tok, tok.encode(prompt))
    eos = tok.special["<|endoftext|>"]
    out = []
    for _ in range(max_new):
        logits = model(torch.tensor([ids + out], dtype=torch.long))[0, -1]
        if allowed is not None and not out:
            masked = torch.full_like(logits, float("-inf"))
            masked[allowed] = logits[allowed]
            logits = masked
        if temperature <= 0:
            nxt = int(logits.argmax())
        else:
            logits = logits / temperature
            if top_k > 0:
                v, _ = logits.topk(top_k)
                logits[logits < v[-1]] = float("-inf")
            nxt = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=gen))
        if nxt == eos:
            break
        out.append(nxt)
    return tok.decode(out)[len(healed):]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--prompt", action="append", default=[])
    ap.add_argument("--max-new", type=int, default=48)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--top-k", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(2)
    model, tok = load(a.folder)
    gen = torch.Generator().manual_seed(a.seed)
    res = []
    for p in a.prompt or EXAMPLES:
        c = generate(model, tok, p, a.max_new, a.temperature, a.top_k, gen)
        res.append({"prompt": p, "completion": c})
        if not a.json:
            print("=" * 60)
            print(p + "\u2588" + c)
    if a.json:
        print(json.dumps(res, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
