"""Proved digits (docs/theory.md 5.15): widths and seconds of `moments --certify` and `fixed-point --certify`.

For each chain, the whole command is run twice in this run: with ``--certify`` and without (the
baseline: the estimate alone). Printed per chain and command: seconds with the proof, seconds of the
baseline and their ratio, the largest width of the proved intervals (absolute, and relative to
max(1, |value|)), the least number of proved digits, and whether every estimate lies within its
error estimate of its interval.

Goals (2 CPU cores):

- 30 digits: every width <= 1e-25 in < 10 s, for the single well, the double well and the sextic of
  docs/theory.md 6 / benchmarks/bench_numerics.py, and for random admissible quartic chains with
  |K| <= 1 (a_1 in [-2, 2], a_2 in [1/16, 2], K in [-1, 1], denominators <= 16, a fixed seed);
- 100 digits: widths <= 1e-90 for A, m_2, m_4 and a* in < 60 s (the three examples).

A chain whose proof declines is listed with its note (that is the answer there, not a failure of
the benchmark); a proof that closes with too few digits is marked WEAK. Timings are wall-clock and
noisy when other processes share the CPU: rerun to judge.

    python benchmarks/bench_certify.py [--random N] [--seed S] [--quick]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EXAMPLES = [("single well", "0.4", ["0.5", "0.1"]), ("double well", "0.5", ["-1", "0.25"]),
            ("sextic", "0.3", ["1", "-0.5", "0.2"])]
GOALS = {30: (Fraction(1, 10 ** 25), 10.0), 100: (Fraction(1, 10 ** 90), 60.0)}


def random_quartics(n, seed):
    rnd = random.Random(seed)

    def q(lo, hi):
        den = rnd.randint(1, 16)
        return Fraction(rnd.randint(lo * den, hi * den), den)

    out = []
    for i in range(n):
        K, a1, a2 = q(-1, 1), q(-2, 2), max(q(0, 2), Fraction(1, 16))
        out.append((f"random {i + 1}", str(K), [str(a1), str(a2)]))
    return out


def run(cmd):
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "rgdnn", *cmd, "--json"], cwd=ROOT, capture_output=True, text=True)
    secs = time.perf_counter() - t
    if r.returncode != 0:
        return None, secs, r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
    return json.loads(r.stdout), secs, ""


def _pairs(doc, command):
    """(value string, error string, interval) for every proved value of a document."""
    pr, err = doc["proved"], doc["error"]
    if command == "moments":
        vals = [doc["A"], *doc["m"], *doc["corr"]]
        ivs = [pr["A"], *pr["m"], *pr["corr"]]
    else:
        vals, ivs = [doc["K"], *doc["a"]], [pr["K"], *pr["a"]]
    return [(v, err, iv) for v, iv in zip(vals, ivs)]


def judge(doc, command, dps):
    """(largest absolute width, largest relative width, least digits, estimates inside)."""
    rows = _pairs(doc, command)
    if command == "moments" and dps == 100:       # the 100-digit goal names A, m_2, m_4
        rows = rows[:3]
    w_abs = max(Fraction(hi) - Fraction(lo) for _, _, (lo, hi) in rows)
    w_rel = max((Fraction(hi) - Fraction(lo)) / max(1, abs(Fraction(lo))) for _, _, (lo, hi) in rows)
    # the printed estimate is rounded to its last digit: its error plus one unit of that digit
    tol = [Fraction(e) + Fraction(10) ** Decimal(v).as_tuple().exponent for v, e, _ in rows]
    inside = all(Fraction(lo) - t <= Fraction(v) <= Fraction(hi) + t for (v, _, (lo, hi)), t in zip(rows, tol))
    digits = "all" if w_rel == 0 else f"{-float(_log10(w_rel)):.0f}"
    return w_abs, w_rel, digits, inside


def _log10(x):
    return math.log10(x.numerator) - math.log10(x.denominator)


def bench(chains, dps):
    goal_width, goal_secs = GOALS[dps]
    print(f"\n{dps} digits (goals: widths <= {float(goal_width):.0e}, < {goal_secs:.0f} s)")
    print(f"{'chain':<12} {'K; a':<22} {'command':<12} {'proof s':>8} {'base s':>7} {'ratio':>6} {'max width':>10} "
          f"{'rel. width':>10} {'digits':>6} {'inside':>6}  verdict")
    met = total = 0
    for name, K, a in chains:
        for command in ("moments", "fixed-point"):
            cmd = [command, "--K", K, "--a", *a, "--dps", str(dps)]
            base, bsecs, berr = run(cmd)
            doc, secs, err = run(cmd + ["--certify"])
            label = f"{K}; {', '.join(a)}"
            total += 1
            if doc is None:
                print(f"{name:<12} {label:<22} {command:<12} {secs:8.2f} {'':>7} {'':>6} refused: {err}")
                continue
            if doc.get("proved") is None:
                print(f"{name:<12} {label:<22} {command:<12} {secs:8.2f} {bsecs:7.2f} {secs / bsecs:6.1f} "
                      f"{'-':>10} {'-':>10} {'-':>6} {'-':>6}  declined: {doc['proof_note']}")
                continue
            w_abs, w_rel, digits, inside = judge(doc, command, dps)
            ok = w_abs <= goal_width and secs < goal_secs and inside
            met += ok
            verdict = ("met" if ok else "NOT met") + (" WEAK" if doc["proof_note"].startswith("WEAK") else "")
            print(f"{name:<12} {label:<22} {command:<12} {secs:8.2f} {bsecs:7.2f} {secs / bsecs:6.1f} "
                  f"{float(w_abs):10.1e} {float(w_rel):10.1e} {digits:>6} {str(inside):>6}  {verdict}", flush=True)
    print(f"{dps} digits: goals met for {met} of {total} runs")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=8, help="random quartic chains at 30 digits (default 8)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--quick", action="store_true", help="the three examples at 30 digits only")
    args = ap.parse_args()
    bench(EXAMPLES + ([] if args.quick else random_quartics(args.random, args.seed)), 30)
    if not args.quick:
        bench(EXAMPLES, 100)


if __name__ == "__main__":
    main()
