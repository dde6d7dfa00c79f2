#!/usr/bin/python3
"""Train the Fanout default code model (Llama architecture, FIM objective) on CPU.

Resumable: a checkpoint (model + optimizer + step + data-loader position + all RNG states) is
written to --ckpt-dir every --ckpt-minutes, on SIGTERM/SIGINT, and when --stop-at is reached.
Re-running the same command resumes from --ckpt-dir/ckpt.pt automatically.

See tools/train/README.md for the exact commands.
"""
import argparse
import hashlib
import datetime as dt
import json
import math
import os
import random
import signal
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import Tokenizer  # noqa: E402
from model import Llama, make_config  # noqa: E402
import fim as fim_mod  # noqa: E402

SIZES = {
    # name: (d_model, layers, heads, ffn)
    "4m": (192, 6, 3, 512),      # 4.23M params with vocab 8192 (shipped)
    "3m": (160, 6, 5, 448),
    "5m4": (256, 4, 4, 688),
    "5m": (256, 6, 8, 688),
    "6m": (256, 6, 8, 768),
    "8m": (320, 6, 10, 864),
}


def log(msg, f=None):
    line = f"[{dt.datetime.utcnow().strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)


# ----------------------------------------------------------------------------- data
class Stream:
    """Deterministic, resumable stream of training token sequences with a per-token loss mask.

    Each document is cut into pieces (cut just before a newline that follows a non-space
    character, so pre-tokenization of the pieces equals that of the whole). Each piece
    independently becomes, with probability fim_rate, a FIM sample in PSM order
        <|fim_prefix|> prefix <|fim_suffix|> suffix <|fim_middle|> middle <|endoftext|>
    (prefix, suffix and middle encoded separately, as the engine encodes prefix and suffix);
    otherwise it is plain text (and the document's last piece is followed by <|endoftext|>).
    Tokens are packed into one stream and cut into sequences of the requested length.

    legacy (cursor=False): pieces of piece_chars, FIM split at two uniformly random character
    positions, loss on every token (phases 1-5 of fanout-code-4m; also the old validation metric).

    cursor=True: the piece length is drawn per piece: piece_chars for plain text, uniform in
    fim_piece for FIM samples (shorter, so more of each FIM sample's tokens carry loss). A FIM
    piece is split where a cursor stands in real editing (fim.cursor_split, one line to one block)
    with probability cursor_frac, else uniformly. Loss mask: cursor-style samples train only on the
    middle tokens and the closing <|endoftext|> (mask_fim); uniform samples train on every token
    (mask_uniform=False keeps the old objective for them); plain text trains on every token.
    """

    def __init__(self, docs, tok, seed, fim_rate=0.5, piece_chars=4000, cursor=False, cursor_frac=0.85,
                 fim_piece=(400, 2400), mask_fim=True, mask_uniform=False):
        self.docs, self.tok = docs, tok
        self.fim_rate, self.piece_chars = fim_rate, piece_chars
        self.cursor, self.cursor_frac, self.fim_piece = cursor, cursor_frac, tuple(fim_piece)
        self.mask_fim, self.mask_uniform = mask_fim, mask_uniform
        self.eos = tok.special["<|endoftext|>"]
        self.fp, self.fm, self.fs = (tok.special["<|fim_prefix|>"], tok.special["<|fim_middle|>"],
                                     tok.special["<|fim_suffix|>"])
        self.seed = seed
        self.epoch, self.pos = 0, 0
        self.rng = random.Random(seed * 1000003 + 7)
        self.buf, self.mbuf = [], []
        self.docs_done = 0
        self.kinds = {}
        self.order = self._order()

    def _order(self):
        o = list(range(len(self.docs)))
        random.Random(self.seed + 7919 * self.epoch).shuffle(o)
        return o

    def state(self):
        return {"epoch": self.epoch, "pos": self.pos, "rng": self.rng.getstate(), "buf": list(self.buf),
                "mbuf": bytes(self.mbuf), "docs_done": self.docs_done, "kinds": dict(self.kinds)}

    def load_state(self, s):
        self.epoch, self.pos = s["epoch"], s["pos"]
        self.rng.setstate(s["rng"])
        self.buf = list(s["buf"])
        self.mbuf = list(s["mbuf"]) if "mbuf" in s else [1] * len(self.buf)
        self.docs_done = s["docs_done"]
        self.kinds = dict(s.get("kinds", {}))
        self.order = self._order()

    @staticmethod
    def _cut(text, start, size):
        """End of the piece starting at start: just before a newline that follows a non-space
        character, in the last 3/4 of size; size characters if there is none."""
        if len(text) - start <= size:
            return len(text)
        end = start + size
        j = text.rfind("\n", start + size // 4, end)
        while j > start:
            if not text[j - 1].isspace():
                return j
            j = text.rfind("\n", start + size // 4, j - 1)
        return end

    def pieces(self, text):
        out, start = [], 0
        while start < len(text):
            cut = self._cut(text, start, self.piece_chars)
            out.append(text[start:cut])
            start = cut
        return out or [""]

    def fim_ids(self, pre, suf, mid):
        te = self.tok.encode_ordinary
        head = [self.fp] + te(pre) + [self.fs] + te(suf) + [self.fm]
        return head, te(mid) + [self.eos]

    def segments(self, text):
        """[(ids, mask, kind)] for one document; kind is 'plain', 'uniform' or a fim.cursor_split kind."""
        segs = []
        te = self.tok.encode_ordinary
        if not self.cursor:
            ps = self.pieces(text)
            for k, p in enumerate(ps):
                if len(p) >= 2 and self.rng.random() < self.fim_rate:
                    a, b = sorted((self.rng.randint(0, len(p)), self.rng.randint(0, len(p))))
                    head, tail = self.fim_ids(p[:a], p[b:], p[a:b])
                    segs.append((head + tail, [1] * (len(head) + len(tail)), "uniform"))
                else:
                    ids = te(p) + ([self.eos] if k == len(ps) - 1 else [])
                    segs.append((ids, [1] * len(ids), "plain"))
            return segs
        start, n = 0, len(text)
        while True:
            fim = self.rng.random() < self.fim_rate
            size = self.rng.randint(*self.fim_piece) if fim else self.piece_chars
            cut = self._cut(text, start, size)
            p = text[start:cut]
            start = cut
            last = start >= n
            if fim and len(p) >= 2:
                sp = fim_mod.cursor_split(p, self.rng) if self.rng.random() < self.cursor_frac else None
                if sp is None:
                    a, b = sorted((self.rng.randint(0, len(p)), self.rng.randint(0, len(p))))
                    kind, masked = "uniform", self.mask_uniform
                else:
                    a, b, kind = sp
                    masked = self.mask_fim
                head, tail = self.fim_ids(p[:a], p[b:], p[a:b])
                segs.append((head + tail, [0 if masked else 1] * len(head) + [1] * len(tail), kind))
            else:
                ids = te(p) + ([self.eos] if last else [])
                segs.append((ids, [1] * len(ids), "plain"))
            if last:
                return segs

    def encode_doc(self, text):
        ids, mask = [], []
        for s, m, kind in self.segments(text):
            ids += s
            mask += m
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return ids, mask

    def next_seq(self, T):
        """T+1 token ids and their T+1 loss-mask bits (bit j: token j is a training target)."""
        while len(self.buf) < T + 1:
            if self.pos >= len(self.order):
                self.epoch += 1
                self.pos = 0
                self.order = self._order()
            d = self.docs[self.order[self.pos]]
            self.pos += 1
            self.docs_done += 1
            ids, mask = self.encode_doc(d)
            self.buf.extend(ids)
            self.mbuf.extend(mask)
        seq, m = self.buf[:T + 1], self.mbuf[:T + 1]
        self.buf, self.mbuf = self.buf[T:], self.mbuf[T:]  # overlap by one token: the target of the last position
        return seq, m

    def batch(self, B, T):
        rows = [self.next_seq(T) for _ in range(B)]
        x = torch.tensor([r[0] for r in rows], dtype=torch.long)
        w = torch.tensor([r[1] for r in rows], dtype=torch.float32)
        return x[:, :-1], x[:, 1:], w[:, 1:]


def load_docs(path):
    docs = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        docs.append(r["text"])
    return docs


def build_val(val_docs, tok, n_plain, n_fim, T, seed):
    """The validation sets of phases 1-5: plain text and uniform-split FIM (loss on all tokens)."""
    plain = Stream(val_docs, tok, seed, fim_rate=0.0)
    fim = Stream(val_docs, tok, seed + 1, fim_rate=1.0)
    P = [plain.next_seq(T)[0] for _ in range(n_plain)]
    Fs = [fim.next_seq(T)[0] for _ in range(n_fim)]
    return torch.tensor(P, dtype=torch.long), torch.tensor(Fs, dtype=torch.long)


def build_cursor_val(val_docs, tok, n, seed, max_tokens=1024, per_doc=2):
    """n cursor-style FIM samples (unpacked, one prompt each, like the engine's requests) from
    shuffled held-out documents, at most per_doc per document: [(ids, mask, kind)]."""
    st = Stream(val_docs, tok, seed, fim_rate=1.0, cursor=True, cursor_frac=1.0)
    order = list(range(len(val_docs)))
    random.Random(seed).shuffle(order)
    out = []
    for i in order:
        segs = [s for s in st.segments(val_docs[i]) if s[2] not in ("plain", "uniform") and len(s[0]) <= max_tokens]
        out += segs[:per_doc]
        if len(out) >= n:
            break
    return out[:n]


@torch.no_grad()
def eval_cursor(model, samples, tok, bs=8, bf16=False):
    """Loss on the middle tokens (+ closing <|endoftext|>) of cursor-style FIM samples:
    nats per token, bits per middle byte, and the loss per kind."""
    model.eval()
    specials = set(tok.special.values())
    order = sorted(range(len(samples)), key=lambda i: len(samples[i][0]))
    tot, n, nbytes, per = 0.0, 0, 0, {}
    for j in range(0, len(order), bs):
        grp = [samples[i] for i in order[j:j + bs]]
        T = max(len(s[0]) for s in grp)
        x = torch.full((len(grp), T), tok.special["<|endoftext|>"], dtype=torch.long)
        w = torch.zeros((len(grp), T), dtype=torch.float32)
        for r, (ids, m, _) in enumerate(grp):
            x[r, :len(ids)] = torch.tensor(ids)
            w[r, :len(m)] = torch.tensor(m, dtype=torch.float32)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(x[:, :-1])
        ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                             reduction="none").view(len(grp), T - 1) * w[:, 1:]
        for r, (ids, m, kind) in enumerate(grp):
            l, c = ce[r].sum().item(), int(sum(m[1:]))
            tot += l
            n += c
            mid = [t for t, b in zip(ids, m) if b and t not in specials]
            nbytes += len(tok.decode(mid).encode("utf-8"))
            pk = per.setdefault(kind, [0.0, 0])
            pk[0] += l
            pk[1] += c
    model.train()
    return {"cursor_fim_loss": tot / max(1, n), "cursor_fim_bpb": tot / math.log(2) / max(1, nbytes),
            "cursor_fim_tokens": n, "cursor_fim_samples": len(samples),
            "cursor_fim_by_kind": {k: round(v[0] / max(1, v[1]), 4) for k, v in sorted(per.items())}}


@torch.no_grad()
def evaluate(model, P, Fs, tok, bs=8, cursor=None):
    model.eval()
    out = {}
    for name, data in (("plain", P), ("fim", Fs)):
        tot, n, nbytes = 0.0, 0, 0
        for i in range(0, len(data), bs):
            x, y = data[i:i + bs, :-1], data[i:i + bs, 1:]
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
            tot += loss.item()
            n += y.numel()
            if name == "plain":
                for row in y.tolist():
                    nbytes += len(tok.decode([t for t in row if t not in tok.special.values()]).encode("utf-8"))
        out[name + "_loss"] = tot / n
        if name == "plain":
            out["plain_bpb"] = tot / math.log(2) / nbytes
            out["plain_bytes_per_token"] = nbytes / n
    if cursor:
        out.update(eval_cursor(model, cursor, tok, bs=bs))
    model.train()
    return out


# ----------------------------------------------------------------------------- training
def lr_at(step, a, progress=None):
    """Linear warm-up over a.warmup steps, then cosine to a.min_lr_frac * a.lr. The cosine runs over
    the steps (warmup..total_steps), or, with --time-schedule, over progress in [0, 1]: the share of
    the phase's wall-clock time to --stop-at that has passed."""
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    if progress is None:
        p = min(1.0, (step - a.warmup) / max(1, a.total_steps - a.warmup))
    else:
        p = min(1.0, max(0.0, progress))
    return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * p)))


def shape_at(step, a, progress=None):
    """(batch, seq_len): mostly seq_len, last final_frac of the run (steps, or wall-clock progress
    with --time-schedule) at seq_len_final (same tokens/step)."""
    late = (progress >= 1 - a.final_frac) if progress is not None else step >= int(a.total_steps * (1 - a.final_frac))
    if late and a.final_frac > 0 and a.seq_len_final > a.seq_len:
        return max(1, a.batch * a.seq_len // a.seq_len_final), a.seq_len_final
    return a.batch, a.seq_len


def native_bf16():
    """Whether the CPU multiplies bfloat16 in hardware (Intel AMX or AVX512-BF16), as oneDNN needs for --bf16 to pay."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = f.read()
    except OSError:
        return True  # cannot tell (not Linux): let the user decide
    return "amx_bf16" in flags or "avx512_bf16" in flags


def lm_loss(model, x, y, bf16, w=None):
    """Mean next-token cross-entropy (nats) over the targets with w == 1 (all when w is None).
    x, y: [B, T] int64; w: [B, T] float 0/1 loss mask.

    bf16: run the forward under CPU autocast, so matmuls run in bfloat16 (oneDNN uses AMX/AVX512-BF16
    where the CPU has it: ~8x the f32 tokens/s on this machine's Xeon) while parameters, optimizer
    state, RMSNorm/softmax and the loss stay float32."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        logits = model(x)
    if w is None:
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))
    ce = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="none")
    return (ce * w.reshape(-1)).sum() / w.sum().clamp(min=1.0)


def save_ckpt(path, model, opt, step, stream, a, extra):
    state = {
        "model": model.state_dict(), "opt": opt.state_dict(), "step": step,
        "stream": stream.state(), "py_rng": random.getstate(), "torch_rng": torch.get_rng_state(),
        "config": model.cfg, "args": vars(a), "extra": extra,
    }
    tmp = path + ".tmp"
    torch.save(state, tmp)
    if os.path.exists(path):
        os.replace(path, path.replace(".pt", ".prev.pt"))
    os.replace(tmp, path)


def load_hf(model, d):
    """Load an exported folder (config.json + float16 model.safetensors, export.py's format) into
    model (float32). The architecture must match except the advertised context length."""
    from export import read_safetensors
    hf = json.load(open(os.path.join(d, "config.json")))
    mine = dict(model.cfg)
    for k in set(hf) | set(mine):
        if k in ("max_position_embeddings", "torch_dtype"):
            continue
        if hf.get(k) != mine.get(k):
            sys.exit(f"--init-from-hf {d}: config.json {k}={hf.get(k)!r} differs from this --size ({mine.get(k)!r})")
    sd = read_safetensors(os.path.join(d, "model.safetensors"))
    own = model.state_dict()
    missing = set(own) - set(sd)
    extra = set(sd) - set(own)
    if extra or (missing - {"lm_head.weight"}):
        sys.exit(f"--init-from-hf {d}: tensors differ: missing {sorted(missing)}, unexpected {sorted(extra)}")
    model.load_state_dict({k: torch.from_numpy(v.astype("float32")) for k, v in sd.items()}, strict=False)
    with open(os.path.join(d, "model.safetensors"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    ts_path = os.path.join(d, "training_state.json")
    ts = json.load(open(ts_path)) if os.path.exists(ts_path) else {}
    return digest, ts


def bench(a):
    torch.manual_seed(0)
    for name in a.bench_sizes.split(","):
        d, L, H, ffn = SIZES[name]
        cfg = make_config(a.vocab_size_bench, d, L, H, ffn, 0)
        m = Llama(cfg)
        opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
        T = a.seq_len
        x = torch.randint(0, cfg["vocab_size"], (a.batch, T + 1))
        t0, toks, steps = time.time(), 0, 0
        while time.time() - t0 < a.bench:
            loss = lm_loss(m, x[:, :-1], x[:, 1:], a.bf16)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            steps += 1
            toks += a.batch * T
            if steps == 1:
                t0, toks = time.time(), 0  # exclude warm-up step
        el = time.time() - t0
        log(f"bench {name}: params {m.n_params()/1e6:.2f}M  batch {a.batch}x{T}  {toks/max(el,1e-9):.0f} tok/s  ({steps} steps)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/root/fanout-train/corpus")
    ap.add_argument("--tokenizer", default="/root/fanout-train/tokenizer.json")
    ap.add_argument("--ckpt-dir", default="/root/fanout-train/run")
    ap.add_argument("--size", default="5m", choices=sorted(SIZES))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=512)
    ap.add_argument("--seq-len-final", type=int, default=1024)
    ap.add_argument("--final-frac", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--min-lr-frac", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--total-steps", type=int, default=1500)
    ap.add_argument("--fim-rate", type=float, default=0.5)
    ap.add_argument("--cursor-fim", action="store_true", help="cursor-style FIM splits and loss mask (fim.py), "
                    "see Stream; without it the phase 1-5 uniform FIM with loss on every token")
    ap.add_argument("--cursor-frac", type=float, default=0.85, help="with --cursor-fim: share of FIM pieces split "
                    "cursor-style (the rest uniformly)")
    ap.add_argument("--fim-piece", default="400,2400", help="with --cursor-fim: FIM piece length range, characters")
    ap.add_argument("--mask-uniform", action="store_true", help="with --cursor-fim: uniform FIM samples also train "
                    "on the middle only")
    ap.add_argument("--time-schedule", action="store_true", help="cosine (and the seq-len switch) over the wall-clock "
                    "time from the phase's start to --stop-at instead of over --total-steps")
    ap.add_argument("--val-cursor", type=int, default=0, help="cursor-style FIM validation samples (middle loss)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stop-at", default="", help="UTC wall-clock deadline, e.g. 2026-11-26T16:05:00; saves and exits")
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--eval-minutes", type=float, default=15.0)
    ap.add_argument("--val-plain", type=int, default=40)
    ap.add_argument("--val-fim", type=int, default=16)
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the forward/backward matmuls")
    ap.add_argument("--init-from", default="", help="start a new phase (step 0, new data stream and schedule) "
                    "from this checkpoint's model and optimizer state; ignored when --ckpt-dir has ckpt.pt")
    ap.add_argument("--init-from-hf", default="", help="start a new phase from an exported model folder "
                    "(config.json + model.safetensors, e.g. models/fanout-code-4m): its weights in float32, a fresh "
                    "AdamW state; ignored when --ckpt-dir has ckpt.pt")
    ap.add_argument("--bench", type=float, default=0.0, help="seconds per size: measure tok/s on random data and exit")
    ap.add_argument("--bench-sizes", default="3m,4m,5m,6m")
    ap.add_argument("--vocab-size-bench", type=int, default=8192)
    a = ap.parse_args()
    if a.bf16 and not native_bf16():
        # Seen on an AMD EPYC without AMX/AVX512-BF16: bf16 autocast ran at ~42 tok/s instead of ~5,500
        # (oneDNN emulates it), 100x slower than float32 would be. Refuse rather than burn the session.
        sys.exit("--bf16: this CPU has no native bfloat16 matmul (no amx_bf16 / avx512_bf16 in /proc/cpuinfo); "
                 "autocast would be emulated and ~100x slower. Drop --bf16 (float32) on this machine.")
    torch.set_num_threads(a.threads)
    if a.bench:
        bench(a)
        return

    os.makedirs(a.ckpt_dir, exist_ok=True)
    ck = os.path.join(a.ckpt_dir, "ckpt.pt")
    stop_ts = None
    if a.stop_at:
        stop_ts = dt.datetime.fromisoformat(a.stop_at).replace(tzinfo=dt.timezone.utc).timestamp()

    tok = Tokenizer(a.tokenizer)
    eos = tok.special["<|endoftext|>"]
    random.seed(a.seed)
    torch.manual_seed(a.seed)
    d, L, H, ffn = SIZES[a.size]
    cfg = make_config(tok.vocab_size, d, L, H, ffn, eos)
    model = Llama(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    t_load = time.time()
    docs = load_docs(os.path.join(a.data, "train.jsonl"))
    val_docs = load_docs(os.path.join(a.data, "val.jsonl"))
    stream = Stream(docs, tok, a.seed, fim_rate=a.fim_rate, cursor=a.cursor_fim, cursor_frac=a.cursor_frac,
                    fim_piece=[int(x) for x in a.fim_piece.split(",")], mask_uniform=a.mask_uniform)
    VP, VF = build_val(val_docs, tok, a.val_plain, a.val_fim, 512, a.seed + 99)
    VC = build_cursor_val(val_docs, tok, a.val_cursor, a.seed + 199) if a.val_cursor else None
    with open(os.path.join(a.data, "val.jsonl"), "rb") as f:  # names the validation set in each eval record
        val_set = hashlib.sha1(f.read()).hexdigest()[:8]
    step, extra = 0, {"tokens_seen": 0, "train_seconds": 0.0, "evals": []}
    if os.path.exists(ck):
        s = torch.load(ck)
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["opt"])
        step = s["step"]
        stream.load_state(s["stream"])
        random.setstate(s["py_rng"])
        torch.set_rng_state(s["torch_rng"])
        extra = s["extra"]
        log(f"resumed from {ck} at step {step}, tokens_seen {extra['tokens_seen']}")
    elif a.init_from:
        s = torch.load(a.init_from)
        if s["config"] != cfg:
            sys.exit(f"--init-from {a.init_from}: its config differs from --size {a.size} with this tokenizer")
        model.load_state_dict(s["model"])
        opt.load_state_dict(s["opt"])
        extra = s["extra"]  # tokens_seen, train_seconds and evals stay cumulative over phases
        # the first --init-from run (run4) logged its start-of-phase eval with tokens_seen 0; drop such repeats
        extra["evals"] = [e for i, e in enumerate(extra["evals"]) if i == 0 or e["tokens_seen"] > 0]
        extra.setdefault("phases", []).append({"init_from": os.path.abspath(a.init_from), "from_step": s["step"],
                                               "tokens_seen": extra["tokens_seen"], "args": vars(a)})
        log(f"new phase from {a.init_from} (its step {s['step']}, tokens_seen {extra['tokens_seen']}); step 0 of {a.total_steps}")
    elif a.init_from_hf:
        digest, ts = load_hf(model, a.init_from_hf)
        # tokens_seen, train_seconds and the validation history carry over from the folder's training_state.json
        extra = {"tokens_seen": ts.get("tokens_seen", 0), "train_seconds": float(ts.get("train_seconds", 0.0)),
                 "evals": list(ts.get("evals", []))}
        # the folder's phases (export.py's short form) in the form export.py reads back
        extra["phases"] = [{"from_step": p["from_step"], "tokens_seen": p["tokens_seen"],
                            "args": {"total_steps": p.get("total_steps"), "bf16": p.get("bf16", False)}}
                           for p in ts.get("phases", [])]
        extra["phases"].append({"init_from_hf": os.path.abspath(a.init_from_hf), "safetensors_sha256": digest,
                                "from_step": ts.get("step"), "tokens_seen": extra["tokens_seen"],
                                "optimizer": "fresh AdamW", "args": vars(a)})
        log(f"new phase from exported weights {a.init_from_hf} (sha256 {digest[:12]}, its step {ts.get('step')}, "
            f"tokens_seen {extra['tokens_seen']}); fresh optimizer; step 0 of {a.total_steps}")
    log(f"model {a.size}: {model.n_params()/1e6:.3f}M params (tied embeddings), config {json.dumps(cfg)}")
    log(f"train docs {len(docs)}, val docs {len(val_docs)}, load {time.time()-t_load:.1f}s")
    cmd = " ".join(["setsid nohup /usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:])
    log(f"resume command: cd {os.getcwd()} && {cmd} >> {a.ckpt_dir}/train.log 2>&1 &")

    stop = {"flag": False}

    def on_sig(signum, frame):
        stop["flag"] = True
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)

    model.train()
    last_ck = last_ev = time.time()
    t_run0, secs0 = time.time(), extra["train_seconds"]
    win_t, win_tok, win_loss, win_n = time.time(), 0, 0.0, 0
    step_time = 10.0
    if step == 0 or "phase_t0" not in extra:  # wall-clock start of this phase (the --time-schedule origin)
        extra["phase_t0"] = time.time()
    if a.time_schedule and not stop_ts:
        sys.exit("--time-schedule needs --stop-at")

    def progress():
        if not a.time_schedule:
            return None
        return (time.time() - extra["phase_t0"]) / max(1.0, stop_ts - extra["phase_t0"])
    phase = 1 + len(extra.get("phases", []))  # phases started with --init-from; resumes stay in their phase
    if step == 0:
        ev = evaluate(model, VP, VF, tok, cursor=VC)
        ev.update(step=0, tokens_seen=extra["tokens_seen"], phase=phase, val_set=val_set)
        extra["evals"].append(ev)
        log(f"eval {json.dumps(ev)}")
    while step < a.total_steps:
        if stop["flag"] or (stop_ts and time.time() + step_time * 1.5 > stop_ts):
            log("stop requested / deadline reached")
            break
        ts = time.time()
        prog = progress()
        B, T = shape_at(step, a, prog)
        x, y, w = stream.batch(B, T)
        lr = lr_at(step, a, prog)
        for g in opt.param_groups:
            g["lr"] = lr
        loss = lm_loss(model, x, y, a.bf16, w if a.cursor_fim else None)
        extra["loss_tokens"] = extra.get("loss_tokens", 0) + int(w.sum().item())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        extra["tokens_seen"] += B * T
        step_time = 0.8 * step_time + 0.2 * (time.time() - ts) if step > 1 else time.time() - ts
        win_tok += B * T
        win_loss += loss.item()
        win_n += 1
        if step % 10 == 0:
            el = time.time() - win_t
            log(f"step {step}/{a.total_steps} loss {win_loss/win_n:.4f} lr {lr:.2e} gnorm {gn:.2f} "
                f"{B}x{T} {win_tok/el:.0f} tok/s tokens_seen {extra['tokens_seen']} docs {stream.docs_done}"
                + (f" progress {prog:.3f}" if prog is not None else ""))
            win_t, win_tok, win_loss, win_n = time.time(), 0, 0.0, 0
        extra["train_seconds"] = secs0 + time.time() - t_run0
        if time.time() - last_ev > a.eval_minutes * 60:
            ev = evaluate(model, VP, VF, tok, cursor=VC)
            ev.update(step=step, tokens_seen=extra["tokens_seen"], phase=phase, val_set=val_set)
            extra["evals"].append(ev)
            log(f"eval {json.dumps(ev)}")
            last_ev = time.time()
        if time.time() - last_ck > a.ckpt_minutes * 60:
            save_ckpt(ck, model, opt, step, stream, a, extra)
            log(f"checkpoint saved: {ck} (step {step})")
            last_ck = time.time()
    ev = evaluate(model, VP, VF, tok, cursor=VC)
    ev.update(step=step, tokens_seen=extra["tokens_seen"], phase=phase, val_set=val_set)
    extra["evals"].append(ev)
    log(f"eval {json.dumps(ev)}")
    extra["train_seconds"] = secs0 + time.time() - t_run0
    save_ckpt(ck, model, opt, step, stream, a, extra)
    log(f"final checkpoint saved: {ck} (step {step}/{a.total_steps}, tokens_seen {extra['tokens_seen']}, "
        f"train_seconds {extra['train_seconds']:.0f})")
    log(f"samples by kind so far in this phase's stream: {json.dumps(stream.kinds)}")
    if step >= a.total_steps or (a.time_schedule and progress() >= 1.0 - 1e-6):
        log("TRAINING COMPLETE")


if __name__ == "__main__":
    main()
