"""rgdnn flow: the RG flow theta_0, R(theta_0), ..., R^steps(theta_0)."""
from rgdnn.commands._common import (
    add_chain_arguments,
    add_json_argument,
    add_precision_arguments,
    add_rg_arguments,
    chain_from_args,
    emit_json,
    num_error,
    num_within,
    working,
)

HELP = "RG flow of a chain (decimation or block-spin), to the digits its error estimate supports (at most --dps)"


def add_arguments(p):
    add_chain_arguments(p)
    add_rg_arguments(p)
    p.add_argument("--steps", type=int, default=6, help="number of RG steps (default 6)")
    add_precision_arguments(p)
    add_json_argument(p)


def run(args):
    from numerics import api  # mpmath and the solvers: loaded when the command runs
    chain = chain_from_args(args)
    with working(f"{args.scheme} flow at {args.dps} digits"):     # one transfer-operator solve can take minutes
        points = api.flow(chain, scheme=args.scheme, b=args.b, steps=args.steps, dps=args.dps)
    d = args.dps
    # Each step is known to its absolute error estimate, not to dps digits: print the digits it supports.
    rows = [{"K": num_within(p.K, p.error, d), "a": [num_within(x, p.error, d) for x in p.a],
             "error": num_error(p.error)} for p in points]
    for row, p in zip(rows, points):
        if getattr(p, "note", ""):
            row["note"] = p.note
    if args.json:
        emit_json({"dps": d, "scheme": args.scheme, "b": args.b, "flow": rows})
        return 0
    print(f"{args.scheme} flow, b = {args.b}, at most {d} digits (as many as each error supports), from {chain!r}")
    for m, r in enumerate(rows):
        print(f"  step {m:>3}:  K = {r['K']}  a = ({', '.join(r['a'])})  +- {r['error'] or 'unknown'}")
        if r.get("note"):
            print(f"            note: {r['note']}")
    return 0
