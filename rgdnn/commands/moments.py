"""rgdnn moments: A(theta), single-site moments and correlations of the infinite chain."""
from rgdnn.commands._common import (
    add_chain_arguments,
    add_json_argument,
    add_precision_arguments,
    chain_from_args,
    emit_json,
    num_error,
    num_within,
    proved_digits,
    working,
)

HELP = ("log-partition per site A, moments m_2k and correlations C(1..4) of the infinite chain, "
        "to the digits their error estimate supports")


def add_arguments(p):
    add_chain_arguments(p)
    add_precision_arguments(p)
    p.add_argument("--certify", action="store_true",
                   help="also intervals that are proofs for the infinite chain, discretization and rounding "
                        "included (docs/theory.md 5.15)")
    add_json_argument(p)


def proved_suffix(interval):
    """The text marking the proved digits of one value (its JSON interval)."""
    if interval is None:
        return ""
    shown = proved_digits(interval)
    return f"   proved: {shown}" if shown else f"   proved in [{interval[0]}, {interval[1]}]"


def run(args):
    from numerics import api  # mpmath and the solvers: loaded when the command runs
    chain = chain_from_args(args)
    with working(f"moments at {args.dps} digits" + (", with proof" if args.certify else "")):
        mo = api.moments(chain, dps=args.dps, lags=4, certify=args.certify)
    d, e = args.dps, mo.error
    # Every value is known to the absolute error estimate e, not to dps digits: print the digits e supports.
    out = {"A": num_within(mo.A, e, d), "m": [num_within(x, e, d) for x in mo.m],
           "corr": [num_within(x, e, d) for x in mo.corr], "error": num_error(e), "dps": d}
    pr = mo.proved
    if args.certify:
        out["proved"], out["proof_note"] = pr, mo.proof_note
    if args.json:
        emit_json(out)
        return 0
    print(f"infinite-chain values for {chain!r}, at most {d} digits (error estimate {out['error'] or 'unknown'}):")
    print(f"  A = {out['A']}" + proved_suffix(pr and pr["A"]))
    for k, m in enumerate(out["m"], 1):
        print(f"  m_{2 * k} = {m}" + proved_suffix(pr and pr["m"][k - 1]))
    for r, c in enumerate(out["corr"], 1):
        print(f"  C({r}) = {c}" + proved_suffix(pr and pr["corr"][r - 1]))
    if args.certify:
        print(f"  {mo.proof_note}" + ("" if pr is None else "; 'proved:' shows the digits every number in the "
                                     "proved interval shares (--json gives the intervals)"))
    return 0
