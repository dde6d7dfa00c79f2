#!/usr/bin/python3
"""Export a training checkpoint to a Hugging Face-style model folder:
   config.json, tokenizer.json, model.safetensors (float16), training_state.json

Usage: /usr/bin/python3 tools/train/export.py --ckpt /root/fanout-train/run/ckpt.pt \
           --tokenizer /root/fanout-train/tokenizer.json --out models/fanout-code-4m
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, np.ndarray float16). Format: u64 LE header length, JSON header, raw data."""
    header, offset, blobs = {}, 0, []
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr)
        assert arr.dtype == np.float16
        b = arr.tobytes()  # little-endian on x86/arm
        header[name] = {"dtype": "F16", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    if metadata:
        header["__metadata__"] = metadata
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - len(hj) % 8) % 8)  # pad so tensor data is 8-byte aligned
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        assert info["dtype"] == "F16"
        out[name] = np.frombuffer(data[a:b], dtype=np.float16).reshape(info["shape"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="/root/fanout-train/run/ckpt.pt")
    ap.add_argument("--tokenizer", default="/root/fanout-train/tokenizer.json")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    s = torch.load(a.ckpt, map_location="cpu")
    cfg = dict(s["config"])
    # RoPE has no learned positions; advertise only the context length actually trained.
    cfg["max_position_embeddings"] = max(s["args"]["seq_len"], s["args"]["seq_len_final"])
    os.makedirs(a.out, exist_ok=True)
    sd = s["model"]
    names = ["model.embed_tokens.weight"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        names += [p + "input_layernorm.weight"]
        names += [p + f"self_attn.{x}_proj.weight" for x in "qkvo"]
        names += [p + "post_attention_layernorm.weight"]
        names += [p + f"mlp.{x}_proj.weight" for x in ("gate", "up", "down")]
    names += ["model.norm.weight"]
    if not cfg.get("tie_word_embeddings", True):
        names += ["lm_head.weight"]
    missing = set(sd) - set(names)
    assert not missing, f"unexported tensors: {missing}"
    tensors = [(n, sd[n].float().numpy().astype(np.float16)) for n in names]
    for n, t in tensors:
        assert np.isfinite(t).all(), f"non-finite values in {n} after f16 conversion"
    write_safetensors(os.path.join(a.out, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    shutil.copyfile(a.tokenizer, os.path.join(a.out, "tokenizer.json"))
    ex = s.get("extra", {})
    st = {
        "step": s["step"], "total_steps": s["args"]["total_steps"], "tokens_seen": ex.get("tokens_seen"),
        "train_seconds": round(ex.get("train_seconds", 0.0)), "evals": ex.get("evals", []),
        "args": s["args"], "n_params": int(sum(v.numel() for v in sd.values())),
        # phases started with train.py --init-from (each a new step count, data order and LR schedule)
        "phases": [{"from_step": p["from_step"], "tokens_seen": p["tokens_seen"],
                    "bf16": p["args"].get("bf16", False), "total_steps": p["args"]["total_steps"]}
                   for p in ex.get("phases", [])],
    }
    with open(os.path.join(a.out, "training_state.json"), "w") as f:
        json.dump(st, f, indent=1)
        f.write("\n")
    # round-trip check
    back = read_safetensors(os.path.join(a.out, "model.safetensors"))
    for n, t in tensors:
        assert np.array_equal(back[n], t)
    print(f"exported step {s['step']} ({st['n_params']} params, tokens_seen {st['tokens_seen']}) to {a.out}")


if __name__ == "__main__":
    main()
