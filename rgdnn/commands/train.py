"""rgdnn train: train an FCDNN on chain samples and compare chi of its features with theta* (docs/theory.md 4).

The text output leads with the agreement kind, the scale-free u and shape, the KL rate and the
equivalence verdict (docs/theory.md 4.4); z-scores follow as secondary evidence.
"""
from __future__ import annotations

import math

from numerics.network.config import ACTIVATION_NAMES, INITS, OBJECTIVES, RBM_GRADIENTS, TrainConfig
from rgdnn.commands._common import (
    add_chain_arguments,
    add_json_argument,
    add_margin_argument,
    chain_from_args,
    emit_json,
    margin_from_args,
    output_dir,
)

HELP = ("train a network (decimate / infomax / autoencoder / regress-theta / rsmi / rbm) on a continuous or Ising "
        "chain and compare chi(features) with theta*")


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
    p.add_argument("--lr", type=float, help="initial Adam learning rate, cosine-annealed to min(1e-4, lr/10) "
                                            "(default 1e-2; rbm 3e-2)")
    p.add_argument("--eval-samples", type=int, default=16384, help="fresh samples for chi-hat")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: steadier on 2 cores)")
    p.add_argument("--scale2", help="infomax: target variance s^2 (default: the data's m_2)")
    p.add_argument("--decorrelation", type=float, default=1.0, help="infomax: decorrelation penalty weight")
    p.add_argument("--entropy", type=float, default=0.0, help="infomax: weight of -(1/2) log det Corr(y)")
    p.add_argument("--init", choices=INITS, default="random",
                   help="start from torch's default init or near an RG map (docs/theory.md 4.4)")
    p.add_argument("--init-noise", type=float, default=0.01, help="s.d. of the noise added to an RG-map init")
    add_margin_argument(p)
    p.add_argument("--rsmi-buffer", type=int, help="rsmi: buffer B between block and environment, sites (default 0)")
    p.add_argument("--rsmi-window", type=int, help="rsmi: environment sites W on each side of a block (default 2)")
    p.add_argument("--rsmi-critic", type=int, help="rsmi: hidden width of the InfoNCE critic (default 32)")
    p.add_argument("--rsmi-hidden", type=int,
                   help="rsmi: hidden width of the block network f (default 8; 0: one linear map)")
    p.add_argument("--rbm-gradient", choices=RBM_GRADIENTS, default="auto",
                   help="rbm: exact (enumerate 2^min(N,M) states for spins, 2^M for continuous data; at most 2^16), "
                        "cd, pcd, or auto (exact when it fits, else PCD)")
    p.add_argument("--rbm-cd-steps", type=int, default=1, help="rbm: Gibbs steps k of CD-k / PCD-k")
    p.add_argument("--checkpoint-dir", help="checkpoint here and resume from here; the manifest goes here too")
    p.add_argument("--history", action="store_true", help="include the training curve in --json output")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_argument(p, "the estimates with their standard errors, references and verdicts")


def config_from_args(args):
    chain = chain_from_args(args)
    fields = dict(K=str(chain.K), a=tuple(str(v) for v in chain.a), ising=chain.is_ising,
                  objective=args.objective, N=args.N, M=args.M,
                  layers=args.layers, hidden=tuple(args.hidden) if args.hidden else None,
                  activation=args.activation, seed=args.seed, steps=args.steps, batch=args.batch, lr=args.lr,
                  eval_samples=args.eval_samples,
                  dtype=args.dtype, threads=args.threads, scale2=args.scale2,
                  decorrelation=args.decorrelation, entropy=args.entropy, init=args.init,
                  init_noise=args.init_noise, margin=margin_from_args(args),
                  rbm_gradient=args.rbm_gradient, rbm_cd_steps=args.rbm_cd_steps)
    for name in ("rsmi_buffer", "rsmi_window", "rsmi_critic", "rsmi_hidden"):
        if getattr(args, name) is not None:          # unset: TrainConfig's default
            fields[name] = getattr(args, name)
    if args.lr is not None:
        fields["lr_final"] = min(1e-4, args.lr / 10) if args.lr > 0 else args.lr
    return TrainConfig(**fields)


def run(args):
    cfg = config_from_args(args)                            # every flag is checked before torch loads
    output_dir(args.checkpoint_dir, "checkpoint-dir")
    from numerics.network.train import train_and_compare
    res = train_and_compare(cfg, progress=not args.no_progress, checkpoint_dir=args.checkpoint_dir)
    if not args.history:
        res.pop("history")
    if args.json:
        emit_json(res)
        return 0
    _print(res)
    return 0


def _fmt(t):
    if t is None:
        return "none"
    if not t["a"]:
        return f"K = {t['K']:.5g}"
    return f"K = {t['K']:.5g}, a = ({', '.join(f'{v:.5g}' for v in t['a'])})"


def _num(v, fmt=".4g"):
    return "none" if v is None else format(v, fmt)


def _bounds(e):
    if e is None:
        return "-"
    if e.get("d_hat") is None:
        return f"{e['verdict']} ({e['reason']})"
    up = "inf" if e["upper"] is None or not math.isfinite(e["upper"]) else f"{e['upper']:.3g}"
    return f"d = {e['d_hat']:.3g} in [{e['lower']:.3g}, {up}] -> {e['verdict']}"


def margin_text(eq):
    """'3.73e-04 nats/site = 0.01 d(theta || theta*), d = 0.0373' or '0.001 nats/site (absolute)'."""
    rule = eq.get("margin_rule") or {}
    if rule.get("rule") == "relative":
        return (f"{eq['margin']:.3g} nats/site = {rule['fraction']:g} d(theta || theta*), "
                f"d(theta || theta*) = {rule['d_theta_star']:.3g}")
    return f"{eq['margin']:g} nats/site (absolute)"


def _print(r):
    c = r["config"]
    eq = r["equivalence"]
    chain = f"Chain.ising(K={c['K']})" if c.get("ising") else f"Chain(K={c['K']}, a=({', '.join(c['a'])}))"
    print(f"{r['objective']} on {chain}, N={c['N']} M={c['M']} L={c['layers']} "
          f"{c['activation']}, seed {c['seed']}, {c['steps']} steps, {r['seconds']:.1f} s")
    print(f"  agreement   {r['agreement']}: {r['agreement_note']}")
    print(f"  chi-hat     {_fmt(r['chi'])}")
    print(f"  s.e.        {_fmt(r['se'])}")
    print(f"  theta*      {_fmt(r['theta_star'])}   [{r['reference_source']}]")
    if "rg_L" in r:
        print(f"  R^L(theta)  {_fmt(r['rg_L'])}   one-shot projection of the decimated ring [{r['rg_L_source']}]")
        if r.get("rg_L_flow"):
            print(f"  R^L flow    {_fmt(r['rg_L_flow'])}   [{r['rg_L_flow_source']}]")
    for key in ("u", "shape"):
        q = r[key]
        if q["hat"] is None and q["theta_star"] is None:      # Ising: +-1 spins have no shape number
            continue
        print(f"  {key:<11} {_num(q['hat'])} +- {_num(q['se'], '.2g')}   (theta*: {_num(q['theta_star'])}, "
              f"R^L: {_num(q['rg_L'])}){'   ' + q['what'] if key == 'shape' else ''}")
    print(f"  KL/site     d(chi || theta*) = {_num(r['kl_per_site']['theta_star'], '.3g')}, "
          f"d(chi || R^L) = {_num(r['kl_per_site']['rg_L'], '.3g')} nats")
    print(f"  EQUIVALENCE vs {eq['reference']}: {eq['verdict']} ({eq['reason']}; margin {margin_text(eq)}, "
          f"{eq['confidence']:.0%} joint region)")
    for name, label in (("theta_star", "theta*"), ("rg_L", "R^L(theta)"), ("theta_constraint", "constraint")):
        if eq.get(name) is not None:
            print(f"    vs {label:<11} {_bounds(eq[name])}")
    print("  secondary evidence (z-scores):")
    print(f"  z           {_fmt(r['z'])}   -> {r['verdict']} ({r['verdict_reason']})")
    if "rg_L" in r:
        print(f"  z vs R^L    {_fmt(r['z_rg'])} -> {r['verdict_rg']}")
        if "z_rg_flow" in r:
            print(f"  z vs flow   {_fmt(r['z_rg_flow'])} -> {r['verdict_rg_flow']}")
    if "theta_constraint" in r:
        print(f"  constraint  {_fmt(r['theta_constraint'])}   z {_fmt(r['z_constraint'])} -> {r['verdict_constraint']}")
    if "mi_bound" in r:
        _print_rsmi(r)
    gap = "unknown optimum" if r["loss_gap"] is None else f"{r['loss_gap']:.3g}"
    print(f"  loss        {r['loss']:.4g}, gap to optimum {gap} ({r['loss_optimum_note']})")
    if "rbm" in r:
        rb = r["rbm"]
        kl = (f", NLL/site {rb['nll_per_site']:.5g} +- {rb['nll_per_site_se']:.2g}" if "nll_per_site" in rb else "")
        print(f"  rbm         gradient {rb['gradient']}{kl}")
    for name in ("lag2", "mean", "next_moment"):
        d = r["diagnostics"].get(name)
        if d:
            print(f"  diag {name:<11} {d['value']:+.3g} +- {d['se']:.2g} (z = {d['z']:+.2f})"
                  f"{'  FLAG' if d['flag'] else ''}")
    print(f"  imposed     {'; '.join(r['imposed']) or '-'}")
    print(f"  emergent    {'; '.join(r['emergent']) or '-'}")
    if r.get("not_identified"):
        print(f"  not ident.  {'; '.join(r['not_identified'])}")
    print(f"  thresholds  {r['thresholds']['rule']}")


def _print_rsmi(r):
    ses = r["mi_bound_se"] or [0.0] * len(r["mi_bound"])
    layers = ", ".join(f"{b:.4g} +- {s:.2g}" for b, s in zip(r["mi_bound"], ses))
    print(f"  MI bound    {layers} nats per block (InfoNCE, layer 1..L)")
    if r["mi_exact"] is not None:
        print(f"  MI exact    {', '.join(f'{v:.4g}' for v in r['mi_exact'])} (learned linear f);  "
              f"max {', '.join(f'{v:.4g}' for v in r['mi_max'])} (greedy optimum over linear f)")
    sf = r["scale_free"]
    for name, label in (("lag1_ratio", "C(1)/C(0)"), ("kurtosis", "kurtosis")):
        d = sf[name]
        print(f"  {label:<11} {d['value']:.4g} +- {d['se']:.2g}; at theta* {d['theta_star']:.4g} (z = {d['z']:+.2f})")
