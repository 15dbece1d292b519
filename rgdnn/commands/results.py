"""rgdnn results: the objectives on the standard examples (docs/theory.md 6) x seeds, and the circularity demos."""
from __future__ import annotations

import json
import os
import sys

from numerics.network.config import OBJECTIVES
from proofs.errors import MalformedInput
from proofs.examples import BY_KEY
from rgdnn.commands._common import (
    add_json_argument,
    add_margin_argument,
    emit_json,
    margin_from_args,
    output_files,
    write_json,
)
from rgdnn.commands._study import add_study_arguments, study_failed, study_store

HELP = ("train every objective (decimate, infomax, autoencoder, regress-theta, rsmi, rbm) on the standard examples "
        "(docs/theory.md 6) for several seeds; write the results table (Markdown)")

EXAMPLE_KEYS = tuple(BY_KEY)


def examples_from_keys(keys):
    """{example name: chain fields} for the short keys given on the command line (proofs.examples)."""
    return {BY_KEY[k].name: BY_KEY[k].fields for k in keys}


def add_arguments(p):
    p.add_argument("--out", default="docs/results.md", help="Markdown file to write (default docs/results.md)")
    p.add_argument("--json-out", help="also write the raw rows and demonstrations as JSON here")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES))
    p.add_argument("--examples", nargs="+", choices=list(EXAMPLE_KEYS), default=list(EXAMPLE_KEYS))
    add_study_arguments(p)
    p.add_argument("--steps", type=int, help="training steps for every run (default: each objective's default)")
    p.add_argument("--eval-samples", type=int, help="estimation samples per run (default 16384)")
    add_margin_argument(p)
    p.add_argument("--no-demos", action="store_true", help="skip the circularity demonstrations")
    p.add_argument("--figure", help="also draw the results figure (PNG) here")
    p.add_argument("--from-json", help="render --out (and --figure) from a --json-out file, without training")
    p.add_argument("--no-progress", action="store_true")
    add_json_argument(p, "the rows, demonstrations and verdict counts (what --json-out writes, and more)")


def run(args):
    if args.workers < 1 or args.workers > 64:
        raise MalformedInput("workers", str(args.workers), "must be an integer between 1 and 64")
    # Every flag and output path is checked before torch loads and before the first training.
    output_files((args.out, "out"), (args.json_out, "json-out"), (args.figure, "figure"))   # before any work
    margin = margin_from_args(args)
    store = None if args.from_json else study_store(args)
    if not args.from_json:
        from numerics.network.config import TrainConfig
        extra = {k: v for k, v in (("steps", args.steps), ("eval_samples", args.eval_samples)) if v is not None}
        extra["margin"] = margin
        for seed in args.seeds:
            TrainConfig.from_dict({**BY_KEY["gaussian"].fields, "objective": "decimate", "seed": seed, **extra})
    from numerics.network import results
    if args.from_json:
        try:
            with open(args.from_json) as f:
                data = json.load(f)
            rows, demos, command = data["rows"], data["demonstrations"], data.get("command", "rgdnn results")
            notes = data.get("notes")
            command += f"`, rendered by `rgdnn results --from-json {args.from_json}"
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MalformedInput("from-json", args.from_json,
                                 f"not a results file written by --json-out ({exc})") from None
    else:
        from paper_checks.sweep.presets import StudySpec, run_study
        spec = StudySpec(examples=tuple(examples_from_keys(args.examples).items()), objectives=tuple(args.objectives),
                         seeds=tuple(args.seeds), variants=(extra,), demos=not args.no_demos)
        study = run_study(spec, store, workers=args.workers, progress=not args.no_progress)
        if study_failed(study, "rgdnn results"):
            return 1
        rows, demos = study.rows, study.demos
        command = ("rgdnn results " + " ".join(sys.argv[2:])) if sys.argv[1:2] == ["results"] else "rgdnn results"
        notes = None
    fig_rel = None
    if args.figure:
        from paper_checks.figures import fig_results
        fig_results(rows, demos, args.figure)
        fig_rel = os.path.relpath(os.path.abspath(args.figure), os.path.dirname(os.path.abspath(args.out)))
    text = results.markdown(rows, demos, command=command, figure=fig_rel, notes=notes)
    with open(args.out, "w") as f:
        f.write(text)
    data = {"rows": rows, "demonstrations": demos, "command": command, "notes": notes}
    if args.json_out:
        write_json(args.json_out, data)
    by_margin = results.verdicts_by_margin(rows)
    verdicts = [r["verdict"] for r in rows]
    counts = {v: verdicts.count(v) for v in dict.fromkeys(["agree", "disagree", "inconclusive", *verdicts])}
    if args.json:
        emit_json({"out": args.out, "figure": args.figure, "json_out": args.json_out, "runs": len(rows),
                   "verdicts": counts, "equivalence_by_margin": by_margin, **data})
        return 0
    eq = by_margin["counts"]
    print(f"wrote {args.out}: {len(rows)} runs; against theta*: {counts['agree']} agree, "
          f"{counts['disagree']} disagree, {counts['inconclusive']} inconclusive (z); equivalent "
          f"{eq['relative'].get('equivalent', 0)} at 0.01 d(theta || theta*), {eq['absolute'].get('equivalent', 0)} at "
          f"{by_margin['absolute']:g}; {len(by_margin['changed'])} verdicts differ between the margins")
    return 0
