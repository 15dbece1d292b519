"""rgdnn depth: the feature law layer by layer, against decimation and block spins (docs/theory.md 4.5).

Which RG does a network perform? For one chain and one objective, chi of the features at L = 1..--layers
(exact optimum, or trained networks), each layer against both schemes' references R^L(theta), B^L(theta)
and fixed points (KL rate and equivalence at the margin), the contraction of |u_L| per layer, and the
verdicts `scheme` and `fixed_point` by the rules of docs/theory.md 4.5.
"""
from __future__ import annotations

from numerics.network.config import OBJECTIVES
from rgdnn.commands._common import add_chain_arguments, add_json_argument, chain_from_args, emit_json

HELP = ("the feature law layer by layer (exact optimum or trained) against decimation and block spins: "
        "which RG an objective performs, and the fixed point it flows to")


def add_arguments(p):
    add_chain_arguments(p)
    p.add_argument("--objective", choices=OBJECTIVES, default="rsmi", help="objective (docs/theory.md 4.2; default rsmi)")
    p.add_argument("--layers", type=int, default=6, help="depth L_max: layers L = 1..L_max (at most 16; default 6)")
    p.add_argument("--route", choices=["exact", "trained"], default="exact",
                   help="exact: the optimum where it is computable; trained: one network per depth and seed")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="trained route: seeds (default: one seed, 0)")
    p.add_argument("--b", type=int, default=2, help="block size of every layer and of both schemes (default 2)")
    p.add_argument("--rsmi-buffer", type=int, default=0,
                   help="rsmi: buffer B between block and environment, sites (default 0)")
    p.add_argument("--rsmi-window", type=int, default=2, help="rsmi: environment sites W on each side (default 2)")
    p.add_argument("--M", type=int, default=8, help="trained route: feature units (N = M b^L; default 8)")
    p.add_argument("--margin", default="relative",
                   help="equivalence margin: 'relative' (default: 0.01 d(theta || theta*), docs/theory.md 4.4) or "
                        "nats per site")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_argument(p, "the layer rows, references, fixed points and verdicts")


def _margin(text):
    from proofs.errors import MalformedInput
    from proofs.family import exact_rational
    if text == "relative":
        return "relative"
    q = exact_rational(text, "margin")
    if not q > 0:
        raise MalformedInput("margin", text, "give 'relative' or a positive number of nats per site")
    return float(q)


def config_from_args(args):
    from numerics.network.depth_config import DepthConfig
    chain = chain_from_args(args)
    return DepthConfig(K=str(chain.K), a=tuple(str(v) for v in chain.a), ising=chain.is_ising,
                       objective=args.objective, layers=args.layers, route=args.route, seeds=tuple(args.seeds),
                       b=args.b, buffer=args.rsmi_buffer, window=args.rsmi_window, margin=_margin(args.margin),
                       M=args.M)


def run(args):
    cfg = config_from_args(args)                    # every flag is checked before any work
    from numerics.network.depth import run_depth
    doc = run_depth(cfg, progress=not args.no_progress)
    if args.json:
        emit_json(doc)
        return 0
    _print(doc)
    return 0


def _print(doc):
    raise NotImplementedError
