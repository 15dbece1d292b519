"""rgdnn moments: A(theta), single-site moments and correlations of the infinite chain."""
from rgdnn.commands._common import (
    add_chain_arguments,
    add_json_argument,
    add_precision_arguments,
    chain_from_args,
    emit_json,
    num_error,
    num_within,
    working,
)

HELP = ("log-partition per site A, moments m_2k and correlations C(1..4) of the infinite chain, "
        "to the digits their error estimate supports")


def add_arguments(p):
    add_chain_arguments(p)
    add_precision_arguments(p)
    add_json_argument(p)


def run(args):
    from numerics import api  # mpmath and the solvers: loaded when the command runs
    chain = chain_from_args(args)
    with working(f"moments at {args.dps} digits"):
        mo = api.moments(chain, dps=args.dps, lags=4)
    d, e = args.dps, mo.error
    # Every value is known to the absolute error estimate e, not to dps digits: print the digits e supports.
    out = {"A": num_within(mo.A, e, d), "m": [num_within(x, e, d) for x in mo.m],
           "corr": [num_within(x, e, d) for x in mo.corr], "error": num_error(e), "dps": d}
    if args.json:
        emit_json(out)
        return 0
    print(f"infinite-chain values for {chain!r}, at most {d} digits (error estimate {out['error'] or 'unknown'}):")
    print(f"  A = {out['A']}")
    for k, m in enumerate(out["m"], 1):
        print(f"  m_{2 * k} = {m}")
    for r, c in enumerate(out["corr"], 1):
        print(f"  C({r}) = {c}")
    return 0
