"""Speed and accuracy of the transfer-operator numerics (docs/theory.md 5).

Each line prints: digits reached, seconds, and the ratio against a naive baseline measured
in the same run.

- ``solve``: one top eigenpair + moments on the same grid at the same precision. Fast path:
  float64 eigh + residual refinement in Arb (python-flint). Baselines: (i) the same
  refinement with plain mpmath matrices ("mpmath-refine"), (ii) mpmath's full
  high-precision symmetric eigensolver ``mpmath.eigsy`` ("eigsy").
- ``fixed point``: ``numerics.api.fixed_point`` (decimation, b = 2) against the same
  computation with every transfer solve done by the mpmath-refine baseline. Digits: agreement
  with the same fixed point computed at dps + 20.
- ``rgdnn fixed-point``: the whole command in a fresh interpreter (startup, imports, output),
  against the project's goals (< 5 s at 30 digits, < 20 s at 50 digits). The ratio column
  there is seconds / target.

Timings are noisy when other processes share the CPU: rerun to judge.

    python benchmarks/bench_numerics.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mpmath  # noqa: E402
import numpy as np  # noqa: E402
from mpmath import mp  # noqa: E402

import numerics.fixedpoint as fixedpoint  # noqa: E402
import numerics.projection as projection  # noqa: E402
import numerics.transfer as transfer  # noqa: E402
from numerics import api  # noqa: E402
from numerics.arbtools import arb_precision, digits_to_bits, to_arb  # noqa: E402
from numerics.blas import eigh  # noqa: E402
from proofs import examples as EX  # noqa: E402
from proofs.family import Chain  # noqa: E402

WELLS = [(label, e.K, list(e.a)) for label, e in (("single well", EX.SINGLE_WELL), ("double well", EX.DOUBLE_WELL))]
FAST_SOLVE = transfer.solve


def _mp_blocks(p, grid):
    """Even/odd blocks in plain mpmath (one exp per entry, no recurrences)."""
    K = mpmath.mpf(p.K.numerator) / p.K.denominator if hasattr(p.K, "p") else mpmath.mpf(p.K)
    a = [mpmath.mpf(x.numerator) / x.denominator if hasattr(x, "p") else mpmath.mpf(x) for x in p.a]
    h = mpmath.mpf(grid.h.numerator) / grid.h.denominator
    J = grid.J
    xs = [j * h for j in range(1, J + 1)]
    g = [mpmath.sqrt(h) * mpmath.exp(-sum(ak * x ** (2 * k) for k, ak in enumerate(a, 1)) / 2) for x in xs]
    ev = mpmath.matrix(J + 1, J + 1)
    od = mpmath.matrix(J, J)
    ev[0, 0] = h
    for i in range(1, J + 1):
        ev[0, i] = ev[i, 0] = mpmath.sqrt(2) * mpmath.sqrt(h) * g[i - 1]
        for j in range(i, J + 1):
            e = mpmath.exp(K * xs[i - 1] * xs[j - 1])
            gg = g[i - 1] * g[j - 1]
            ev[i, j] = ev[j, i] = gg * (e + 1 / e)
            od[i - 1, j - 1] = od[j - 1, i - 1] = gg * (e - 1 / e)
    return ev, od, xs


def mpmath_solve(p, grid, bits, lags=1, block=None):
    """transfer.solve with mpmath matrices throughout (same grid, same refinement algorithm)."""
    if block is not None or p.ising:
        return FAST_SOLVE(p, grid, bits, lags, block)
    with mp.workprec(bits):
        ev, od, xs = _mp_blocks(p, grid)
        ef, _, _ = transfer.float_blocks(p, grid)
        lam_f, Q = eigh(ef)
        lam_f = lam_f * np.exp(transfer.log_shift(p, grid))      # float blocks are stored times e^(-s)
        top = int(np.argmax(lam_f))
        rest = [k for k in range(len(lam_f)) if k != top]
        q0 = Q[:, top] * (1 if Q[:, top].sum() >= 0 else -1)
        v = mpmath.matrix([float(x) for x in q0])
        v = v / mpmath.norm(v)
        tol = mpmath.mpf(2) ** -(bits - 6)
        for _ in range(bits // 40 + 6):
            Mv = ev * v
            lam = (v.T * Mv)[0]
            r = Mv - lam * v
            rn = mpmath.norm(r, mpmath.inf)
            if rn < tol * lam:
                break
            rf = np.array([float(x / rn) for x in r])
            delta = Q[:, rest] @ ((Q[:, rest].T @ rf) / (lam_f[rest] - float(lam)))
            v = v - mpmath.matrix(delta.tolist()) * rn
            v = v / mpmath.norm(v)
        c = [v[i] for i in range(v.rows)]
        n = max(p.n, 1)
        m = [mpmath.fsum(xs[j] ** (2 * k) * c[j + 1] ** 2 for j in range(len(xs))) for k in range(1, n + 1)]
        d = mpmath.matrix([xs[j] * c[j + 1] for j in range(len(xs))])
        C, u = [], d
        for _ in range(lags):
            u = (od * u) / lam
            C.append((d.T * u)[0])
        tail = float(abs(xs[-1] ** (2 * n) * c[-1] ** 2 / m[-1]))
        with arb_precision(bits):
            return transfer.Solution(grid, bits, to_arb(lam), to_arb(mpmath.log(lam)), [to_arb(x) for x in m],
                                     [to_arb(x) for x in C], {}, tail, None)


def _use(solver):
    transfer.solve = projection.solve = fixedpoint.solve = solver


def _digits(x, ref):
    d = max(abs(u - v) for u, v in zip(x, ref))
    return float(-mpmath.log10(d)) if d else float("inf")


def _line(name, digits, secs, base_secs, base_name):
    dg = "exact" if digits == float("inf") else f"{digits:5.1f}"
    print(f"{name:<38} digits {dg:>6}   {secs:8.3f} s   baseline ({base_name}) {base_secs:8.3f} s   "
          f"ratio {base_secs / secs:7.1f}x", flush=True)


def bench_solve(dps_list):
    for name, K, a in WELLS:
        p = transfer.Params.from_chain(Chain.polynomial(K, a))
        for dps in dps_list:
            grid = transfer.choose_grid(p, dps + 4)
            bits = digits_to_bits(dps + 10)
            t = time.perf_counter()
            fast = FAST_SOLVE(p, grid, bits, lags=1)
            tf = time.perf_counter() - t
            t = time.perf_counter()
            slow = mpmath_solve(p, grid, bits, lags=1)
            ts = time.perf_counter() - t
            with mp.workdps(dps + 10):
                vf = [transfer.arb_to_mpf(x) for x in fast.m + fast.C]
                vs = [transfer.arb_to_mpf(x) for x in slow.m + slow.C]
                _line(f"solve {name} dps {dps} ({grid.size} nodes)", _digits(vf, vs), tf, ts, "mpmath-refine")
                ef, _, _ = transfer.float_blocks(p, grid)
                with mp.workprec(bits):
                    M, _, _ = _mp_blocks(p, grid)
                    t = time.perf_counter()
                    E, Q = mpmath.eigsy(M)
                    te = time.perf_counter() - t
                lam_e = max(E) * mpmath.exp(-transfer.log_shift(p, grid))   # fast.lam is scaled by e^(-s)
                _line(f"solve {name} dps {dps} eigenvalue", _digits([transfer.arb_to_mpf(fast.lam)], [lam_e]),
                      tf, te + 0, "eigsy")


def _fp(K, a, dps):
    fp = api.fixed_point(Chain.polynomial(K, a), dps=dps)
    return [fp.K, *fp.a]


def bench_fixed_point(dps_list, naive=True):
    for name, K, a in WELLS:
        for dps in dps_list:
            _use(FAST_SOLVE)
            t = time.perf_counter()
            x = _fp(K, a, dps)
            tf = time.perf_counter() - t
            ref = _fp(K, a, dps + 20)
            with mp.workdps(dps + 20):
                dg = _digits(x, ref)
            if naive:
                _use(mpmath_solve)
                t = time.perf_counter()
                _fp(K, a, dps)
                ts = time.perf_counter() - t
                _use(FAST_SOLVE)
                _line(f"fixed point {name} dps {dps}", dg, tf, ts, "mpmath-refine")
            else:
                print(f"{'fixed point ' + name + ' dps ' + str(dps):<38} digits {dg:6.1f}   {tf:8.3f} s", flush=True)


def bench_cli(dps_list):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name, K, a in WELLS:
        for dps in dps_list:
            target = 5.0 if dps <= 30 else 20.0
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "rgdnn", "fixed-point", "--K", K, "--a", *a,
                                "--dps", str(dps), "--json"],
                               cwd=root, capture_output=True, text=True)
            secs = time.perf_counter() - t
            ok = "ok" if r.returncode == 0 else f"FAILED ({r.stderr.strip()[-80:]})"
            print(f"{'rgdnn fixed-point ' + name + ' dps ' + str(dps):<38} {ok:>13}   {secs:8.3f} s   "
                  f"target {target:5.1f} s"
                  f"   ratio {secs / target:5.2f} of target {'(met)' if secs < target else '(NOT met)'}", flush=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import rgdnn.cli as c; c.build_parser()"], cwd=root, capture_output=True)
    print(f"{'  of which CLI startup (imports)':<38} {'':>13}   {time.perf_counter() - t:8.3f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="dps 30 only, no naive fixed points")
    args = ap.parse_args()
    dps_list = [30] if args.quick else [30, 50]
    print("# solve: one eigenpair + moments, same grid and precision")
    bench_solve(dps_list)
    print("# fixed point (decimation, b = 2) through numerics.api")
    bench_fixed_point(dps_list, naive=not args.quick)
    print("# whole command")
    bench_cli(dps_list)


if __name__ == "__main__":
    main()
