"""rgdnn train: train an FCDNN on chain samples and compare chi of its features with theta* (docs/theory.md 4)."""
from __future__ import annotations

import math

from proofs.errors import NotSupported
from numerics.network.config import ACTIVATION_NAMES, INITS, OBJECTIVES, TrainConfig
from rgdnn.commands._common import add_chain_arguments, add_json_argument, chain_from_args, emit_json, output_dir

HELP = "train a network (decimate / infomax / autoencoder / regress-theta) and compare chi(features) with theta*"


def add_arguments(p):
    add_chain_arguments(p)
    p.add_argument("--objective", choices=OBJECTIVES, default="infomax", help="training objective (docs/theory.md 4.2)")
    p.add_argument("--N", type=int, default=64, help="input sites (ring)")
    p.add_argument("--M", type=int, default=16, help="feature units (read as an M-site ring)")
    p.add_argument("--layers", type=int, default=2, help="hidden layers L (N = M b^L for the default widths)")
    p.add_argument("--hidden", type=int, nargs="+", help="hidden widths (default N/b, ..., N/b^L)")
    p.add_argument("--activation", choices=list(ACTIVATION_NAMES), default="linear")
    p.add_argument("--seed", type=int, default=0, help="fixes initialization, training data and estimation set")
    p.add_argument("--steps", type=int, help="training steps (default depends on the objective)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-2, help="initial Adam learning rate (cosine-annealed)")
    p.add_argument("--eval-samples", type=int, default=16384, help="fresh samples for chi-hat")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: steadier on 2 cores)")
    p.add_argument("--scale2", help="infomax: target variance s^2 (default: the data's m_2)")
    p.add_argument("--decorrelation", type=float, default=1.0, help="infomax: decorrelation penalty weight")
    p.add_argument("--entropy", type=float, default=0.0, help="infomax: weight of -(1/2) log det Corr(y)")
    p.add_argument("--init", choices=INITS, default="random",
                   help="start from torch's default init or near an RG map (docs/theory.md 4.4)")
    p.add_argument("--init-noise", type=float, default=0.01, help="s.d. of the noise added to an RG-map init")
    p.add_argument("--checkpoint-dir", help="checkpoint here and resume from here; the manifest goes here too")
    p.add_argument("--history", action="store_true", help="include the training curve in --json output")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_argument(p)


def config_from_args(args):
    chain = chain_from_args(args)
    if chain.is_ising:
        raise NotSupported("rgdnn train samples continuous chains; the Ising chain is not supported here")
    fields = dict(K=str(chain.K), a=tuple(str(v) for v in chain.a), objective=args.objective, N=args.N, M=args.M,
                  layers=args.layers, hidden=tuple(args.hidden) if args.hidden else None,
                  activation=args.activation, seed=args.seed, steps=args.steps, batch=args.batch, lr=args.lr,
                  lr_final=min(1e-4, args.lr / 10) if args.lr > 0 else args.lr, eval_samples=args.eval_samples,
                  dtype=args.dtype, threads=args.threads, scale2=args.scale2,
                  decorrelation=args.decorrelation, entropy=args.entropy, init=args.init,
                  init_noise=args.init_noise)
    return TrainConfig(**fields)


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def run(args):
    cfg = config_from_args(args)                            # every flag is checked before torch loads
    output_dir(args.checkpoint_dir, "checkpoint-dir")
    from numerics.network.train import train_and_compare
    res = train_and_compare(cfg, progress=not args.no_progress, checkpoint_dir=args.checkpoint_dir)
    if not args.history:
        res.pop("history")
    if args.json:
        emit_json(_json_safe(res))
        return 0
    _print(res)
    return 0


def _fmt(t):
    if t is None:
        return "none"
    return f"K = {t['K']:.5g}, a = ({', '.join(f'{v:.5g}' for v in t['a'])})"


def _print(r):
    c = r["config"]
    print(f"{r['objective']} on Chain(K={c['K']}, a=({', '.join(c['a'])})), N={c['N']} M={c['M']} L={c['layers']} "
          f"{c['activation']}, seed {c['seed']}, {c['steps']} steps, {r['seconds']:.1f} s")
    print(f"  chi-hat     {_fmt(r['chi'])}")
    print(f"  s.e.        {_fmt(r['se'])}")
    print(f"  theta*      {_fmt(r['theta_star'])}   [{r['reference_source']}]")
    print(f"  z           {_fmt(r['z'])}   -> {r['verdict']} ({r['verdict_reason']})")
    if "rg_L" in r:
        print(f"  R^L(theta)  {_fmt(r['rg_L'])}   z {_fmt(r['z_rg'])} -> {r['verdict_rg']}")
    if "theta_constraint" in r:
        print(f"  constraint  {_fmt(r['theta_constraint'])}   z {_fmt(r['z_constraint'])} -> {r['verdict_constraint']}")
    gap = "unknown optimum" if r["loss_gap"] is None else f"{r['loss_gap']:.3g}"
    print(f"  loss        {r['loss']:.4g}, gap to optimum {gap} ({r['loss_optimum_note']})")
    for name in ("lag2", "mean", "next_moment"):
        d = r["diagnostics"].get(name)
        if d:
            print(f"  diag {name:<11} {d['value']:+.3g} +- {d['se']:.2g} (z = {d['z']:+.2f}){'  FLAG' if d['flag'] else ''}")
    print(f"  imposed     {'; '.join(r['imposed']) or '-'}")
    print(f"  emergent    {'; '.join(r['emergent']) or '-'}")
    if r.get("not_identified"):
        print(f"  not ident.  {'; '.join(r['not_identified'])}")
    print(f"  thresholds  {r['thresholds']['rule']}")
