"""rgdnn depth: the feature law layer by layer, against decimation and block spins (docs/theory.md 4.5).

Which RG does a network perform? For one chain and one objective, chi of the features at L = 1..--layers
(exact optimum, or trained networks), each layer against both schemes' references R^L(theta), B^L(theta)
and fixed points (KL rate and equivalence at the margin), the contraction of |u_L| per layer, and the
verdicts `scheme` and `fixed_point` by the rules of docs/theory.md 4.5.
"""
from __future__ import annotations

from numerics.network.config import OBJECTIVES
from rgdnn.commands._common import (
    add_chain_arguments,
    add_json_argument,
    add_margin_argument,
    chain_from_args,
    emit_json,
    margin_from_args,
)

HELP = ("the feature law layer by layer (exact optimum or trained) against decimation and block spins: "
        "which RG an objective performs, and the fixed point it flows to")


def add_arguments(p):
    add_chain_arguments(p)
    p.add_argument("--objective", choices=OBJECTIVES, default="rsmi",
                   help="objective (docs/theory.md 4.2; default rsmi)")
    p.add_argument("--layers", type=int, default=6, help="depth L_max: layers L = 1..L_max (at most 16; default 6)")
    p.add_argument("--route", choices=["exact", "trained"], default="exact",
                   help="exact: the optimum where it is computable; trained: one network per depth and seed")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="trained route: seeds (default: one seed, 0)")
    p.add_argument("--b", type=int, default=2, help="block size of every layer and of both schemes (default 2)")
    p.add_argument("--rsmi-buffer", type=int, default=0,
                   help="rsmi: buffer B between block and environment, sites (default 0)")
    p.add_argument("--rsmi-window", type=int, default=2, help="rsmi: environment sites W on each side (default 2)")
    p.add_argument("--M", type=int, default=8, help="trained route: feature units (N = M b^L; default 8)")
    add_margin_argument(p)
    p.add_argument("--steps", type=int, help="trained route: training steps of every network (default: the depth "
                   "budget of numerics.network.depth_trained)")
    p.add_argument("--eval-samples", type=int, help="trained route: estimation samples per network (default 16384)")
    p.add_argument("--store", metavar="DIR", help="trained route: one record per network here; a rerun loads the "
                   "finished networks (default: a temporary directory)")
    p.add_argument("--workers", type=int, default=1,
                   help="trained route: parallel training processes on a local Dask cluster (default 1: this process)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_argument(p, "the layer rows, references, fixed points and verdicts")


def config_from_args(args):
    from numerics.network.depth_config import DepthConfig
    chain = chain_from_args(args)
    extra = {k: v for k, v in (("steps", getattr(args, "steps", None)),
                               ("eval_samples", getattr(args, "eval_samples", None))) if v is not None}
    return DepthConfig(K=str(chain.K), a=tuple(str(v) for v in chain.a), ising=chain.is_ising,
                       objective=args.objective, layers=args.layers, route=args.route, seeds=tuple(args.seeds),
                       b=args.b, buffer=args.rsmi_buffer, window=args.rsmi_window, margin=margin_from_args(args),
                       M=args.M, extra=extra)


def _trained(cfg, args):
    """The trained route through the experiment pipeline (paper_checks.depth): store, resume, workers."""
    import time

    from numerics.network.depth_trained import cell_configs
    from numerics.runtime import manifest
    from proofs.errors import MalformedInput
    from rgdnn.commands._common import output_dir
    if not 1 <= args.workers <= 64:
        raise MalformedInput("workers", str(args.workers), "must be an integer between 1 and 64")
    cell_configs(cfg)                               # every network's TrainConfig, before any training
    store = output_dir(args.store, "store") if args.store else None
    from paper_checks.depth import trained_document
    t0 = time.perf_counter()
    doc = trained_document(cfg, store=store, workers=args.workers, progress=not args.no_progress)
    doc.update(seconds=time.perf_counter() - t0, manifest=manifest(), config=cfg.to_dict())
    return doc


def run(args):
    cfg = config_from_args(args)                    # every flag is checked before any work
    if cfg.route == "trained":
        doc = _trained(cfg, args)
    else:
        from numerics.network.depth import run_depth
        doc = run_depth(cfg, progress=not args.no_progress)
    if args.json:
        emit_json(doc)
        return 0
    _print(doc)
    return 0


def _g(v, fmt=".3g"):
    return "-" if v is None else format(v, fmt)


def _print(doc):
    c = doc["chain"]
    chain = f"Chain.ising(K={c['K']})" if c["ising"] else f"Chain(K={c['K']}, a=({', '.join(c['a'])}))"
    m = doc["margin"]
    print(f"depth: {doc['objective']} on {chain}, route {doc['route']}, b = {doc['b']}"
          + (f", buffer {doc['buffer']}, window {doc['window']}" if doc["objective"] == "rsmi" else "")
          + f", {doc['seconds']:.2f} s")
    print(f"  route       {doc['route_note']}")
    print(f"  agreement   {doc['agreement']}: {doc['agreement_note']}")
    if doc["definitional"]:
        print(f"  NOTE        {doc['definitional']}")
    print(f"  margin      delta = {m['delta']:.3g} nats/site ({m['rule']}"
          + (f": {m['fraction']:g} d(theta || theta*) = {m['fraction']:g} x {m['d_data_fixed_point']:.3g})"
             if m["rule"] == "relative" else ")"))
    print(f"  sign        {doc['sign']['note']}")
    fp = doc["fixed_points"]
    print(f"  data        u_0 = {_g(doc['data']['u'], '.5g')}, shape {_g(doc['data']['shape'], '.5g')}")
    for s, label in (("decimation", "decimation FP"), ("block", "block FP")):
        t = fp[s]["theta"]
        print(f"  {label:<11} K = {t['K']:.5g}, a = ({', '.join(f'{v:.5g}' for v in t['a'])}), "
              f"u = {fp[s]['u']:.3g}, shape {_g(fp[s]['shape'], '.5g')}")
    if doc["fixed_points_coincide"]:
        print("              (the two fixed points coincide at the margin)")
    print(f"  {'L':>3} {'seed':>4} {'u':>11} {'+-':>8} {'shape':>7}  {'u R^L':>10} {'u B^L':>10}  "
          f"{'d(R^L)':>9} {'d(B^L)':>9} {'d(FPdec)':>9} {'d(FPblk)':>9}")
    refs = doc["references"]
    for r in doc["layers"]:
        kl = r["kl"]
        v = {k: (kl[k]["d"], kl[k]["verdict"][0]) for k in kl}
        print(f"  {r['L']:>3} {_g(r['seed'], 'd'):>4} {_g(r['u'], '.4g'):>11} {_g(r['u_se'], '.2g'):>8} "
              f"{_g(r['shape'], '.4g'):>7}  {refs['decimation'][r['L'] - 1]['u']:>10.3g} "
              f"{refs['block'][r['L'] - 1]['u']:>10.3g}  "
              + " ".join(f"{_g(d):>7} {s}" for d, s in (v['decimation'], v['block'], v['decimation_fixed_point'],
                                                       v['block_fixed_point'])))
    print("              verdict letters: e equivalent, d different, u undetermined (at the margin)")
    con = doc["contraction"]
    if "beta" in con:
        refs_f = ", ".join(f"{k} {_g(v['factor'])}" for k, v in con["references"].items())
        print(f"  contraction |u_L| x {_g(con['factor'], '.4g')} per layer"
              + (f" +- {_g(con['factor_se'], '.2g')}" if con["factor_se"] is not None else "")
              + f" over L = {con['layers']}" + (f" (references: {refs_f})" if refs_f else f" ({con.get('note')})"))
    print(f"  SCHEME      {doc['scheme']}   [{doc['scheme_evidence'].get('reason', '')}]")
    print(f"  FIXED POINT {doc['fixed_point']}   [{doc['fixed_point_evidence'].get('reason', '')}]")
    if len(doc["per_seed"]) > 1:
        for p in doc["per_seed"]:
            print(f"    seed {p['seed']}: {p['scheme']}; {p['fixed_point']}")
    print("  rules       docs/theory.md 4.5")
