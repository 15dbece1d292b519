"""rgdnn flow: the RG flow theta_0, R(theta_0), ..., R^steps(theta_0), up to its fixed point."""
from proofs.errors import MalformedInput
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

# The most steps a call may ask for. A decimation flow reaches its fixed point to 1000 digits in about
# a dozen steps (it converges like u^(b^m)) and stops there; block-spin RG converges like b^-m, about
# 3.3 dps steps at b = 2. Each step of the transfer-operator route costs a solve at --dps digits, so the
# bound is also on steps x dps (measured: 200 block-spin steps of the single well at 60 digits, 22 s).
MAX_STEPS = 200
MAX_STEP_DIGITS = 12_000


def max_steps(dps):
    """The most steps at ``dps`` digits: MAX_STEPS, and steps x dps <= MAX_STEP_DIGITS."""
    return max(1, min(MAX_STEPS, MAX_STEP_DIGITS // max(1, dps)))


HELP = "RG flow of a chain (decimation or block-spin), to the digits its error estimate supports (at most --dps)"


def add_arguments(p):
    add_chain_arguments(p)
    add_rg_arguments(p)
    p.add_argument("--steps", type=int, default=6,
                   help=f"number of RG steps, at most {MAX_STEPS} and steps x dps <= {MAX_STEP_DIGITS} (default 6); "
                        "the flow stops earlier, with a note, "
                        "at the first step that repeats its point to --dps digits (the fixed point is reached)")
    add_precision_arguments(p)
    add_json_argument(p)


def run(args):
    from numerics import api  # mpmath and the solvers: loaded when the command runs
    limit = max_steps(args.dps)
    if not 0 <= args.steps <= limit:
        raise MalformedInput("steps", str(args.steps), f"must be an integer between 0 and {limit} at --dps {args.dps} "
                             f"(at most {MAX_STEPS}, and steps x dps <= {MAX_STEP_DIGITS}); the flow stops by itself "
                             "once it repeats its point to the working precision")
    chain = chain_from_args(args)
    with working(f"{args.scheme} flow at {args.dps} digits"):     # one transfer-operator solve can take minutes
        points = api.flow(chain, scheme=args.scheme, b=args.b, steps=args.steps, dps=args.dps, until_fixed=True)
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
