"""rgdnn sweep: many trainings (theta x objective x L x seed) on Dask, resumable, with a summary.

    rgdnn sweep --K 0.5 0.3 --a 1 --objective decimate --L 1 2 --seeds 0 1 --out DIR
    rgdnn sweep --ising --K 0.8 0.4 --objective decimate rbm --L 1 --seeds 0 --out DIR
    rgdnn sweep --spec sweep.toml --out DIR [--scheduler tcp://host:8786]
    rgdnn sweep --summary --out DIR        # (re)write the summary of an existing sweep

DIR gets cells/<key>.json (one per cell, atomic), results.csv (one row per cell),
manifest.json (versions, spec, machine, runs), summary.md/json and figures/.
Rerunning the same command skips the finished cells. See docs/sweep.md.
"""
from __future__ import annotations

import sys
from pathlib import Path

from proofs.errors import MalformedInput
from rgdnn.commands._common import add_json_argument, emit_json

HELP = "sweep trainings over theta, objectives, depths and seeds on Dask (resumable), with a summary"


def add_arguments(p):
    p.add_argument("--spec", metavar="FILE", help="TOML sweep spec (flags below override its entries)")
    p.add_argument("--out", required=True, metavar="DIR", help="sweep directory (created; rerun to resume)")
    p.add_argument("--K", nargs="+", metavar="K", help="couplings K of the grid (exact decimals)")
    p.add_argument("--a", nargs="+", action="append", metavar="a_k",
                   help="one a-vector a_1 .. a_n; repeat --a for several (e.g. --a 1 --a 2)")
    p.add_argument("--ising", action="store_true", help="the grid's K are Ising chains (no --a)")
    p.add_argument("--objective", nargs="+", metavar="NAME",
                   help="objectives: decimate, infomax, autoencoder, regress-theta, rsmi, rbm")
    p.add_argument("--L", nargs="+", type=int, metavar="L", help="depths (hidden layers)")
    p.add_argument("--seeds", nargs="+", type=int, metavar="S", help="seeds")
    p.add_argument("--scheme", choices=["decimation", "block"], help="RG scheme (default decimation)")
    p.add_argument("--b", type=int, help="RG block size b (default 2)")
    p.add_argument("--margin", metavar="relative|DELTA",
                   help="equivalence margin of every cell: 'relative' (the default of every training: 0.01 "
                        "d(theta || theta*), docs/theory.md 4.4) or nats per site in (0, 10]; the same as "
                        "--set margin=...")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="train_set",
                   help="a TrainConfig option for every cell, e.g. --set steps=300 --set M=4")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this existing Dask scheduler "
                   "(default: a local cluster on 127.0.0.1)")
    p.add_argument("--workers", type=int, help="workers of the local cluster (default: the number of cores)")
    p.add_argument("--summary", action="store_true", help="only (re)write the table and summary of the sweep in --out")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_argument(p, "the summary (what summary.json holds)")


def _value(text):
    """--set values: integers, then floats, then true/false, else the text itself."""
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def spec_from_args(args):
    """The SweepSpec from --spec and the flags (flags win)."""
    from paper_checks.sweep.spec import SweepSpec, load_spec_file
    d = load_spec_file(args.spec) if args.spec else {}
    theta = dict(d.get("theta", {})) if isinstance(d.get("theta", {}), dict) else d.get("theta")
    if args.K is not None or args.a is not None or args.ising:
        if not isinstance(theta, dict) or "random" in theta:
            theta = {}
        if args.K is not None:
            theta["K"] = args.K
        if args.a is not None:
            theta["a"] = args.a
        if args.ising:                    # the file's a-vectors do not apply to Ising; --a with --ising is refused
            theta["ising"] = True
            if args.a is None:
                theta.pop("a", None)
    if theta:
        d["theta"] = theta
    for key, val in (("objectives", args.objective), ("L", args.L), ("seeds", args.seeds),
                     ("scheme", args.scheme), ("b", args.b)):
        if val is not None:
            d[key] = val
    if args.margin is not None:
        from numerics.network.config import parse_margin
        d["train"] = {**dict(d.get("train", {})), "margin": parse_margin(args.margin)}
    if args.train_set:
        train = dict(d.get("train", {}))
        for item in args.train_set:
            name, sep, val = item.partition("=")
            if not sep or not name.strip():
                raise MalformedInput("--set", item, "expected NAME=VALUE, e.g. steps=300")
            train[name.strip()] = _value(val.strip())
        d["train"] = train
    missing = [flag for key, flag in (("theta", "--K and --a"), ("objectives", "--objective"), ("L", "--L"),
                                      ("seeds", "--seeds")) if key not in d]
    if missing:
        raise MalformedInput("sweep spec", "", f"missing {', '.join(missing)} (give them as flags or in --spec)")
    return SweepSpec.from_dict(d)


def run(args):
    from paper_checks.sweep.summary import markdown, write_summary
    out = Path(args.out)
    if not args.summary:
        from paper_checks.sweep.execute import run_sweep
        from rgdnn.commands._common import output_dir
        spec = spec_from_args(args)
        output_dir(args.out, "out")             # before the cluster starts
        outcome = run_sweep(spec, out, scheduler=args.scheduler, workers=args.workers,
                            progress=not args.no_progress)
        print(outcome.line("rgdnn sweep"), file=sys.stderr)
    elif not (out / "cells").is_dir():
        raise MalformedInput("out", str(out), "holds no sweep (no cells/ directory)")
    else:
        from paper_checks.sweep.store import ResultStore
        ResultStore(out).write_table()          # the table too is regenerated from the records
    summary = write_summary(out)
    if args.json:
        emit_json(summary)
    else:
        print(markdown(summary))
        print(f"table: {out / 'results.csv'}; figures: {', '.join(summary['figures']) or 'none'}")
    return 1 if summary["errors"] else 0
