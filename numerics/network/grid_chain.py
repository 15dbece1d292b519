"""The chain's transfer operator on a trapezoid grid, in float64 (docs/theory.md sections 2, 3.2, 5).

    S_ij = h T(x_i, x_j) = h exp(K x_i x_j - V(x_i)/2 - V(x_j)/2),   x_j = j h,  |x_j| <= half_width

Z_M = Tr S^M is the trapezoid rule for the M-site ring's partition function; the grid
chain (spins restricted to the nodes, weights S) is what ``sampler.GridRingSampler`` draws
from, and its moments are the continuum ones up to the trapezoid error, which is
spectrally small (docs/theory.md 5: ~16 digits at h = 1/4 for the single well) and is
estimated here by halving h. Float64 is enough on the network side: statistical errors
there are 1e-3, the grid error is below 1e-10 (see ``error_estimate``).

The kernel is ``numerics.kernel``'s, the one ``numerics.transfer`` resolves at high precision
for the infinite chain; this is its float64 view on the finite ring. This module gives the
finite-ring moments used to project network outputs *exactly* on the M-site ring (no O(u^M)
bias), and the single-site fit giving theta* = (0; a*).

>>> g = GridChain(0.5, (1.0,))
>>> c1, m2 = g.ring_moments(64, 1)
>>> rho = 3 ** 0.5 / 2; u = 0.5 / (1 + rho)      # Gaussian closed form, docs/theory.md 2
>>> abs(m2 - 1 / (2 * rho)) < 1e-12, abs(c1 - u / (2 * rho)) < 1e-12
(True, True)
"""
from __future__ import annotations

import math

import numpy as np

from numerics.blas import eigh, matmul
from numerics.kernel import log_kernel, potential, tail_exponent
from proofs.errors import InadmissibleParameter, NotConverged

# e^-46 ~ 1e-20: the stationary weight beyond the grid's edge is below double precision.
_TAIL_EXPONENT = 46.0


def grid_range(K, a):
    """The half-width with V(x) - |K| x^2 >= 46 beyond it (the weight there is < e^-46 relative).

    exp(K x y) <= exp(|K| x^2) for |y| <= |x|, so V(x) - |K| x^2 bounds the site's tail.
    """
    x = 1.0
    # V on 50 points of [0, x] at once (numpy): this runs for every chain whose KL rate is evaluated
    while tail_exponent(K, a, x) - min(0.0, float(potential(a, np.linspace(0, x, 50)).min())) < _TAIL_EXPONENT:
        x *= 1.1
        if x > 1e4:
            raise InadmissibleParameter("a", tuple(a), "the potential does not confine the chain "
                                        "(V(x) - |K| x^2 does not grow)")
    return x


class GridChain:
    """The grid chain: nodes x_j = j h, |x_j| <= half_width, symmetric kernel S = h T (float64, eigendecomposed)."""

    def __init__(self, K, a, h=1 / 16, half_width=None):
        self.K = float(K)
        self.a = tuple(float(v) for v in a)
        self.h = float(h)
        self.half_width = float(grid_range(self.K, self.a) if half_width is None else half_width)
        J = int(math.ceil(self.half_width / self.h))
        self.x = np.arange(-J, J + 1) * self.h
        logS = log_kernel(self.K, self.a, self.x, self.x, self.h)
        self.log_scale = float(logS.max())
        self.S = np.exp(logS - self.log_scale)              # S_true = e^log_scale * S
        lam, Q = eigh(self.S)
        order = np.argsort(-np.abs(lam))
        # the kernel is positive, so the top eigenvalue is the positive (Perron) one; for K < 0 with deep
        # wells its negative (odd) partner can tie it to round-off, and |lam| alone may then put it first
        order = np.concatenate([[np.argmax(lam)], order[order != np.argmax(lam)]])
        self.lam, self.Q = lam[order], Q[:, order]
        self.lam0 = self.lam[0]
        self._X = None

    @property
    def X_eigenbasis(self):
        """<l| X |l'>: the position operator in the eigenbasis of S (cached)."""
        if self._X is None:
            self._X = matmul(self.Q.T, self.x[:, None] * self.Q)
        return self._X

    @property
    def spectral_ratio(self):
        """|lambda_1 / lambda_0|: correlations decay like its power (the ring's O(u^M) effects)."""
        return float(abs(self.lam[1] / self.lam0))

    def log_lambda0(self):
        """log of the top eigenvalue of the true kernel h T: the grid's A(theta)."""
        return float(math.log(self.lam0) + self.log_scale)

    def ring_moments(self, M, n):
        """(E[x_0 x_1], E[x_0^2], ..., E[x_0^(2n)]) on the M-site ring, exactly for the grid chain.

        Tr(f(X) S^M) / Tr S^M and Tr(X S X S^(M-1)) / Tr S^M through the eigendecomposition.
        """
        r = self.lam / self.lam0
        w = r ** M
        Z = w.sum()
        c1 = self.ring_correlation(M, 1)
        ms = [float((w * np.einsum("il,i,il->l", self.Q, self.x ** (2 * k), self.Q)).sum() / Z)
              for k in range(1, n + 1)]
        return (c1, *ms)

    def ring_correlation(self, M, lag):
        """C_M(lag) = Tr(X S^(M-lag) X S^lag) / Tr S^M on the M-site ring, exactly for the grid chain."""
        r = self.lam / self.lam0
        B = self.X_eigenbasis
        return float(np.einsum("ij,i,j->", B * B, r ** (M - lag), r ** lag) / (r ** M).sum())

    def infinite_moments(self, n, lags=1):
        """Infinite-chain (E[x_0 x_1..x_0 x_lags], m_2..m_2n) from the top eigenvector phi_0."""
        p = self.Q[:, 0] ** 2
        ms = [float(p @ self.x ** (2 * k)) for k in range(1, n + 1)]
        r = self.lam / self.lam0
        B = self.Q.T @ (self.x * self.Q[:, 0])
        corr = [float((B * B * r ** s).sum()) for s in range(1, lags + 1)]
        return corr, ms


def error_estimate(K, a, M, n, h=1 / 16):
    """Trapezoid error of ``ring_moments``: the change when h is halved (max abs over the moments)."""
    half_width = grid_range(float(K), [float(v) for v in a])
    m1 = GridChain(K, a, h, half_width).ring_moments(M, n)
    m2 = GridChain(K, a, h / 2, half_width).ring_moments(M, n)
    return max(abs(p - q) for p, q in zip(m1, m2))


def _single_site_moments(a, x, ks):
    logw = -potential(a, x)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    return np.array([w @ x ** (2 * k) for k in ks]), w


def single_site_fit(m, *, tol=1e-12, max_iter=100):
    """a* with E_(a*)[x^(2k)] = m_(2k), k = 1..n, for the single-site law exp(-V_a*) (K = 0).

    Newton on the concave log-likelihood a -> -sum a_k m_2k - log z(a) (Jacobian = -Cov of x^2k),
    with backtracking; grid: trapezoid on the scale sqrt(m_2), h = sqrt(m_2)/64.
    >>> round(single_site_fit([0.5])[0], 12)          # Gaussian: a* = 1 / (2 m_2)
    1.0
    """
    m = np.asarray(m, dtype=float)
    n = len(m)
    s = math.sqrt(m[0])
    mt = m / s ** (2 * np.arange(1, n + 1))              # standardized: m_2 = 1
    x = np.linspace(-14, 14, 1793)
    a = np.zeros(n)
    a[0] = 0.5
    ks = range(1, n + 1)
    # moments of x^2k under standardized a; for n >= 2 keep a_n > 0 (admissible)

    def loglik(a):
        logw = -potential(a, x)
        c = logw.max()
        return float(-(a @ mt) - (c + math.log(np.exp(logw - c).sum() * (x[1] - x[0]))))

    for _ in range(max_iter):
        mom, w = _single_site_moments(a, x, ks)
        r = mom - mt
        if np.max(np.abs(r / mt)) < tol:
            break
        X = np.stack([x ** (2 * k) for k in ks])
        C = (X * w) @ X.T - np.outer(mom, mom)               # -d mom / d a
        step = np.linalg.solve(C, r)                          # a -> a + step raises the log-likelihood
        t, f0 = 1.0, loglik(a)
        while t > 1e-8:
            cand = a + t * step
            if cand[-1] > 0 and loglik(cand) >= f0:
                a = cand
                break
            t /= 2
        else:
            raise NotConverged("single-site fit: line search failed", partial=a, error=float(np.abs(r).max()))
    else:
        raise NotConverged("single-site fit did not converge", partial=a, error=float(np.abs(r).max()))
    return tuple(float(v) / s ** (2 * k) for k, v in enumerate(a, 1))


def ring_correlations(chain_or_grid, N):
    """C_N(r) = Tr(X S^r X S^(N-r)) / Tr S^N, r = 0..N-1, of the grid chain on the N-ring."""
    return np.array([chain_or_grid.ring_correlation(N, N - r) for r in range(N)])
