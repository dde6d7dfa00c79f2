#!/usr/bin/python3
"""Byte-level BPE: trainer, Hugging Face tokenizer.json writer, and an encoder that applies
merges by rank exactly like HF `tokenizers` BPE (ByteLevel pre-tokenizer with the GPT-2 regex,
add_prefix_space false; special tokens split out first).

Train:  /usr/bin/python3 tools/train/bpe.py train --corpus /root/fanout-train/corpus/train.jsonl \
            --vocab 8192 --out /root/fanout-train/tokenizer.json
"""
import argparse
import heapq
import json
import random
import sys
from collections import Counter, defaultdict

import regex

SPECIAL_TOKENS = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>"]
GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
_pat = regex.compile(GPT2_PAT)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokenize(text):
    """GPT-2 regex split, then map each piece's UTF-8 bytes to the byte-level alphabet."""
    return ["".join(B2U[b] for b in m.encode("utf-8")) for m in _pat.findall(text)]


# ----------------------------------------------------------------------------- training
def train(texts, vocab_size, log=print):
    n_merges = vocab_size - 256 - len(SPECIAL_TOKENS)
    wc = Counter()
    for t in texts:
        wc.update(pretokenize(t))
    log(f"unique pre-tokens: {len(wc)}")
    words = [list(w) for w in wc]
    counts = [wc[w] for w in wc]
    pair_counts = defaultdict(int)
    where = defaultdict(set)  # pair -> word indices containing it
    for i, w in enumerate(words):
        c = counts[i]
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += c
            where[(a, b)].add(i)
    # max-heap with lazy invalidation; ties broken by lexicographically smallest pair
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < n_merges and heap:
        negc, p = heapq.heappop(heap)
        cur = pair_counts.get(p, 0)
        if cur <= 0:
            continue
        if -negc != cur:
            heapq.heappush(heap, (-cur, p))
            continue
        a, b = p
        new = a + b
        merges.append(p)
        changed = set()
        for i in list(where[p]):
            w = words[i]
            c = counts[i]
            # remove old pair counts of this word
            for x, y in zip(w, w[1:]):
                pair_counts[(x, y)] -= c
            j = 0
            out = []
            while j < len(w):
                if j < len(w) - 1 and w[j] == a and w[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                pair_counts[(x, y)] += c
                where[(x, y)].add(i)
                changed.add((x, y))
        del where[p]
        pair_counts.pop(p, None)
        for q in changed:
            if pair_counts.get(q, 0) > 0:
                heapq.heappush(heap, (-pair_counts[q], q))
        if len(merges) % 500 == 0:
            log(f"merges {len(merges)}/{n_merges}  last={a!r}+{b!r} count={cur}")
    return merges


def build_tokenizer_json(merges):
    vocab = {}
    for b in range(256):
        vocab[B2U[b]] = len(vocab)
    # keep byte tokens in byte order (id == byte value), GPT-2 style order otherwise irrelevant
    vocab = {B2U[b]: b for b in range(256)}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    base = len(vocab)
    added = []
    for k, s in enumerate(SPECIAL_TOKENS):
        added.append({"id": base + k, "content": s, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True})
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


# ----------------------------------------------------------------------------- encoding
class Tokenizer:
    def __init__(self, path):
        tj = json.load(open(path, encoding="utf-8"))
        m = tj["model"]
        self.vocab = dict(m["vocab"])
        merges = [tuple(x.split(" ")) if isinstance(x, str) else tuple(x) for x in m["merges"]]
        self.ranks = {p: i for i, p in enumerate(merges)}
        self.special = {t["content"]: t["id"] for t in tj["added_tokens"]}
        self.id_to_tok = {i: t for t, i in self.vocab.items()}
        for s, i in self.special.items():
            self.id_to_tok[i] = s
        self.vocab_size = max(self.id_to_tok) + 1
        self.cache = {}
        self._special_re = regex.compile("(" + "|".join(regex.escape(s) for s in self.special) + ")")

    def bpe(self, word):
        """Merge lowest-rank adjacent pair repeatedly (all its non-overlapping occurrences,
        left to right) — identical results to HF BPE's priority-queue merge."""
        r = self.cache.get(word)
        if r is not None:
            return r
        parts = list(word)
        ranks = self.ranks
        while len(parts) > 1:
            best, bi = None, -1
            for i in range(len(parts) - 1):
                rk = ranks.get((parts[i], parts[i + 1]))
                if rk is not None and (best is None or rk < best):
                    best, bi = rk, i
            if best is None:
                break
            a, b = parts[bi], parts[bi + 1]
            out = []
            i = 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == a and parts[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        if len(self.cache) < 500_000:
            self.cache[word] = ids
        return ids

    def encode_ordinary(self, text):
        """Encode text with no special-token matching (corpus text)."""
        out = []
        for w in pretokenize(text):
            out.extend(self.bpe(w))
        return out

    def encode(self, text):
        """Like HF: special tokens (added_tokens) are split out first, then BPE on the rest."""
        out = []
        for piece in self._special_re.split(text):
            if not piece:
                continue
            if piece in self.special:
                out.append(self.special[piece])
            else:
                out.extend(self.encode_ordinary(piece))
        return out

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            t = self.id_to_tok[int(i)]
            if t in self.special:
                bs.extend(t.encode("utf-8"))
            else:
                bs.extend(U2B[c] for c in t)
        return bs.decode("utf-8", errors="replace")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd")
    t = sub.add_parser("train")
    t.add_argument("--corpus", required=True)
    t.add_argument("--vocab", type=int, default=8192)
    t.add_argument("--max-bytes", type=int, default=30_000_000, help="train on a random sample of this many bytes")
    t.add_argument("--seed", type=int, default=1234)
    t.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "train":
        docs = [json.loads(l)["text"] for l in open(args.corpus, encoding="utf-8")]
        rng = random.Random(args.seed)
        rng.shuffle(docs)
        sel, n = [], 0
        for d in docs:
            if n >= args.max_bytes:
                break
            sel.append(d)
            n += len(d)
        print(f"training BPE on {len(sel)} docs, {n} chars", flush=True)
        merges = train(sel, args.vocab, log=lambda s: print(s, flush=True))
        tj = build_tokenizer_json(merges)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(tj, f, ensure_ascii=False)
        print(f"wrote {args.out}: vocab {len(tj['model']['vocab'])} + {len(tj['added_tokens'])} special")
    else:
        ap.print_help()


if __name__ == "__main__":
    main()
