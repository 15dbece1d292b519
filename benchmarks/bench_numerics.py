"""Speed of the high-precision numerics at 30 to 1000 digits, against the previous method in the same run.

Prints:

1. start-up: ``rgdnn --version`` against ``python -c "import numpy"`` (median of 7 each; goal:
   at most 2.5x);
2. the whole ``rgdnn fixed-point`` command (decimation, b = 2) for the single well, the double well
   and a sextic chain at dps 30, 50, 100, 200 and 1000: seconds, nodes of the fine grid, digits
   verified, and the ratio against the previous method. Goals: 30 digits < 0.6 s, 100 < 2 s,
   200 < 5 s, 1000 < 2 min or a stated --dps cap.
   - method: Theorem R's (0; a*) solved once at full precision after a float64 flow, with the
     transfer operator applied matrix-free (``numerics.fixedpoint``, ``numerics.marginal``);
   - previous method: the projected flow followed at full precision with the transfer blocks formed
     entry by entry in Arb and a finite-difference Jacobian (``--method flow`` with the formed blocks),
     run as its own process under a time limit (``--limit``, default 120 s);
   - digits verified: agreement of a* with the previous method's value where it finished, else with
     the same command at dps + 20 ("vs +20"; "vs -20" at 1000 digits, the largest --dps), which runs
     on another grid, since the grid's step and range follow the digits;
3. ``moments --dps 200`` and ``flow --dps 100 --steps 6`` for both quartic wells (goal < 5 s each).

Timings are wall-clock and noisy when other processes share the CPU: rerun to judge.

    python benchmarks/bench_numerics.py [--quick] [--limit SECONDS]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import mpmath  # noqa: E402

from numerics.transfer import Params, choose_grid  # noqa: E402
from proofs import examples as EX  # noqa: E402
from proofs.family import Chain  # noqa: E402

CHAINS = [("single well", EX.SINGLE_WELL.K, list(EX.SINGLE_WELL.a)),
          ("double well", EX.DOUBLE_WELL.K, list(EX.DOUBLE_WELL.a)),
          ("sextic", "0.3", ["1", "-0.5", "0.2"])]
GOALS = {30: 0.6, 50: 1.0, 100: 2.0, 200: 5.0, 1000: 120.0}

# The previous method, in a process of its own: the flow at full precision, blocks formed in Arb.
PREVIOUS = """
import json, sys
import mpmath
import numerics.transfer as t
from numerics import api
from proofs.family import Chain

class Formed:
    suits = staticmethod(lambda p, grid, bits: grid.h is not None)

    def __init__(self, p, grid):
        self.even, self.odd, self.xs = t.arb_blocks(p, grid)

t.KernelBlocks = Formed
K, a, dps = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
fp = api.fixed_point(Chain.polynomial(K, a), dps=dps, method="flow")
with mpmath.workdps(dps + 10):
    print(json.dumps({"a": [str(x) for x in fp.a]}))
"""


def _timed(cmd, limit=None):
    t = time.perf_counter()
    try:
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t
    secs = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.strip()[-300:]}")
    return r.stdout, secs


def startup():
    me = [_timed([sys.executable, "-m", "rgdnn", "--version"])[1] for _ in range(7)]
    base = [_timed([sys.executable, "-c", "import numpy"])[1] for _ in range(7)]
    m, b = statistics.median(me), statistics.median(base)
    print(f"start-up: rgdnn --version {m:.3f} s, python -c 'import numpy' {b:.3f} s: ratio {m / b:.2f} "
          f"(goal <= 2.5) {'met' if m / b <= 2.5 else 'NOT met'}", flush=True)


def _a(out):
    return [mpmath.mpf(x) for x in json.loads(out)["a"]]


def _digits(x, ref):
    d = max(abs(u - v) / max(1, abs(v)) for u, v in zip(x, ref))
    return "all" if d == 0 else f"{float(-mpmath.log10(d)):.0f}"


def fixed_points(dps_list, limit):
    print(f"\n{'chain':<12} {'dps':>5} {'seconds':>8} {'goal':>6} {'nodes':>6} {'digits verified':>16} "
          f"{'previous method':>16} {'ratio':>7}", flush=True)
    for name, K, a in CHAINS:
        p = Params.from_chain(Chain.polynomial(K, a))
        for dps in dps_list:
            cmd = [sys.executable, "-m", "rgdnn", "fixed-point", "--K", K, "--a", *a, "--dps", str(dps), "--json"]
            out, secs = _timed(cmd)
            nodes = choose_grid(p, dps + 4).refined().size
            with mpmath.workdps(dps + 30):
                a_new = _a(out)
                prev, psecs = (None, None) if dps > 200 else _timed(
                    [sys.executable, "-c", PREVIOUS, K, " ".join(a), str(dps)], limit)
                if prev is not None:
                    verified, vs = _digits(a_new, _a(prev)), ""
                else:
                    # another precision is another grid (h and range follow the digits): +20, or -20 at the top
                    other = dps + 20 if dps + 20 <= 1000 else dps - 20
                    ref, _ = _timed(cmd[:-3] + ["--dps", str(other), "--json"])
                    verified, vs = _digits(a_new, _a(ref)), f" vs {other - dps:+d}"
            goal = GOALS.get(dps)
            mark = "" if goal is None else (" ok" if secs < goal else " SLOW")
            previous = ("not run" if psecs is None else f"> {limit:.0f} s" if prev is None else f"{psecs:.2f} s")
            ratio = f"{psecs / secs:.1f}x" if prev is not None else ("> " + f"{limit / secs:.0f}x" if psecs else "")
            print(f"{name:<12} {dps:>5} {secs:>8.2f} {str(goal or ''):>6}{mark:<5}{nodes:>6} "
                  f"{verified + vs:>16} {previous:>16} {ratio:>7}", flush=True)


def flows_and_moments():
    print(flush=True)
    for name, K, a in CHAINS[:2]:
        for args in (["moments", "--dps", "200"], ["flow", "--dps", "100", "--steps", "6"]):
            _, secs = _timed([sys.executable, "-m", "rgdnn", args[0], "--K", K, "--a", *a, *args[1:], "--json"])
            print(f"rgdnn {' '.join(args):<28} {name:<12} {secs:6.2f} s  (goal < 5 s) "
                  f"{'ok' if secs < 5 else 'SLOW'}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="dps 30 and 100 only")
    ap.add_argument("--limit", type=float, default=120.0, help="time limit of the previous method (seconds)")
    args = ap.parse_args()
    startup()
    fixed_points([30, 100] if args.quick else [30, 50, 100, 200, 1000], args.limit)
    flows_and_moments()


if __name__ == "__main__":
    main()
