"""chi-hat: characteristic parameters of network outputs, read as an M-site ring (docs/theory.md 3.2, 4.1).

Each output sample y (M units, unit j at site j) gives translation-averaged statistics

    s = ( (1/M) sum_j y_j y_(j+1),  (1/M) sum_j y_j^2, ..., (1/M) sum_j y_j^(2n) )

and chi-hat is the moment projection of their mean onto the family **on the M-site ring**:
the theta whose M-ring has exactly these moments. So there is no O(u^M) bias from using
infinite-chain formulas on a finite ring.
- n = 1: closed form. C_M(r) = (u^r + u^(M-r)) / (2 rho (1 - u^M)); solve
  (u + u^(M-1)) / (1 + u^M) = c1 / c0 for u (monotone on (-1, 1)), then
  rho = (1 + u^M) / (2 c0 (1 - u^M)), K = 2 rho u / (1 - u^2), a = rho (1 + u^2) / (1 - u^2).
- n >= 2: Newton on the ring log-likelihood K c1 - sum a_k m_2k - (1/M) log Tr S^M (concave;
  its gradient is the moment residual) with the grid operator of ``grid_chain``, in units where
  m_2 = 1 (the family is closed under y -> y / sigma).

Standard errors: the samples are i.i.d. (fresh ring draws through a fixed network), so the
covariance of the mean statistic is the sample covariance / S; it is propagated through
the projection by the delta method (central differences of the whole map, step 0.01 s.e.).
The map also carries the scale-free quantities of the fitted chain (docs/theory.md 4.4,
``numerics.klrate``): u = lambda_1 / lambda_0 and the shape m_4 / m_2^2 of the infinite chain
at chi-hat, so they get delta-method s.e. from the same Jacobian; ``cov`` is the joint
covariance of chi-hat (the equivalence test's confidence region, ``effect.py``).

Diagnostics (each a difference with its delta-method s.e. and a z-score):
- lag 2: E[y_0 y_2] against the family's prediction at chi-hat: catches unordered or
  non-Markov units (docs/theory.md 4.3);
- mean: E[y_j] against 0 (the family is Z2-symmetric);
- next moment: E[y^(2n+2)] against the prediction at chi-hat (n = 1: the kurtosis against 3):
  catches outputs the fitted family cannot describe.

>>> import numpy as np, torch
>>> from numerics.network.sampler import GaussianRingSampler
>>> y = GaussianRingSampler(0.5, 1.0, 16).sample(20000, torch.Generator().manual_seed(1)).numpy()
>>> e = chi_hat(y, 1)
>>> [abs(z) < 4 for z in ((e.theta[0] - 0.5) / e.se[0], (e.theta[1] - 1) / e.se[1])]
[True, True]
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from numerics.klrate import chain_stats
from numerics.network.grid_chain import GridChain
from proofs.errors import MalformedInput, NotConverged, NotSupported
from proofs.family import admissible_floats


class OutsideFamily(NotSupported):
    """The measured moments have no preimage in the family (e.g. |c1| >= c0)."""


def statistics(y, n):
    """Per-sample translation averages: [c1, m_2..m_2n | c2, mean, m_(2n+2)] (S x (n + 4))."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] < 3:
        raise MalformedInput("outputs", str(y.shape), "expected samples x M units with M >= 3")
    r1, r2 = np.roll(y, -1, axis=1), np.roll(y, -2, axis=1)
    cols = [(y * r1).mean(1)] + [(y ** (2 * k)).mean(1) for k in range(1, n + 1)]
    cols += [(y * r2).mean(1), y.mean(1), (y ** (2 * n + 2)).mean(1)]
    return np.stack(cols, axis=1)


# -- the forward map theta -> ring moments, and its inverse ----------------------------------

def gaussian_ring(K, a, M):
    """(C_M(0), C_M(1), C_M(2)) of the Gaussian M-ring, closed form."""
    rho = math.sqrt(a * a - K * K)
    u = K / (a + rho)
    den = 2 * rho * (1 - u ** M)
    return tuple((u ** r + u ** (M - r)) / den for r in range(3))


def _project_gaussian(c1, c0, M):
    if not c0 > 0:
        raise OutsideFamily(f"E[y^2] = {c0} is not positive")
    t = c1 / c0
    if not -1 < t < 1:
        raise OutsideFamily(f"lag-1 correlation {t:.6g} outside (-1, 1): no chain has it")
    g = lambda u: (u + u ** (M - 1)) / (1 + u ** M) - t  # noqa: E731  (monotone, docs/theory.md 3.2 on the ring)
    lo, hi = -1.0 + 1e-300, 1.0 - 1e-16
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
    u = 0.5 * (lo + hi)
    rho = (1 + u ** M) / (2 * c0 * (1 - u ** M))
    return (2 * rho * u / (1 - u * u), rho * (1 + u * u) / (1 - u * u))


class _RingFamily:
    """Ring moments of the grid chain in standardized units (grid h = 1/10 on [-12, 12])."""

    H, HALF_WIDTH = 0.1, 12.0

    def __init__(self, M, n):
        self.M, self.n = M, n

    def grid(self, theta):
        return GridChain(theta[0], theta[1:], self.H, self.HALF_WIDTH)

    def moments(self, theta, extra=False):
        g = self.grid(theta)
        c = g.ring_moments(self.M, self.n + (1 if extra else 0))
        if not extra:
            return np.array(c)
        c2 = g.ring_correlation(self.M, 2)
        return np.array(c[:-1]), c2, c[-1]

    def loglik(self, theta, s):
        g = self.grid(theta)
        r = g.lam / g.lam0
        logZ = g.log_lambda0() + math.log((r ** self.M).sum()) / self.M
        return theta[0] * s[0] - sum(theta[k] * s[k] for k in range(1, self.n + 1)) - logZ


def _project_grid(s, M, n, start=None, tol=1e-11, max_iter=60):
    fam = _RingFamily(M, n)
    c0 = s[1]
    if not c0 > 0:
        raise OutsideFamily(f"E[y^2] = {c0} is not positive")
    sd = np.array([s[0] / c0] + [s[k] / c0 ** k for k in range(1, n + 1)])     # standardized
    if start is None:
        K, a = _project_gaussian(sd[0], 1.0, M)
        start = np.array([K, a] + [0.0] * (n - 1))
        start[-1] = 1e-3
    th = np.array(start, dtype=float)
    for _it in range(max_iter):
        F = fam.moments(th)
        r = sd - F
        if np.max(np.abs(r)) < tol:
            break
        J = np.empty((n + 1, n + 1))                                  # dF / d eta, eta = (K, -a)
        for j in range(n + 1):
            e = np.zeros(n + 1)
            e[j] = 1e-6 * (1 if j == 0 else -1)
            J[:, j] = (fam.moments(th + e) - fam.moments(th - e)) / 2e-6
        step = np.linalg.solve(J, r)
        step[1:] = -step[1:]                                          # back to (K, a) coordinates
        t, f0 = 1.0, fam.loglik(th, sd)
        while t > 1e-10:
            cand = th + t * step
            if admissible_floats(cand[0], cand[1:]) and fam.loglik(cand, sd) >= f0 - 1e-14:
                th = cand
                break
            t /= 2
        else:
            if th[-1] < 1e-6:
                raise OutsideFamily(f"the moments need a_{n} <= 0 (tails at least as heavy as Gaussian, "
                                    f"m_4 / m_2^2 = {sd[2]:.4g}): no admissible chain in the n = {n} family")
            raise NotConverged("ring projection: line search failed", partial=th, error=float(np.abs(r).max()))
    else:
        raise NotConverged("ring projection did not converge", partial=th, error=float(np.abs(r).max()))
    out = np.array([th[0] / c0] + [th[k] / c0 ** k for k in range(1, n + 1)])
    return out, th


def project_ring(s, M, n, start=None):
    """theta = (K, a_1..a_n) whose M-site ring has E[x0 x1] = s[0], E[x^2k] = s[k] (exact on the ring)."""
    if n == 1:
        return np.array(_project_gaussian(s[0], s[1], M)), None
    return _project_grid(s, M, n, start)


def predict_ring(theta, M, n):
    """(E[x0 x2], E[x^(2n+2)]) of the M-ring at theta (closed form for n = 1, grid chain otherwise)."""
    if n == 1:
        c0, _, c2 = gaussian_ring(theta[0], theta[1], M)
        return c2, 3 * c0 * c0
    fam = _RingFamily(M, n)
    # standardize for the fixed grid: theta -> theta at scale sigma (m_2 of the ring)
    g = GridChain(theta[0], theta[1:])
    c0 = g.ring_moments(M, 1)[1]
    th = np.array([theta[0] * c0] + [theta[k] * c0 ** k for k in range(1, n + 1)])
    _, c2, mnext = fam.moments(th, extra=True)
    return c2 * c0, mnext * c0 ** (n + 1)


# -- the estimate ------------------------------------------------------------------------------

@dataclass
class ChiEstimate:
    """chi-hat = (K, a_1..a_n) with delta-method standard errors and diagnostics."""

    theta: tuple
    se: tuple
    moments: tuple            # (c1, m_2..m_2n) means
    moments_se: tuple
    samples: int
    M: int
    diagnostics: dict = field(default_factory=dict)
    cov: tuple = ()           # delta-method covariance of theta, p x p (rows as tuples)
    u: float | None = None    # lambda_1 / lambda_0 of the fitted chain, and its s.e.
    u_se: float | None = None
    shape: float | None = None    # m_4 / m_2^2 of the fitted chain's single-site law, and its s.e.
    shape_se: float | None = None
    note: str = ("M-ring moments matched exactly (no O(u^M) bias); s.e. by the delta method "
                 "over i.i.d. samples")


def _full_map(sbar, M, n, start):
    """statistics -> (theta, lag-2 residual, mean, next-moment residual, u, shape) of the fitted chain."""
    th, st = project_ring(sbar[: n + 1], M, n, start)
    c2p, mnp = predict_ring(th, M, n)
    fitted = chain_stats(tuple(th))
    return np.concatenate([th, [sbar[n + 1] - c2p, sbar[n + 2], sbar[n + 3] - mnp, fitted.u, fitted.shape]]), st


def rescaled(sbar, n, m2):
    """The statistics of ``statistics`` after y -> lambda^(1/2) y with lambda = m2 / (their own m_2).

    c1, c2 and m_2k scale by lambda, lambda^k; the mean by lambda^(1/2); m_(2n+2) by lambda^(n+1).
    So the rescaled law has m_2 = m2 exactly, and u and the shape are untouched (docs/theory.md 4.5).
    """
    lam = m2 / sbar[1]
    powers = np.array([1.0] + list(range(1, n + 1)) + [1.0, 0.5, n + 1.0])
    return sbar * lam ** powers


def chi_hat(y, n, *, z_flag=5.0, batches=None, scale_to=None):
    """Estimate chi of the law of y (samples x M) in the n-coefficient family, with s.e. and diagnostics.

    ``batches``: the rows are ``batches`` equal consecutive runs of serially correlated samples (one
    Markov chain each, the chains independent); the covariance of the mean statistic is then that of
    the batch means over ``batches`` (batch means, docs/theory.md 5.16) instead of the i.i.d. one.
    ``scale_to``: chi at that single-site variance m_2 instead of the outputs' own (for objectives that fix
    no scale, docs/theory.md 4.5): the statistics are rescaled by ``rescaled`` inside the map the delta
    method differentiates, so the covariance is that of the rescaled estimate (no spread in m_2; the s.e.
    of u and of the shape are those of the unscaled estimate). ``moments`` are then the rescaled ones.
    """
    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise OutsideFamily("network outputs contain NaN or infinity")
    if scale_to is not None and not (isinstance(scale_to, (int, float)) and 0 < scale_to < math.inf):
        raise MalformedInput("scale_to", repr(scale_to), "the target m_2 must be a positive number")
    S, M = y.shape
    st = statistics(y, n)
    sbar = st.mean(0)
    if batches is None:
        cov = np.cov(st, rowvar=False) / S
    else:
        if not isinstance(batches, int) or batches < 2 or S % batches:
            raise MalformedInput("batches", repr(batches), f"an integer >= 2 that divides the {S} samples")
        bm = st.reshape(batches, S // batches, -1).mean(1)
        cov = np.cov(bm, rowvar=False) / batches
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    if scale_to is not None and not sbar[1] > 0:
        raise OutsideFamily(f"E[y^2] = {sbar[1]} is not positive")

    def full_map(s, start):
        return _full_map(s if scale_to is None else rescaled(s, n, scale_to), M, n, start)

    F0, start = full_map(sbar, None)
    J = np.empty((len(F0), len(sbar)))
    for i in range(len(sbar)):
        d = 0.01 * sd[i] if sd[i] > 0 else 1e-9
        e = np.zeros(len(sbar))
        e[i] = d
        try:
            J[:, i] = (full_map(sbar + e, start)[0] - full_map(sbar - e, start)[0]) / (2 * d)
        except OutsideFamily:        # at the family's edge (a_n ~ 0): one-sided difference into the family
            try:
                J[:, i] = (full_map(sbar + e, start)[0] - F0) / d
            except OutsideFamily:
                J[:, i] = (F0 - full_map(sbar - e, start)[0]) / d
    covF = J @ cov @ J.T
    seF = np.sqrt(np.clip(np.diag(covF), 0, None))
    p = n + 1
    diag = {}
    for i, (name, what) in enumerate([("lag2", "E[y0 y2] - prediction at chi-hat"),
                                      ("mean", "E[y_j] (family: 0)"),
                                      ("next_moment", f"E[y^{2 * n + 2}] - prediction at chi-hat")]):
        v, s = float(F0[p + i]), float(seF[p + i])
        z = v / s if s > 0 else math.inf
        diag[name] = {"value": v, "se": s, "z": z, "what": what, "flag": abs(z) > z_flag}
    diag["lag2"]["measured"] = float(sbar[n + 1])
    diag["next_moment"]["measured"] = float(sbar[n + 3])
    if n == 1:
        diag["kurtosis"] = float(sbar[n + 3] / sbar[1] ** 2)          # Gaussian family: 3
    iu, ish = p + 3, p + 4
    if scale_to is not None:
        diag["scale"] = {"m2_target": float(scale_to), "m2_measured": float(sbar[1]),
                         "what": "statistics rescaled to m_2 = m2_target inside the delta-method map"}
        lam = scale_to / sbar[1]
        sd = sd * lam ** np.array([1.0] + list(range(1, n + 1)) + [1.0, 0.5, n + 1.0])
        sbar = rescaled(sbar, n, scale_to)
    return ChiEstimate(theta=tuple(float(v) for v in F0[:p]), se=tuple(float(v) for v in seF[:p]),
                       moments=tuple(float(v) for v in sbar[:p]), moments_se=tuple(float(v) for v in sd[:p]),
                       samples=S, M=M, diagnostics=diag,
                       cov=tuple(tuple(float(v) for v in row) for row in covF[:p, :p]),
                       u=float(F0[iu]), u_se=float(seF[iu]), shape=float(F0[ish]), shape_se=float(seF[ish]),
                       **({} if batches is None else
                          {"note": f"M-ring moments matched exactly (no O(u^M) bias); s.e. by the delta method over "
                                   f"the batch means of {batches} independent chains"}))
