#!/usr/bin/python3
"""Write MODEL_CARD.md for an exported model folder from its training_state.json,
tools/train/manifest.json and a few greedy completions (tools/train/sample.py).

Usage: /usr/bin/python3 tools/train/make_card.py models/fanout-code-4m [--no-samples]
           [--eval EVAL.json]   # the JSON of `npx fanout eval --json --out EVAL.json`
           [--eval-old OLD.json]  # the same of the model this one replaces: figures shown old vs new
           [--val VAL.json --val-old OLD_VAL.json]  # evaluate.py of this model and of the old one
           [--old-name NAME]    # how the tables name the old model (default: "previous")
           [--note NOTE.md]     # extra lines for the Training section (e.g. the schedule as run)
           [--append MORE.md]   # a section added before Limitations (e.g. the engine's ranked samples)
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def arg_value(flag):
    """The value after `flag` on the command line, or None."""
    if flag in sys.argv:
        i = sys.argv.index(flag)
        if i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        sys.exit(f"make_card.py: {flag} needs a value")
    return None


def table(rows, new, old, old_name):
    """A markdown table of evaluate.py figures: label | old | new (bold)."""
    def get(d, key):
        if d is None:
            return None
        if isinstance(key, tuple):
            return d.get(key[0], {}).get(key[1])
        return d.get(key)
    out = [f"| | {old_name} | this model |", "|---|---|---|"] if old else ["| | this model |", "|---|---|"]
    for label, key, digits in rows:
        n, o = get(new, key), get(old, key)
        ns = "not measured" if n is None else f"**{n:.{digits}f}**"
        os_ = "not measured" if o is None else f"{o:.{digits}f}"
        out.append(f"| {label} | {os_} | {ns} |" if old else f"| {label} | {ns} |")
    return "\n".join(out) + "\n"


def main():
    folder = sys.argv[1]
    st = json.load(open(os.path.join(folder, "training_state.json")))
    cfg = json.load(open(os.path.join(folder, "config.json")))
    man = json.load(open(os.path.join(HERE, "manifest.json")))
    sm = man["summary"]
    a = st["args"]
    ev = st["evals"][-1] if st["evals"] else {}
    evj = json.load(open(arg_value("--eval"))) if arg_value("--eval") else None
    note = open(arg_value("--note")).read().strip() if arg_value("--note") else ""
    # A time-scheduled phase (--time-schedule) ends at its --stop-at deadline, not at total_steps.
    done = st["step"] >= st["total_steps"] or bool(a.get("time_schedule"))
    old_name = arg_value("--old-name") or "previous"
    evo = json.load(open(arg_value("--eval-old"))) if arg_value("--eval-old") else None
    val = json.load(open(arg_value("--val"))) if arg_value("--val") else None
    valo = json.load(open(arg_value("--val-old"))) if arg_value("--val-old") else None
    samples = []
    if "--no-samples" not in sys.argv:
        import torch
        from pytorch_logprobs import load
        from sample import EXAMPLES, generate
        torch.set_num_threads(2)
        model, tok = load(folder)
        g = torch.Generator().manual_seed(0)
        for p in EXAMPLES:
            samples.append((p, generate(model, tok, p, 40, 0.0, 0, g)))
    used = [p for p in man["packages"] if p["included"] and p["files"] > 0]
    L = []
    w = L.append
    w(f"# {os.path.basename(os.path.abspath(folder))}\n")
    w("Default bundled code-completion model for Fanout: a tiny Llama-architecture decoder trained from scratch "
      "on CPU on permissively licensed TypeScript/JavaScript source from npm, with a fill-in-the-middle objective.\n")
    if not done:
        w(f"**Status: intermediate checkpoint** (step {st['step']} of {st['total_steps']}); "
          "training had not finished when this was exported.\n")
    w("## Model\n")
    w(f"- Architecture: Llama (RMSNorm, rotate-half RoPE theta {cfg['rope_theta']:g}, SwiGLU MLP, "
      f"multi-head attention), {cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, "
      f"{cfg['num_attention_heads']} heads of {cfg['head_dim']}, MLP {cfg['intermediate_size']}, "
      f"tied input/output embeddings.")
    w(f"- Parameters: {st['n_params']:,} ({st['n_params']/1e6:.2f}M; {cfg['vocab_size']*cfg['hidden_size']:,} of them the embedding).")
    w(f"- Vocabulary: {cfg['vocab_size']} byte-level BPE tokens trained on the corpus (tokenizer.json, GPT-2 "
      "pre-tokenizer regex, no prefix space), special tokens `<|endoftext|>` (eos, id "
      f"{cfg['eos_token_id']}), `<|fim_prefix|>`, `<|fim_middle|>`, `<|fim_suffix|>` (Qwen2.5-Coder spellings). No BOS.")
    w(f"- Context: trained at 512 tokens, last {int(a['final_frac']*100)}% of steps at {a['seq_len_final']} tokens; "
      f"max_position_embeddings {cfg['max_position_embeddings']}.")
    bf16 = any(p.get("bf16") for p in st.get("phases", []))
    precision = ("float32 weights and optimizer state; matmuls in bfloat16 (CPU autocast) in the "
                 "bf16 phases" if bf16 else "float32")
    w(f"- Weights: float16 safetensors (trained with {precision}).\n")
    w("## Fill-in-the-middle\n")
    if a.get("cursor_fim"):
        w("Three kinds of training samples (documents cut into pieces of 400 to 2400 characters in the last "
          "phases): plain left-to-right text; prefix-suffix-middle with the split at uniformly random character "
          "positions (loss on every token); and cursor-style prefix-suffix-middle, split where a cursor stands "
          "in real editing (the end of a line, after an indentation, inside an expression, a block's first "
          "line, inside an identifier) with a middle of one line to one block and the loss on the middle only. "
          "The mix of each phase is under Training. The layout is Qwen2.5-Coder's:\n")
    else:
        w("About half of the training samples are in prefix-suffix-middle order, split at two uniformly random "
          "character positions of a document piece (documents are cut into pieces of at most 4000 characters):\n")
    w("```\n<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>{middle}<|endoftext|>\n```\n")
    w("The rest is plain left-to-right text, each document followed by `<|endoftext|>`.\n")
    w("## Training data\n")
    w(f"- {sm['packages_used']} npm packages ({sm['packages_train']} train, {sm['packages_val']} held out whole for "
      f"validation), {sm['files']:,} files, {sm['bytes']/1e6:.1f} MB of source after filtering "
      f"({sm['bytes_train']/1e6:.1f} MB train / {sm['bytes_val']/1e6:.1f} MB validation)" +
      (f"; {sm['tokens_train']/1e6:.2f}M train / {sm['tokens_val']/1e6:.2f}M validation tokens "
       f"({sm['bytes_per_token_train']} bytes/token)." if "tokens_train" in sm else "."))
    w("- Licences (packages): " + ", ".join(f"{k} {v}" for k, v in sorted(sm["licences"].items(), key=lambda x: -x[1])) +
      ". Only MIT, Apache-2.0, BSD-2-Clause, BSD-3-Clause, ISC and 0BSD were accepted (for `A OR B` expressions one "
      "accepted option suffices); the full list of packages, versions and licences is `tools/train/manifest.json`.")
    w("- Filters: only .ts/.tsx/.mts/.cts/.js/.jsx/.mjs/.cjs; directories dist/, build/, umd/, bundles/, node_modules/, "
      "vendor/, coverage/ etc. skipped; *.min.*, bundles, files with a line over 1000 characters or mean line length "
      "over 120, files over 200 kB or under 200 bytes, files with generated-code markers, and transpiler output "
      "(tsc/babel/webpack/UMD helpers) dropped; .d.ts kept only for packages without TypeScript source and then "
      "only ~30% of them (declarations are repetitive; they are low-weighted this way); per-package cap 1.5 MB; "
      "exact and near-duplicate (whitespace/semicolon/quote-normalised hash) removal.")
    w(f"- Filter counts (files): {json.dumps(sm['filter_counts'])}.\n")
    w("## Training\n")
    ended = (f"the last phase stopped at its deadline, a cosine over wall-clock time, at its step {st['step']}"
             if a.get("time_schedule") else f"the last phase ended at its step {st['step']} of {st['total_steps']}")
    w(f"- Tokens seen: {st['tokens_seen']:,} ({ended}; batch {a['batch']}x{a['seq_len']} tokens)" +
      (f", {st['tokens_seen']/sm['tokens_train']:.2f} times the size of the final training corpus." if "tokens_train" in sm else "."))
    w(f"- Last phase: AdamW (betas 0.9/0.95, weight decay {a['weight_decay']}), peak LR {a['lr']}, {a['warmup']} warm-up steps, "
      f"cosine decay to {a['min_lr_frac']}x, gradient clipping 1.0, seed {a['seed']}.")
    w(f"- Training time: {st['train_seconds']/3600:.2f} h on 2 shared CPU cores (no GPU) with PyTorch, {'float32 and bfloat16-autocast phases' if bf16 else 'float32'}; the cores "
      f"were shared with other jobs, so throughput averaged {st['tokens_seen']/max(1,st['train_seconds']):.0f} tokens/s "
      "(including validation passes).")
    if note:
        w(note)
    w("- Reproduce: see tools/train/README.md.\n")
    w("## Validation (held-out packages)\n")
    if val:
        rows = [("plain text: bits per byte", "plain_bpb", 3), ("plain text: loss, nats/token", "plain_loss", 3),
                ("uniform FIM: loss, nats/token", "fim_loss", 3),
                ("cursor-style FIM: middle loss, nats/token", "cursor_fim_loss", 3)]
        rows += [(f"&nbsp;&nbsp;{k}", ("cursor_fim_by_kind", k), 3) for k in sorted(val.get("cursor_fim_by_kind", {}))]
        w(f"`tools/train/evaluate.py` (validation set {val.get('val_set')}: {val.get('n_plain')} plain sequences of 512 "
          f"tokens, {val.get('n_fim')} uniform-FIM sequences, {val.get('cursor_fim_samples')} cursor-style FIM samples "
          f"from the held-out packages; seed {val.get('seed')}); lower is better:\n")
        w(table(rows, val, valo, old_name))
    if ev:
        w(f"During training (its own smaller sample: 32 x 512 plain tokens, 16 FIM sequences): plain loss "
          f"{ev['plain_loss']:.3f} nats/token, {ev['plain_bpb']:.3f} bits per byte; FIM loss {ev['fim_loss']:.3f}.")
        # history by validation set (the set changes when the corpus is extended), keyed by tokens seen
        groups = {}
        for e in st["evals"]:
            groups.setdefault(e.get("val_set", "original"), {})[e["tokens_seen"]] = e
        for vs, es in groups.items():
            w(f"- History (validation set {vs}; plain loss nats/token / bits per byte at tokens seen): " +
              "; ".join(f"{t/1e6:.2f}M: {e['plain_loss']:.3f} / {e['plain_bpb']:.3f}" for t, e in es.items()) + ".")
        w("")
    w("## Evaluation\n")
    if evj:
        se = evj["settings"]
        fim = evj.get("fim", {}).get("summary", {})
        w(f"`npx fanout eval --model {folder} --lines {se['lines']} --fim {se.get('fim', 0)} --fim-n {fim.get('n', '')}` "
          f"(docs/EVAL.md), {evj['date'][:10]}, on {evj['adapter']} ({evj['model']['dtype']}), "
          f"{evj['wallMs']/60000:.1f} min" + (f"; the {old_name} model the same way, {evo['date'][:10]}" if evo else "") + ".\n")
        fs = evj["functions"]["summary"]
        k = str(fs["n"])
        w(f"- Function tasks: {fs['tasks']} written for Fanout (evals/functions/; signature + doc comment \u2192 body, "
          f"checks run in a sandboxed Node process); {fs['n']} samples at temperature {se['temperature']}, top-p "
          f"{se['topP']}, at most {se['maxTokens']} tokens, seed {se['seed']}.")
        nl = evj["nextLine"]["summary"]
        w(f"- Next line: {nl['lines']} lines of {nl['files']} held-out files (evals/heldout/), greedy, stop at end of line.")
        if fim.get("positions"):
            w(f"- Fill-in-the-middle: {fim['positions']} cursor positions in {fim['files']} held-out files, the middle "
              f"is the rest of the line or the block; one greedy sample and {fim['n']} at temperature, the top one "
              "as the app ranks them. Empty: the app shows nothing; mid-word: starts inside a word the prefix "
              "ends in without continuing it; repeats: repeats the text around it.")
        w("")
        def pct(x):
            return f"{x:.3f}"
        def st_(e):
            c = e["functions"]["summary"]["statuses"]
            return f"{c['pass']} / {c['fail']} / {c['timeout']} / {c['syntax-error']}"
        def fq(e, who, what):
            return e.get("fim", {}).get("summary", {}).get("quality", {}).get(who, {}).get(what)
        erows = [
            ("functions: pass@1, one greedy sample", lambda e: e["functions"]["summary"]["pass1Greedy"], pct),
            (f"functions: pass@1 after re-ranking {k} samples", lambda e: e["functions"]["summary"]["pass1Reranked"], pct),
            (f"functions: pass@{k} (any sample passes)", lambda e: e["functions"]["summary"]["passAtK"][k], pct),
            ("functions: samples pass / fail / time out / do not parse", st_, str),
            ("next line: exact match", lambda e: e["nextLine"]["summary"]["exact"], pct),
            ("next line: whitespace-normalised match", lambda e: e["nextLine"]["summary"]["normalized"], pct),
        ]
        if fim.get("positions"):
            erows += [
                ("FIM: greedy exact match", lambda e: e["fim"]["summary"]["greedyExact"], pct),
                ("FIM: greedy whitespace-normalised match", lambda e: e["fim"]["summary"]["greedyNormalized"], pct),
                ("FIM: top candidate exact match", lambda e: e["fim"]["summary"]["topExact"], pct),
                ("FIM: top candidate whitespace-normalised match", lambda e: e["fim"]["summary"]["topNormalized"], pct),
                ("FIM: top candidate empty (lower is better)", lambda e: fq(e, "top", "empty"), pct),
                ("FIM: top candidate starts mid-word (lower is better)", lambda e: fq(e, "top", "midWord"), pct),
                ("FIM: top candidate repeats itself (lower is better)", lambda e: fq(e, "top", "repeats"), pct),
                ("FIM: greedy sample blank (lower is better)", lambda e: fq(e, "greedy", "empty"), pct),
                ("FIM: greedy sample starts mid-word (lower is better)", lambda e: fq(e, "greedy", "midWord"), pct),
                ("FIM: greedy sample repeats itself (lower is better)", lambda e: fq(e, "greedy", "repeats"), pct),
                ("FIM: blank samples among all (lower is better)", lambda e: e["fim"]["summary"]["quality"]["blankSamples"], pct),
            ]
        w(f"| | {old_name} | this model |\n|---|---|---|" if evo else "| | this model |\n|---|---|")
        for label, get, fmt in erows:
            def cell(e):
                try:
                    v = get(e)
                except (KeyError, TypeError):
                    return "not measured"
                return "not measured" if v is None else fmt(v)
            w(f"| {label} | {cell(evo)} | **{cell(evj)}** |" if evo else f"| {label} | **{cell(evj)}** |")
        w("")
    else:
        w("Not yet run: `npx fanout eval --model " + folder + "` (docs/EVAL.md) and re-run this script with --eval.\n")
    if samples:
        w("## Example completions (greedy, 40 tokens max)\n")
        for p, c in samples:
            w("```\n" + p + "\u2588" + c + "\n```\n")
        w("(\u2588 marks where the prompt ends.)\n")
    if arg_value("--append"):
        w(open(arg_value("--append")).read().strip() + "\n")
    w("## Limitations\n")
    w(f"- Very small and briefly trained ({st['n_params']/1e6:.1f}M parameters, {st['tokens_seen']/1e6:.0f}M tokens): "
      "completions are short-range pattern continuations (closing statements and brackets, loop headers, "
      "imports, common idioms), often wrong or repetitive beyond a line; it does not follow a doc comment to "
      "a working function body. It is a working default for trying the app and the engine, not a useful "
      "assistant: load a bigger model for real suggestions.")
    w("- Greedy and sampled completions are token-healed (the prompt's last token is re-opened, as the engine "
      "does), so a prompt ending in a space or half a word continues the word rather than the space.")
    w("- Trained only on TypeScript/JavaScript from npm packages; other languages will be poor.")
    w("- May reproduce snippets of its training data; all of it is permissively licensed (see manifest) but attribution "
      "obligations of those licences apply to verbatim copies.")
    w("- Not evaluated for safety; do not run generated code without review.\n")
    open(os.path.join(folder, "MODEL_CARD.md"), "w").write("\n".join(L))
    print(f"wrote {os.path.join(folder, 'MODEL_CARD.md')}")


if __name__ == "__main__":
    main()
