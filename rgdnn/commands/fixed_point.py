"""rgdnn fixed-point: the fixed point the flow from theta reaches, with its stability."""
from numerics import api
from rgdnn.commands._common import (add_chain_arguments, add_json_argument, add_precision_arguments,
                                    add_rg_arguments, chain_from_args, emit_json, num)

HELP = "fixed point reached by the RG flow from theta, with Jacobian eigenvalues in (K, a) coordinates"


def add_arguments(p):
    add_chain_arguments(p)
    add_rg_arguments(p)
    add_precision_arguments(p)
    p.add_argument("--certify", action="store_true", help="interval enclosure proving existence and uniqueness")
    add_json_argument(p)


def run(args):
    chain = chain_from_args(args)
    fp = api.fixed_point(chain, scheme=args.scheme, b=args.b, dps=args.dps, certify=args.certify)
    d = args.dps
    out = {"K": num(fp.K, d), "a": [num(x, d) for x in fp.a], "error": num(fp.error, 3),
           "eigenvalues": [num(x, d) for x in fp.eigenvalues], "dps": d,
           "scheme": fp.scheme, "b": fp.b,
           "exponents": [num(y, d) if y is not None else None for y in fp.exponents]}
    if fp.enclosure is not None:
        out["enclosure"] = fp.enclosure
    if fp.note:
        out["note"] = fp.note
    if args.json:
        emit_json(out)
        return 0
    print(f"{fp.scheme} fixed point (b = {fp.b}) reached from {chain!r}, {d} digits:")
    print(f"  K* = {out['K']}")
    for k, ak in enumerate(out["a"], 1):
        print(f"  a_{k}* = {ak}")
    print(f"  error estimate {out['error']}")
    print(f"  Jacobian eigenvalues in (K, a): {', '.join(out['eigenvalues'])}")
    if fp.enclosure is not None:
        print(f"  certified enclosure: {fp.enclosure}")
    if fp.note:
        print(f"  note: {fp.note}")
    return 0
