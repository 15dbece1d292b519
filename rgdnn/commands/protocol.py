"""rgdnn protocol: optimum vs optimizer: KL rate to theta* vs the loss gap, inits x seeds (docs/theory.md 4.4)."""
from __future__ import annotations

import json
import os
import sys

from numerics.network.config import INITS, OBJECTIVES
from proofs.errors import MalformedInput
from rgdnn.commands._common import (
    add_json_argument,
    add_margin_argument,
    emit_json,
    margin_from_args,
    output_files,
    write_json,
)
from rgdnn.commands._study import add_study_arguments, study_failed, study_store
from rgdnn.commands.results import EXAMPLE_KEYS, examples_from_keys

HELP = ("optimum vs optimizer: train each objective from random and near-RG starts; "
        "does KL(theta*) -> 0 as the gap -> 0?")

ANSWERS = ("reaches theta*", "misses theta*", "undetermined")      # paper_checks.protocol.summarize


def add_arguments(p):
    p.add_argument("--out", default="docs/protocol.md", help="Markdown file to write (default docs/protocol.md)")
    p.add_argument("--figure", help="also draw the figure (PNG) here")
    p.add_argument("--json-out", help="also write the raw rows as JSON here (the report draws from such a file)")
    p.add_argument("--from-json", help="render --out (and --figure) from a --json-out file, without training")
    p.add_argument("--beside", metavar="JSON", help="a --json-out file of another run of the protocol (e.g. another "
                   "network size): --out gains a table of both runs' answers side by side")
    p.add_argument("--examples", nargs="+", choices=list(EXAMPLE_KEYS), default=list(EXAMPLE_KEYS))
    p.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES))
    p.add_argument("--inits", nargs="+", choices=INITS, default=list(INITS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    add_margin_argument(p)
    p.add_argument("--N", type=int, default=32, help="input sites (default 32: small networks keep the study short)")
    p.add_argument("--M", type=int, default=8, help="feature units (default 8)")
    p.add_argument("--layers", type=int, default=2, help="hidden layers (default 2)")
    p.add_argument("--steps", type=int, help="training steps for every run (default: each objective's default)")
    p.add_argument("--eval-samples", type=int, default=8192, help="estimation samples per run (default 8192)")
    add_study_arguments(p)
    p.add_argument("--no-progress", action="store_true")
    add_json_argument(p, "the answers per (example, objective) and the rows (what --json-out writes, and more)")


def run(args):
    from paper_checks import figures, protocol
    if not 1 <= args.workers <= 64:
        raise MalformedInput("workers", str(args.workers), "must be an integer between 1 and 64")
    margin = margin_from_args(args)
    output_files((args.out, "out"), (args.json_out, "json-out"), (args.figure, "figure"))   # before any work
    store = None if args.from_json else study_store(args)
    other = _load(args.beside, "beside") if args.beside else None            # before any work
    if args.from_json:
        rows, margin, command = _load(args.from_json, "from-json")
    else:
        overrides = {"N": args.N, "M": args.M, "layers": args.layers, "eval_samples": args.eval_samples,
                     "margin": margin, **({"steps": args.steps} if args.steps else {})}
        from numerics.network.config import TrainConfig
        TrainConfig(K="0.5", a=("1",), objective="decimate", **overrides)      # bad sizes fail before any training
        study = protocol.run(examples_from_keys(args.examples), args.objectives, store, inits=args.inits,
                             seeds=args.seeds, workers=args.workers, progress=not args.no_progress,
                             overrides=overrides)
        if study_failed(study, "rgdnn protocol"):
            return 1
        rows = study.rows
        command = "rgdnn protocol " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["protocol"] else "rgdnn protocol"
        if args.json_out:
            write_json(args.json_out, {"rows": rows, "margin": margin, "command": command})
    both = protocol.summarize_both(rows, margin)
    summary = both["summary"]
    fig_rel = None
    if args.figure:
        d, name = os.path.split(os.path.abspath(args.figure))
        figures.fig_optimum_vs_optimizer(d, both["points"], both["margins"], name=name, absolute=both["absolute"])
        fig_rel = os.path.relpath(os.path.abspath(args.figure), os.path.dirname(os.path.abspath(args.out)))
    text = protocol.markdown(both, command=command, figure=fig_rel)
    if other is not None:
        text += "\n" + protocol.beside_markdown(both, protocol.summarize_both(other[0], other[1]),
                                                here=protocol.size_label(rows), there=protocol.size_label(other[0]),
                                                command=other[2])
    with open(args.out, "w") as f:
        f.write(text)
    answers = [s["answer"] for s in summary]
    answers_abs = [s["answer_absolute"] for s in summary]
    if args.json:
        emit_json({"out": args.out, "figure": args.figure, "json_out": args.json_out, "runs": len(rows),
                   "answers": {a: answers.count(a) for a in ANSWERS},
                   "answers_absolute": {a: answers_abs.count(a) for a in ANSWERS}, "summary": summary,
                   "rows": rows, "margin": margin, "margins": both["margins"], "absolute_margin": both["absolute"],
                   "command": command})
        return 0
    print(f"wrote {args.out}: {len(rows)} runs, {len(summary)} (example, objective) groups; at 0.01 d(theta || "
          "theta*): " + ", ".join(f"{answers.count(a)} {a}" for a in ANSWERS) + f"; at {both['absolute']:g}: "
          + ", ".join(f"{answers_abs.count(a)} {a}" for a in ANSWERS)
          + f"; {len(both['changed'])} answers differ between the margins")
    return 0


def _load(path, flag):
    """(rows, margin, command) of a --json-out file; MalformedInput naming ``flag`` otherwise."""
    try:
        with open(path) as f:
            data = json.load(f)
        return data["rows"], data["margin"], data["command"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MalformedInput(flag, path, f"not a file written by --json-out ({exc})") from None
