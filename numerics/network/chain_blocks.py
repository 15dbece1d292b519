"""Moments of long blocks of an infinite chain, on the float64 grid chain (docs/theory.md 3.3, 4.5).

For the one-shot references of a depth run: decimation by n = b^L needs C(n); block spins of n sites
need E[S^(2k)] (k = 1..n_coef) and E[S_0 S_1] of the block sums S. With the grid chain's symmetric
kernel S = Q diag(lambda) Q^T, R = diag(lambda / lambda_0) and hat-f = Q^T diag(f(x)) Q, the law of
n consecutive sites gives

    E[exp(s (x_1 + .. + x_n))] = e_0^T E(s) (R E(s))^(n-1) e_0,     E(s) = hat-exp(s x),

so the block's generating operator B_n(s) = E(s) (R E(s))^(n-1) obeys B_(m+n) = B_m R B_n. Kept as power
series in s to order 2 n_coef, blocks of b^L sites cost L compositions of b factors (no sum over b^L
sites), and E[S^k] = k! [s^k] e_0^T B_n e_0, E[S_0 S_1] = e_0^T B_n,1 R B_n,1 e_0. Modes with
|lambda_k / lambda_0| < 1e-18 are dropped (each factor R between sites suppresses them below float64).
The grid is ``numerics.klrate``'s (scaled units, spacing below the kernel's width).

>>> cb = ChainBlocks((0.5, 1.0))                     # Gaussian: compare the closed forms
>>> rho = 3 ** 0.5 / 2; u = 2 - 3 ** 0.5
>>> t = cb.block_targets(4)
>>> from numerics.network.depth_references import gaussian_block_u
>>> abs(t[0] / t[1] - gaussian_block_u(u, 4)) < 1e-12, abs(cb.decimation_targets(4)[0] - u ** 4 / (2 * rho)) < 1e-12
(True, True)
"""
from __future__ import annotations

import math

import numpy as np

from numerics.klrate import _grid, _scale
from numerics.projection import float_newton, gaussian_start
from numerics.runtime import one_thread
from proofs.errors import NotConverged

DROP = 1e-18


class ChainBlocks:
    """Block moments of the infinite chain theta = (K, a_1..a_n) (floats), on the scaled grid chain."""

    def __init__(self, theta):
        t = tuple(float(v) for v in theta)
        self.theta = t
        self.n = len(t) - 1
        self.s = s = _scale(t)
        g = _grid((t[0] * s * s, *(v * s ** (2 * k) for k, v in enumerate(t[1:], 1))))
        r = g.lam / g.lam0
        keep = np.flatnonzero(np.abs(r) >= DROP)
        keep = keep if len(keep) >= 2 else np.arange(min(2, len(r)))
        self.R = r[keep]
        Q = g.Q[:, keep]
        self.order = 2 * self.n
        with one_thread():
            self.E = [Q.T @ ((g.x ** k / math.factorial(k))[:, None] * Q) for k in range(self.order + 1)]
        parity = np.einsum("ij,ij->j", Q, Q[::-1])          # +1 even, -1 odd (the grid is symmetric)
        self.B1 = np.where(parity < 0, Q.T @ (g.x * g.Q[:, 0]), 0.0)     # <l| x |0>: odd modes only (x is odd)
        self._blocks = {1: self.E}

    def _compose(self, A, B):
        R = self.R[:, None]
        with one_thread():
            return [sum(A[j] @ (R * B[k - j]) for j in range(k + 1)) for k in range(self.order + 1)]

    def block(self, n):
        """B_n(s) as its power-series coefficients (list of matrices): binary powers, cached."""
        if n not in self._blocks:
            B, p, P, m = None, 1, self.E, n
            while m:
                if m & 1:
                    B = P if B is None else self._compose(B, P)
                m >>= 1
                if m:
                    nxt = 2 * p
                    if nxt not in self._blocks:
                        self._blocks[nxt] = self._compose(P, P)
                    p, P = nxt, self._blocks[nxt]
            self._blocks[n] = B
        return self._blocks[n]

    def correlation(self, r):
        """C(r) = E[x_0 x_r] of the infinite chain (original units)."""
        with np.errstate(under="ignore"):
            return float((self.B1 ** 2 * self.R ** r).sum()) * self.s ** 2

    def single_site(self):
        """(m_2, .., m_2n) in original units."""
        return [float(self.E[2 * k][0, 0]) * math.factorial(2 * k) * self.s ** (2 * k) for k in range(1, self.n + 1)]

    def decimation_targets(self, n):
        """(C(n), m_2, .., m_2n): the targets of R^L with n = b^L."""
        return [self.correlation(n), *self.single_site()]

    def block_targets(self, n):
        """(zeta^2 E[S_0 S_1], m_2, zeta^4 E[S^4], ..): block sums of n sites scaled to keep m_2."""
        B = self.block(n)
        ES = [float(B[k][0, 0]) * math.factorial(k) * self.s ** k for k in range(self.order + 1)]
        cov = float((B[1] @ (self.R[:, None] * B[1]))[0, 0]) * self.s ** 2
        m2 = self.single_site()[0]
        z2 = m2 / ES[2]
        return [z2 * cov, m2] + [z2 ** k * ES[2 * k] for k in range(2, self.n + 1)]

    def project(self, t, start=None):
        """(theta, note): chi of the targets t = (C(1), m_2, .., m_2n) in the n-family (float64 Newton); a
        target beyond the edge a_n = 0 is projected in the subfamily (its a_n set to 0), and the note says so."""
        n = len(t) - 1
        while n >= 1:
            if n == 1:
                K, a = gaussian_start(t[0], t[1])
                theta = (K, a)
                break
            th, resid = float_newton(np.array(t[: n + 1]), start=None if start is None else start[: n + 1])
            if resid < 1e-9 and th[-1] > 0:
                theta = tuple(float(v) for v in th)
                break
            n -= 1
            start = None
        else:                                                   # pragma: no cover -- n = 1 always breaks
            raise NotConverged("projection of block targets failed")
        zeros = len(t) - 1 - n
        note = "" if not zeros else (f"targets beyond the edge a_{len(t) - 1} = 0 (kurtosis {t[2] / t[1] ** 2:.6g}): "
                                     f"projected in the subfamily with {n} coefficient(s)")
        return (*theta, *(0.0,) * zeros), note
