"""chi-hat for spin outputs: K-hat of network outputs read as an Ising M-ring (docs/theory.md 3.2, 4.1, 4.4).

Readout: each output y_j is read as the spin s_j = sign(y_j), with sign(0) = +1 (a convention;
exact zeros are counted in the diagnostics). Outputs that are already +-1 (RBM hidden units)
are unchanged. Per sample the translation averages

    c1 = (1/M) sum_j s_j s_(j+1),   c2 = (1/M) sum_j s_j s_(j+2),   m = (1/M) sum_j s_j

are formed; K-hat solves the **M-ring** moment equation (no O(t^M) bias):

    E[s_0 s_1] = g(t) = (t + t^(M-1)) / (1 + t^M),   K-hat = artanh t-hat

g is strictly increasing in t (dE[s0 s1]/dK is a variance), so bisection finds the unique root;
its range is (-1, 1) for even M and (-(M-2)/M, 1) for odd M (a frustrated ring).
Standard error by the delta method over i.i.d. samples: se(K) = |dK/dc1| sd(c1) / sqrt(S),
dK/dc1 = 1 / ((1 - t^2) g'(t)); ``cov`` is the 1 x 1 covariance (se^2).

Diagnostics (a difference, its delta-method s.e., z; flagged at |z| > z_flag):
- lag 2: E[s_0 s_2] against (t^2 + t^(M-2)) / (1 + t^M) at t-hat (catches unordered units:
  a Markov ring in index order has this lag-2 correlation; at M = 3 lag 2 is lag 1 reversed,
  so it carries no information there and is not flagged);
- mean: E[s_j] against 0 (the Ising family is Z2-symmetric);
- translation: the M nearest-neighbour correlations E[s_j s_(j+1)], j = 0..M-1, must be equal on a
  ring. Their spread is tested by a Wald statistic X = d^T Sigma^-1 d on the M - 1 contrasts
  d = H c (H: Helmert rows, Sigma: their sample covariance / S), chi^2 with M - 1 degrees of
  freedom under translation invariance, reported as the normal quantile z of its p-value.
  This is the check that catches units in arbitrary order when the average correlation is
  small: then lag 1 and lag 2 are both near 0 and the lag-2 test alone is blind.

>>> import torch
>>> from numerics.network.ising_ring import IsingRingSampler
>>> y = IsingRingSampler(0.8, 16).sample(20000, torch.Generator().manual_seed(3)).numpy()
>>> e = spin_chi_hat(y)
>>> abs((e.theta[0] - 0.8) / e.se[0]) < 4, e.cov[0][0] == e.se[0] ** 2
(True, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from numerics.network.estimator import OutsideFamily
from proofs.errors import MalformedInput

READOUT = "s = sign(y), sign(0) = +1 (outputs read as Ising spins)"


def spins(y):
    """The spin readout sign(y) in {-1, +1}, sign(0) = +1 (float64 array)."""
    return np.where(np.asarray(y, dtype=np.float64) >= 0, 1.0, -1.0)


def ring_lag(t, M, r):
    """E[s_0 s_r] on the Ising M-ring at t = tanh K: (t^r + t^(M-r)) / (1 + t^M)."""
    return (t ** r + t ** (M - r)) / (1 + t ** M)


def _dlag(t, M, r):
    """d/dt of ring_lag (quotient rule; t^(M-r-1) etc. are polynomials for 1 <= r < M)."""
    num, den = t ** r + t ** (M - r), 1 + t ** M
    dnum = r * t ** (r - 1) + (M - r) * t ** (M - r - 1)
    return (dnum * den - num * M * t ** (M - 1)) / den ** 2


def solve_t(c1, M):
    """The t in (-1, 1) with (t + t^(M-1)) / (1 + t^M) = c1 on the M-ring, by bisection (monotone)."""
    lo_limit = -1.0 if M % 2 == 0 else -(M - 2) / M
    if not lo_limit < c1 < 1:
        raise OutsideFamily(f"E[s0 s1] = {c1:.6g} outside ({lo_limit:.6g}, 1): no finite K on the {M}-ring has it")
    lo, hi = -1.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if ring_lag(mid, M, 1) < c1 else (lo, mid)
    t = 0.5 * (lo + hi)
    if not abs(t) < 1:
        raise OutsideFamily(f"E[s0 s1] = {c1:.6g}: tanh K-hat rounds to +-1 in float64 (K-hat infinite)")
    return t


def _helmert(M):
    """(M - 1) x M orthonormal contrasts (rows sum to 0)."""
    H = np.zeros((M - 1, M))
    for k in range(1, M):
        H[k - 1, :k] = 1.0
        H[k - 1, k] = -k
        H[k - 1] /= math.sqrt(k * (k + 1))
    return H


def normal_quantile_of_sf(p):
    """z with P(Z > z) = p for a standard normal Z; p may be an mpmath number far below 1e-308.

    Newton on log(erfc(z / sqrt 2) / 2) = log p at 30 digits (mpmath's exponent range is unbounded).

    >>> [round(normal_quantile_of_sf(q), 6) for q in (0.5, 0.025, 1e-6)]
    [0.0, 1.959964, 4.753424]
    """
    import mpmath
    with mpmath.workdps(30):
        p = mpmath.mpf(p)
        if p <= 0:
            return math.inf
        if p >= 1:
            return -math.inf
        if p > 0.5:
            return -normal_quantile_of_sf(1 - p)
        logp, r2 = mpmath.log(p), mpmath.sqrt(2)
        z = mpmath.sqrt(-2 * logp) if logp < -1 else mpmath.mpf(0.5)
        for _ in range(100):
            tail = mpmath.erfc(z / r2) / 2
            step = (mpmath.log(tail) - logp) / (-mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi) / tail)
            z -= step
            if abs(step) < mpmath.mpf(10) ** -20 * (1 + abs(z)):
                break
        return float(z)


def translation_test(s):
    """Wald test that E[s_j s_(j+1)] is the same for every j (a ring in index order); a diagnostic dict."""
    S, M = s.shape
    P = s * np.roll(s, -1, axis=1)                       # pair products, column j = (j, j+1)
    H = _helmert(M)
    d = H @ P.mean(0)
    cov = H @ np.cov(P, rowvar=False) @ H.T / S
    X = float(d @ np.linalg.pinv(cov, rcond=1e-12, hermitian=True) @ d)
    import mpmath
    p = mpmath.gammainc((M - 1) / 2, X / 2, mpmath.inf, regularized=True) if math.isfinite(X) else mpmath.mpf(0)
    spread = P.mean(0)
    return {"value": X, "dof": M - 1, "p": float(p), "z": normal_quantile_of_sf(p),
            "what": "chi^2 of the spread of E[s_j s_(j+1)] over j (equal on a ring in index order)",
            "min_max": [float(spread.min()), float(spread.max())]}


@dataclass
class SpinChiEstimate:
    """chi-hat = (K,) of spin outputs, s.e., 1 x 1 covariance and diagnostics (estimator.ChiEstimate's fields)."""

    theta: tuple
    se: tuple
    moments: tuple            # (c1,) mean
    moments_se: tuple
    samples: int
    M: int
    diagnostics: dict = field(default_factory=dict)
    cov: tuple = ((0.0,),)
    u: float | None = None        # tanh K-hat: lambda_1/lambda_0 of the Ising transfer matrix (scale-free)
    u_se: float | None = None
    note: str = ("spins read by sign(y); M-ring moment E[s0 s1] matched exactly (no O(t^M) bias); "
                 "s.e. by the delta method over i.i.d. samples")


def spin_chi_hat(y, *, z_flag=5.0):
    """K-hat of the law of sign(y) (samples x M) read as an Ising M-ring, with s.e. and diagnostics."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] < 3 or y.shape[0] < 2:
        raise MalformedInput("outputs", str(y.shape), "expected at least 2 samples x M units with M >= 3")
    if not np.all(np.isfinite(y)):
        raise OutsideFamily("network outputs contain NaN or infinity")
    S, M = y.shape
    s = spins(y)
    st = np.stack([(s * np.roll(s, -1, axis=1)).mean(1), (s * np.roll(s, -2, axis=1)).mean(1), s.mean(1)], axis=1)
    sbar = st.mean(0)
    cov = np.cov(st, rowvar=False) / S
    if not cov[0, 0] > 0:
        raise OutsideFamily(f"E[s0 s1] = {sbar[0]:.6g} in every sample: the readout does not vary with the "
                            "input (a fixed pattern, not a chain law)")
    t = solve_t(float(sbar[0]), M)
    K = math.atanh(t)
    dK = 1.0 / ((1 - t * t) * _dlag(t, M, 1))                   # dK/dc1
    se = abs(dK) * math.sqrt(cov[0, 0])
    # lag 2: c2 - p2(t(c1)); gradient (-p2'(t) dt/dc1, 1) in (c1, c2)
    J = np.array([-_dlag(t, M, 2) / _dlag(t, M, 1), 1.0])
    lag2 = float(sbar[1] - ring_lag(t, M, 2))
    lag2_se = float(math.sqrt(max(J @ cov[:2, :2] @ J, 0.0)))
    informative = M > 3
    diag = {
        "lag2": {"value": lag2, "se": lag2_se, "z": (lag2 / lag2_se if informative and lag2_se > 0 else 0.0),
                 "what": "E[s0 s2] - (t^2 + t^(M-2))/(1 + t^M) at t-hat" + ("" if informative else
                                                                           " (M = 3: lag 2 is lag 1, no test)"),
                 "measured": float(sbar[1])},
        "mean": {"value": float(sbar[2]), "se": float(math.sqrt(cov[2, 2])), "what": "E[s_j] (Ising family: 0)"},
        "readout": {"rule": READOUT, "exact_zeros": int((y == 0).sum()),
                    "already_spins": bool(np.all(np.abs(y) == 1))},
    }
    m = diag["mean"]
    m["z"] = m["value"] / m["se"] if m["se"] > 0 else (0.0 if m["value"] == 0 else math.inf)
    diag["translation"] = translation_test(s)
    for name in ("lag2", "mean", "translation"):
        diag[name]["flag"] = bool(abs(diag[name]["z"]) > z_flag)
    return SpinChiEstimate(theta=(K,), se=(se,), moments=(float(sbar[0]),), moments_se=(math.sqrt(cov[0, 0]),),
                           samples=S, M=M, diagnostics=diag, cov=((se * se,),),
                           u=t, u_se=(1 - t * t) * se)             # du/dK = 1 - tanh^2 K
