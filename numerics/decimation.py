"""Projected decimation RG: theta' = chi(law of (x_0, x_b, x_2b, ...) under theta) (docs/theory.md 3.1, 3.3).

Decimation keeps the single-site marginal, so the targets of the projection are

    t = (E[x_0 x_b], m_2, .., m_2n) = (C(b), m_2(theta), .., m_2n(theta)).

>>> from mpmath import mp
>>> from numerics.transfer import Params
>>> q, err, _ = step(Params.from_chain(__import__("proofs.family").family.Chain.gaussian("0.5", 1)), 2, 20)
>>> with mp.workdps(25):   # Gaussian: K' = K^2/(2a), a' = a - K^2/(2a) (docs/theory.md 3.1)
...     ok = abs(q.K - mp.mpf(1) / 8) < mp.mpf(10) ** -18 and abs(q.a[0] - mp.mpf(7) / 8) < mp.mpf(10) ** -18
>>> ok
True
"""
from __future__ import annotations

from numerics.projection import project
from numerics.transfer import evaluate


def targets(p, b, dps, n=None):
    """(C(b), m_2, .., m_2n) of the chain p with their error estimates."""
    n = n or p.n
    v = evaluate(p, dps, lags=b)
    return [v.C[b - 1]] + list(v.m[:n]), [v.err_C[b - 1]] + list(v.err_m[:n])


def step(p, b, dps, n=None):
    """One projected decimation step: (Params, error, details)."""
    t, err = targets(p, b, dps, n)
    start = [float(p.K)] + [float(x) for x in p.a[: (n or p.n)]]
    return project(t[0], t[1:], dps, start=start, target_err=err, allow_edge=True)
