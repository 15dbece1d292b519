"""rgdnn fixed-point: the fixed point the flow from theta reaches, with its stability."""
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
from rgdnn.commands.moments import proved_suffix

HELP = "fixed point reached by the RG flow from theta, with Jacobian eigenvalues in (K, a) coordinates"


def add_arguments(p):
    add_chain_arguments(p)
    add_rg_arguments(p)
    add_precision_arguments(p)
    p.add_argument("--certify", action="store_true",
                   help="decimation: intervals that prove Theorem R's (0; a*), the chain's moments enclosed with "
                        "discretization and rounding (docs/theory.md 5.15), and the Krawczyk enclosure for the "
                        "estimated moments (docs/theory.md 5.8)")
    p.add_argument("--method", choices=["projection", "flow"], default="projection",
                   help="decimation of a transfer-operator chain: 'projection' solves Theorem R's (0; a*) once at "
                        "--dps after a float64 flow (default); 'flow' follows the projected flow at --dps and "
                        "differentiates it (the independent route, docs/theory.md 5.7)")
    add_json_argument(p)


def run(args):
    import mpmath

    from numerics import api  # mpmath and the solvers: loaded when the command runs
    chain = chain_from_args(args)
    with working(f"{args.scheme} fixed point at {args.dps} digits"):
        fp = api.fixed_point(chain, scheme=args.scheme, b=args.b, dps=args.dps, certify=args.certify,
                             method=args.method)
    d = args.dps
    # Eigenvalues come from a Jacobian known to eigenvalues_error, not to dps digits: print the
    # digits that error supports.  Exponent y = log|lambda| / log b has error err / (|lambda| log b).
    ev_err = fp.eigenvalues_error
    with mpmath.workdps(d + 10):
        y_err = [None if ev_err is None or lam == 0 else ev_err / (abs(lam) * mpmath.log(fp.b))
                 for lam in fp.eigenvalues]
    out = {"K": num_within(fp.K, fp.error, d), "a": [num_within(x, fp.error, d) for x in fp.a],
           "error": num_error(fp.error),
           "eigenvalues": [num_within(x, ev_err, d) for x in fp.eigenvalues],
           "eigenvalues_error": num_error(ev_err), "dps": d,
           "scheme": fp.scheme, "b": fp.b,
           "exponents": [num_within(y, e, d) if y is not None else None for y, e in zip(fp.exponents, y_err)],
           "exponents_error": [num_error(e) for e in y_err]}
    if fp.enclosure is not None:
        out["enclosure"] = fp.enclosure
    if args.certify:
        out["proved"], out["proof_note"] = fp.proved, fp.proof_note
    if fp.note:
        out["note"] = fp.note
    if args.json:
        emit_json(out)
        return 0
    print(f"{fp.scheme} fixed point (b = {fp.b}) reached from {chain!r}, {d} digits:")
    pr = fp.proved
    print(f"  K* = {out['K']}" + proved_suffix(pr and pr["K"]))
    for k, ak in enumerate(out["a"], 1):
        print(f"  a_{k}* = {ak}" + proved_suffix(pr and pr["a"][k - 1]))
    print(f"  error estimate {out['error'] or 'unknown'}")
    print(f"  Jacobian eigenvalues in (K, a): {', '.join(out['eigenvalues'])}"
          + ("  (exact: closed form)" if ev_err == 0 else f"  (+- {out['eigenvalues_error']})" if ev_err is not None
             else ""))
    if fp.enclosure is not None:
        print(f"  Krawczyk enclosure for the estimated moments (docs/theory.md 5.8): {fp.enclosure}")
    if args.certify:
        print(f"  {fp.proof_note}")
    if fp.note:
        print(f"  note: {fp.note}")
    return 0
