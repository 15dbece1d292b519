"""Benchmark: `rgdnn derive` of the whole set (goal < 60 s) and a Gaussian flow at 50 digits (goal < 1 s).

Each goal is timed together with a baseline measured in the same run:

- derive: a fresh `rgdnn derive --out TMP` process against `rgdnn derive --list` (interpreter
  start, imports, no derivation built): ratio = total / start-up.
- flow: `numerics.api.flow` of (a, K) = (1, 1/2), 6 steps at 50 digits, in process, against the
  same six points computed in sympy exact arithmetic (iterating the rational recursion, then
  evalf to 50 digits), and against sympy evalf of the closed form at each step (no lambdify).
  Both at 6 and at 16 steps (the exact rationals double their digits every step).
  The fresh-process command `rgdnn flow --K 0.5 --a 1 --dps 50 --json` is timed as well; its time
  is almost all interpreter start-up and imports (compare the `derive --list` baseline).

    python benchmarks/bench_foundation.py [--repeat N]

Timings are noisy when other processes share the CPU; the minimum of --repeat runs is reported.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def fresh(args):
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "rgdnn", *args], cwd=ROOT, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"`rgdnn {' '.join(args)}` failed: {p.stderr.strip()}")
    return time.perf_counter() - t0


def best(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return min(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the minimum is reported")
    opts = ap.parse_args(argv)
    r = max(1, opts.repeat)
    ok = True

    base = min(fresh(["derive", "--list"]) for _ in range(r))
    with tempfile.TemporaryDirectory() as tmp:
        derive = min(fresh(["derive", "--out", tmp]) for _ in range(min(r, 2)))
    met = derive < 60
    ok &= met
    print(f"rgdnn derive (all derivations, every step verified): {derive:6.2f} s  goal < 60 s  "
          f"{'met' if met else 'MISSED'}   start-up baseline `derive --list` {base:.2f} s, ratio {derive / base:.1f}")

    import sympy as sp

    from numerics import api
    from proofs import gaussian as G
    from proofs.examples import GAUSSIAN as EXAMPLE

    chain = EXAMPLE.chain
    for steps in (6, 16):
        api.flow(chain, steps=steps, dps=50)          # warm the lambdify cache once, as a long-running process would
        t_flow = best(lambda: api.flow(chain, steps=steps, dps=50), r)

        def exact_baseline():
            Km, am = chain.K, chain.a[0]
            Kp, ap_ = G.recursion(2)
            out = []
            for _ in range(steps):                        # exact rationals: digits double every step
                Km, am = Kp.xreplace({G.K: Km, G.a: am}), ap_.xreplace({G.K: Km, G.a: am})
                out.append((sp.N(Km, 50), sp.N(am, 50)))
            return out

        def evalf_baseline():
            rho = sp.sqrt(chain.a[0] ** 2 - chain.K ** 2)
            u0 = chain.K / (chain.a[0] + rho)
            return [(sp.N(G.K_OF_U.subs({G.rho: rho, G.u: u0 ** (2 ** m)}), 50),
                     sp.N(G.A_OF_U.subs({G.rho: rho, G.u: u0 ** (2 ** m)}), 50)) for m in range(1, steps + 1)]

        t_exact = best(exact_baseline, r)
        t_evalf = best(evalf_baseline, r)
        met = t_flow < 1
        ok &= met
        print(f"Gaussian flow, {steps} steps at 50 digits (numerics.api.flow, two precisions for the error): "
              f"{t_flow * 1e3:8.2f} ms  goal < 1 s  {'met' if met else 'MISSED'}")
        print(f"  baseline sympy exact recursion + evalf:  {t_exact * 1e3:8.2f} ms  "
              f"(baseline / flow = {t_exact / t_flow:.2f})")
        print(f"  baseline sympy evalf of the closed form: {t_evalf * 1e3:8.2f} ms  "
              f"(baseline / flow = {t_evalf / t_flow:.2f})")
    cli = min(fresh(["flow", "--K", "0.5", "--a", "1", "--dps", "50", "--json"]) for _ in range(r))
    print(f"  fresh process `rgdnn flow --K 0.5 --a 1 --dps 50 --json`: {cli:.2f} s "
          f"(start-up `rgdnn derive --list` {base:.2f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
