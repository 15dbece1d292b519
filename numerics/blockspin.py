"""Variance-preserving block-spin RG: y_j = zeta (x_(jb) + .. + x_(jb+b-1)), then projection (docs/theory.md 3.3).

zeta^2 = m_2 / E[S^2] keeps Var(y_0) = Var(x_0); with S = x_0 + .. + x_(b-1) the targets are

    t = (zeta^2 E[S_0 S_1], m_2, zeta^4 E[S^4], .., zeta^(2n) E[S^(2n)]),
    E[S_0 S_1] = sum_(r=1..2b-1) min(r, 2b - r) C(r).

Block sums of a chain are not Markov, so the projection is a genuine approximation;
on n = 1 it gives u' = u (1 + u) / 2 at b = 2 (docs/theory.md 3.3).

>>> from mpmath import mp, mpf, sqrt
>>> from numerics.transfer import Params
>>> from proofs.family import Chain
>>> q, err, _ = step(Params.from_chain(Chain.gaussian("0.5", 1)), 2, 20)
>>> with mp.workdps(25):
...     rho = sqrt(mpf(3)) / 2; u = mpf("0.5") / (1 + rho); u2 = u * (1 + u) / 2
...     ok = abs(q.K - 2 * rho * u2 / (1 - u2 ** 2)) < mpf(10) ** -18
>>> ok
True
"""
from __future__ import annotations

from mpmath import mp

from numerics.projection import project
from numerics.transfer import evaluate


def targets(p, b, dps, n=None):
    """Block-spin targets (zeta^2 E[S_0 S_1], zeta^(2k) E[S^(2k)]) and their error estimates."""
    n = n or p.n
    v = evaluate(p, dps, lags=2 * b - 1, block=b)
    with mp.workdps(dps + 10):
        w = [min(r, 2 * b - r) for r in range(1, 2 * b)]
        cov = sum(wr * c for wr, c in zip(w, v.C))
        cov_err = sum(wr * e for wr, e in zip(w, v.err_C))
        z2 = v.m[0] / v.S[2]
        rel_z2 = v.err_m[0] / v.m[0] + v.err_S[2] / v.S[2]
        t = [z2 * cov] + [z2 ** k * v.S[2 * k] for k in range(1, n + 1)]
        err = [abs(t[0]) * rel_z2 + z2 * cov_err] + [abs(t[k]) * (k * rel_z2) + z2 ** k * v.err_S[2 * k]
                                                      for k in range(1, n + 1)]
    return t, err


def step(p, b, dps, n=None):
    """One projected block-spin step: (Params, error, details)."""
    t, err = targets(p, b, dps, n)
    start = [float(p.K)] + [float(x) for x in p.a[: (n or p.n)]]
    return project(t[0], t[1:], dps, start=start, target_err=err, allow_edge=True)
