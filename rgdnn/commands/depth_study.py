"""rgdnn depth-study: every objective x standard chain x seeds as trained depth runs, L = 1..5 (docs/theory.md 4.5)."""
from __future__ import annotations

import json
import os
import sys
import time

from numerics.network.config import OBJECTIVES
from proofs.errors import MalformedInput
from rgdnn.commands._common import (
    add_json_argument,
    add_margin_argument,
    emit_json,
    margin_from_args,
    output_dir,
    output_files,
    write_json,
)
from rgdnn.commands._study import add_study_arguments, study_store
from rgdnn.commands.results import EXAMPLE_KEYS

HELP = ("the depth study: for every objective and standard chain, trained networks at L = 1..5 and several seeds "
        "against decimation and block spins; writes docs/depth.md and its figures (resumable store)")


def add_arguments(p):
    p.add_argument("--out", default="docs/depth.md", help="Markdown file to write (default docs/depth.md)")
    p.add_argument("--json-out", help="also write the study's documents as JSON here (what --from-json and the "
                   "check report read; the stored copy is paper_checks/data/depth.json)")
    p.add_argument("--figure-dir", help="draw depth_<example>.png per chain here (docs/depth.md links them)")
    p.add_argument("--from-json", help="render --out (and --figure-dir) from a --json-out file, without training")
    p.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES))
    p.add_argument("--examples", nargs="+", choices=list(EXAMPLE_KEYS), default=list(EXAMPLE_KEYS))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (default 0 1 2)")
    p.add_argument("--layers", type=int, default=5,
                   help="deepest L (default 5); depths whose N = M b^L exceeds 1024 are left out")
    p.add_argument("--M", type=int, default=8, help="feature units (N = M b^L; default 8)")
    p.add_argument("--b", type=int, help="block size per layer (default 2, and 3 on Ising chains, where majority "
                   "rule needs an odd block)")
    add_margin_argument(p)
    p.add_argument("--steps", type=int, help="training steps of every network (default: the depth budget)")
    p.add_argument("--eval-samples", type=int, help="estimation samples per network (default 16384)")
    add_study_arguments(p)
    p.add_argument("--no-progress", action="store_true")
    add_json_argument(p, "the verdicts per (example, objective), the answer table and the paths written")


def budget_record(extra):
    """The training budget as recorded with the study (numerics.network.depth_trained)."""
    from numerics.network.depth_trained import DEPTH_BUDGET, DEPTH_COMMON, MAX_N
    objectives = {o: {**b, **{k: v for k, v in extra.items() if k in ("steps", "batch")}}
                  for o, b in DEPTH_BUDGET.items()}
    common = {**DEPTH_COMMON, **{k: v for k, v in extra.items() if k not in ("steps", "batch")}}
    from paper_checks.depth_report import BUDGET_EVIDENCE
    return {"objectives": objectives, "common": common, "max_N": MAX_N, "evidence": BUDGET_EVIDENCE,
            "note": "Budget of numerics.network.depth_trained (DEPTH_BUDGET, DEPTH_COMMON); Adam, cosine-annealed "
                    "learning rate, fresh samples every step, one torch thread; grid_h: the grid of the "
                    "non-Gaussian sampler; rsmi_positions: block positions per layer and step in rsmi's training "
                    f"bound; depths with N = M b^L > {MAX_N} are left out."}


def run(args):
    if not 1 <= args.workers <= 64:
        raise MalformedInput("workers", str(args.workers), "must be an integer between 1 and 64")
    output_files((args.out, "out"), (args.json_out, "json-out"))            # before any work
    if args.figure_dir:
        output_dir(args.figure_dir, "figure-dir")
    from paper_checks import depth_report
    t0 = time.perf_counter()
    if args.from_json:
        try:
            with open(args.from_json) as f:
                data = json.load(f)
            data["runs"]                                              # noqa: B018
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MalformedInput("from-json", args.from_json, f"not a file written by --json-out ({exc})") from None
        failed = []
    else:
        store = study_store(args)
        extra = {k: v for k, v in (("steps", args.steps), ("eval_samples", args.eval_samples)) if v is not None}
        from paper_checks.depth import run_study, study_spec
        spec = study_spec(objectives=tuple(args.objectives), examples=tuple(args.examples), seeds=tuple(args.seeds),
                          layers=args.layers, M=args.M, b=args.b, margin=margin_from_args(args), extra=extra)
        spec.validate()                                                 # every network's config before training
        study = run_study(spec, store, workers=args.workers, progress=not args.no_progress)
        print(study.outcome.line("rgdnn depth-study"), file=sys.stderr)
        failed = study.failed
        if failed:
            print(f"rgdnn depth-study: {study.failure()}", file=sys.stderr)
        command = ("rgdnn depth-study " + " ".join(sys.argv[2:])) if sys.argv[1:2] == ["depth-study"] \
            else "rgdnn depth-study"
        data = {"command": command, "spec": spec.to_dict(), "budget": budget_record(extra), "runs": study.runs,
                "seconds": time.perf_counter() - t0, "store": str(store)}
        if args.json_out:
            write_json(args.json_out, data)
    figures = {}
    if args.figure_dir:
        paths = depth_report.write_figures(data, args.figure_dir)
        base = os.path.dirname(os.path.abspath(args.out))
        figures = {k: os.path.relpath(os.path.abspath(p), base) for k, p in paths.items()}
    with open(args.out, "w") as f:
        f.write(depth_report.markdown(data, figures=figures))
    verdicts = [{"example": r["example"], "objective": r["objective"],
                 "scheme": (r["document"] or {}).get("scheme"), "fixed_point": (r["document"] or {}).get("fixed_point"),
                 "per_seed": (r["document"] or {}).get("per_seed", []), "failed": len(r["failed"])}
                for r in data["runs"]]
    if args.json:
        emit_json({"out": args.out, "json_out": args.json_out, "figures": sorted(figures.values()),
                   "runs": len(verdicts), "failed": len(failed), "verdicts": verdicts,
                   "answer_table": depth_report.answer_table(data)})
        return 1 if failed else 0
    done = sum(1 for v in verdicts if v["scheme"] is not None)
    print(f"wrote {args.out}: {done} of {len(verdicts)} depth runs"
          + (f", figures in {args.figure_dir}" if figures else ""))
    return 1 if failed else 0
