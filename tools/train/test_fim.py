#!/usr/bin/python3
"""Self-check of the cursor-style FIM stream (fim.py, train.Stream): split points, token layout,
loss mask, determinism and resume. Usage:
    /usr/bin/python3 tools/train/test_fim.py [tokenizer.json] [--dump FILE]
(default tokenizer: models/fanout-code-4m/tokenizer.json). --dump writes decoded samples to FILE."""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fim  # noqa: E402
from bpe import Tokenizer  # noqa: E402
from train import Stream, build_cursor_val  # noqa: E402

SRC = '''import { readFile } from "node:fs/promises";

export interface Options {
  verbose?: boolean;
  retries: number;
}

export async function load(path: string, opts: Options): Promise<string[]> {
  const text = await readFile(path, "utf8");
  const lines = text.split("\\n").filter((l) => l.trim().length > 0);
  if (opts.verbose) {
    console.log(`read ${lines.length} lines from ${path}`);
  }
  for (let i = 0; i < opts.retries; i++) {
    try {
      return lines.map((l) => l.toUpperCase());
    } catch (err) {
      console.error(err);
    }
  }
  return [];
}

function App({ title }) {
  const [count, setCount] = useState(0);
  return (
    <div className="app">
      <h1>{title}</h1>
      <button onClick={() => setCount(count + 1)}>{count}</button>
    </div>
  );
}
'''


def main():
    argv = sys.argv[1:]
    dump = None
    if "--dump" in argv:
        i = argv.index("--dump")
        dump = argv[i + 1]
        del argv[i:i + 2]
    tokp = argv[0] if argv else os.path.join(HERE, "..", "..", "models", "fanout-code-4m", "tokenizer.json")
    tok = Tokenizer(tokp)
    fp, fs, fm, eos = (tok.special[k] for k in ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|endoftext|>"))

    # 1. split points: non-empty, short middles; each kind is reachable
    rng = random.Random(0)
    kinds = {}
    for _ in range(3000):
        sp = fim.cursor_split(SRC, rng)
        assert sp is not None
        a, b, kind = sp
        mid = SRC[a:b]
        assert 0 <= a < b <= len(SRC) and mid.strip() and len(mid) <= fim.MAX_MIDDLE, (a, b, kind)
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind in ("indent_line", "indent_block", "block_body"):
            assert a == 0 or SRC[a - 1] in " \t\n", (kind, SRC[a - 5:a + 5])  # after the indentation
            assert SRC[a] not in " \t\n"
        if kind in ("indent_line", "eol_next", "indent_block", "block_body", "mid_ident"):
            assert b == len(SRC) or SRC[b] == "\n", (kind, repr(mid))  # ends at a line end
        if kind == "eol_next":
            assert mid.startswith("\n") and "\n" not in mid[1:]
        if kind == "indent_block":
            assert mid.rstrip().endswith(("}", ")", "]", "};", "});", ");", "],")), repr(mid)
        if kind == "block_body":
            assert SRC[:a].rstrip(" ").endswith("{\n") or "\n" in SRC[a - 40:a]
        if kind == "mid_ident":
            assert SRC[a - 1].isalnum() or SRC[a - 1] in "_$"
    assert set(kinds) == {k for k, _ in fim.KINDS}, kinds

    # 2. stream layout and mask: FIM samples are fp pre fs suf fm mid eos, loss on mid + eos only
    docs = [SRC * 3, SRC.replace("count", "total"), SRC[:500]] * 8
    st = Stream(docs, tok, 1, fim_rate=0.75, cursor=True, fim_piece=(300, 900), piece_chars=1500)
    n_cursor = 0
    lines = []
    for d in docs[:6]:
        for ids, m, kind in st.segments(d):
            assert len(ids) == len(m)
            if kind == "plain":
                assert all(m)
                continue
            assert ids[0] == fp and ids.count(fs) == 1 and ids.count(fm) == 1 and ids[-1] == eos
            i_fs, i_fm = ids.index(fs), ids.index(fm)
            if kind == "uniform":
                assert all(m)  # old objective (no --mask-uniform)
            else:
                n_cursor += 1
                assert m == [0] * (i_fm + 1) + [1] * (len(ids) - i_fm - 1), kind
            pre, suf, mid = tok.decode(ids[1:i_fs]), tok.decode(ids[i_fs + 1:i_fm]), tok.decode(ids[i_fm + 1:-1])
            assert pre + mid + suf in d  # the three parts re-join into a piece of the document
            # prefix, suffix and middle were encoded separately
            assert ids[1:i_fs] == tok.encode_ordinary(pre) and ids[i_fm + 1:-1] == tok.encode_ordinary(mid)
            lines.append(f"===== {kind}\n{pre[-300:]}<CURSOR>{suf[:120]}\n----- middle:\n{mid}\n")
    assert n_cursor > 5

    # 3. determinism and resume (state() / load_state() mid-stream)
    a = Stream(docs, tok, 5, fim_rate=0.75, cursor=True)
    b = Stream(docs, tok, 5, fim_rate=0.75, cursor=True)
    for _ in range(3):
        a.batch(2, 128)
        b.batch(2, 128)
    s = a.state()
    xa = [a.batch(2, 128) for _ in range(5)]
    c = Stream(docs, tok, 5, fim_rate=0.75, cursor=True)
    c.load_state(s)
    xc = [c.batch(2, 128) for _ in range(5)]
    for (x1, y1, w1), (x2, y2, w2) in zip(xa, xc):
        assert x1.equal(x2) and y1.equal(y2) and w1.equal(w2)
    x, y, w = xa[0]
    assert x.shape == y.shape == w.shape == (2, 128)
    assert (x[:, 1:] == y[:, :-1]).all()
    assert 0 < w.mean() < 1

    # 4. legacy stream unchanged in kind: uniform FIM, loss everywhere
    lg = Stream(docs, tok, 5, fim_rate=0.5)
    _, _, wl = lg.batch(2, 256)
    assert wl.min() == 1

    # 5. validation samples: deterministic, cursor kinds only
    v1 = build_cursor_val(docs, tok, 10, 7)
    v2 = build_cursor_val(docs, tok, 10, 7)
    assert v1 == v2 and len(v1) == 10 and all(k not in ("plain", "uniform") for _, _, k in v1)
    if dump:
        with open(dump, "w") as f:
            f.write("\n".join(lines))
    print(f"ok: kinds {kinds}; {n_cursor} cursor samples checked")


if __name__ == "__main__":
    main()
