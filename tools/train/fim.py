"""Cursor-style fill-in-the-middle split points (where a cursor stands in real editing).

cursor_split(piece, rng) returns (a, b, kind): the sample is
    prefix = piece[:a], middle = piece[a:b], suffix = piece[b:]
with a non-empty middle of one line up to one block (at most MAX_MIDDLE characters), or None when
the piece has no usable position (the caller then falls back to a uniform split).

Kinds (weights in KINDS):
  eol_next     cursor at the end of a line (before its newline); middle = newline + the next line
  indent_line  cursor after the indentation of a line; middle = the rest of that line
  indent_block cursor after the indentation of a line that opens a block ({ ( [ at its end);
               middle = that line through the line that closes it (through the end of an
               `} else {` / `} catch {` chain)
  block_body   cursor at a block's first line (after `{` newline + indentation); middle = the block
               body up to the end of the line before the closing line (or only its first line when
               the body is long)
  expr         cursor inside an expression, just after `=`, `(`, `,`, `.`, `:`, an operator or
               a space after one; middle = the rest of the line, sometimes leaving auto-closed
               brackets / `;` in the suffix as an editor would
  mid_ident    cursor inside an identifier (at least one character typed); middle = rest of line
"""
import re

MAX_MIDDLE = 400      # characters
MAX_LINE = 240        # lines longer than this are not used as one-line middles
KINDS = (("eol_next", 0.17), ("indent_line", 0.22), ("indent_block", 0.10), ("block_body", 0.15),
         ("expr", 0.26), ("mid_ident", 0.10))
EXPR_AFTER = set("=(,.:[{+-*/<>!&|?")
OPENERS = ("{", "(", "[")
CLOSERS = set(")]};,")
IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{2,}")


def _lines(p):
    """[(start, end)] of each line (end = index of its newline or len(p))."""
    out, s = [], 0
    while True:
        e = p.find("\n", s)
        if e < 0:
            out.append((s, len(p)))
            return out
        out.append((s, e))
        s = e + 1


def _indent(p, s, e):
    i = s
    while i < e and p[i] in " \t":
        i += 1
    return i - s


def _closing_line(p, L, i):
    """Index k > i of the line closing the block opened at the end of line i: the first later
    non-blank line indented no deeper than line i, which must start with a closer."""
    s, e = L[i]
    ind = _indent(p, s, e)
    for k in range(i + 1, len(L)):
        ks, ke = L[k]
        kind_ = _indent(p, ks, ke)
        if kind_ == ke - ks:  # blank line
            continue
        if kind_ <= ind:
            return k if p[ks + kind_] in ")]}" else None
        if ke - s > MAX_MIDDLE * 4:
            return None
    return None


def _content(p, L, i):
    s, e = L[i]
    return s + _indent(p, s, e), e


def _pick(rng, xs):
    return xs[rng.randrange(len(xs))] if xs else None


def _eol_next(p, L, rng):
    c = [i for i in range(len(L) - 1)
         if L[i][1] > _content(p, L, i)[0] and _content(p, L, i + 1)[0] < L[i + 1][1] <= L[i + 1][0] + MAX_LINE]
    i = _pick(rng, c)
    return None if i is None else (L[i][1], L[i + 1][1])


def _indent_line(p, L, rng):
    c = [i for i in range(len(L)) if _content(p, L, i)[0] < L[i][1] <= L[i][0] + MAX_LINE]
    i = _pick(rng, c)
    return None if i is None else (_content(p, L, i)[0], L[i][1])


def _opens(p, L, i):
    a, e = _content(p, L, i)
    t = p[a:e].rstrip()
    return a < e and t.endswith(OPENERS) and not t.startswith(("//", "*", "/*"))


def _indent_block(p, L, rng):
    c = [i for i in range(len(L) - 1) if _opens(p, L, i)]
    rng.shuffle(c)
    for i in c[:8]:
        k = _closing_line(p, L, i)
        for _ in range(4):  # `} else {`, `} catch (e) {`: the middle runs to the end of the chain
            if k is None or not _opens(p, L, k):
                break
            k = _closing_line(p, L, k)
        if k is not None and k > i + 1:
            a, b = _content(p, L, i)[0], L[k][1]
            if b - a <= MAX_MIDDLE:
                return a, b
    return None


def _block_body(p, L, rng):
    c = [i for i in range(len(L) - 2) if _opens(p, L, i) and p[_content(p, L, i)[0]:L[i][1]].rstrip().endswith("{")]
    rng.shuffle(c)
    for i in c[:8]:
        k = _closing_line(p, L, i)
        if k is None or k < i + 2:
            continue
        j = i + 1
        while j < k and _content(p, L, j)[0] == L[j][1]:  # skip blank lines after the opener
            j += 1
        if j >= k:
            continue
        a = _content(p, L, j)[0]
        b = L[k - 1][1]
        if b - a > MAX_MIDDLE or rng.random() < 0.25:  # long body, or sometimes: the first line only
            b = L[j][1]
            if b - a > MAX_LINE:
                continue
        return a, b
    return None


def _expr(p, L, rng):
    c = []
    for i in range(len(L)):
        a0, e = _content(p, L, i)
        if e - L[i][0] > MAX_LINE or e - a0 < 4:
            continue
        if p.startswith(("//", "/*", "*"), a0):
            continue
        for x in range(a0 + 1, e):
            if p[x] == " " or p[x] in CLOSERS:
                continue
            pc = p[x - 1]
            if pc in EXPR_AFTER or (pc == " " and p[x - 2] in EXPR_AFTER and x - 2 >= a0):
                c.append((x, e))
    ab = _pick(rng, c)
    if ab is None:
        return None
    a, b = ab
    if rng.random() < 0.3:  # an editor has auto-closed the brackets: they stay in the suffix
        bb = b
        while bb > a + 1 and p[bb - 1] in CLOSERS:
            bb -= 1
        b = bb
    return a, b


def _mid_ident(p, L, rng):
    c = []
    for i in range(len(L)):
        a0, e = _content(p, L, i)
        if e - L[i][0] > MAX_LINE:
            continue
        for m in IDENT.finditer(p, a0, e):
            c.append((m.start(), m.end(), e))
    t = _pick(rng, c)
    if t is None:
        return None
    s, we, e = t
    return rng.randint(s + 1, we - 1), e


FUNCS = {"eol_next": _eol_next, "indent_line": _indent_line, "indent_block": _indent_block,
         "block_body": _block_body, "expr": _expr, "mid_ident": _mid_ident}


def draw_kind(rng):
    r, acc = rng.random(), 0.0
    for k, w in KINDS:
        acc += w
        if r < acc:
            return k
    return KINDS[-1][0]


def cursor_split(p, rng, tries=3):
    """(a, b, kind) or None; see the module docstring."""
    L = _lines(p)
    for _ in range(tries):
        kind = draw_kind(rng)
        ab = FUNCS[kind](p, L, rng)
        if ab is not None:
            a, b = ab
            if 0 <= a < b <= len(p) and b - a <= MAX_MIDDLE and p[a:b].strip():
                return a, b, kind
    return None
