"""Samplers for p_theta on the N-site periodic chain (docs/theory.md section 1).

Gaussian (n = 1): exact, by FFT. The precision matrix of H = sum a x_i^2 - K x_i x_(i+1)
on the ring is circulant with eigenvalues lambda_k = 2a - 2K cos(2 pi k / N), so

    x = IFFT( FFT(z) / sqrt(lambda) ),   z ~ N(0, I_N)

has covariance exactly C_N(r) = (u^r + u^(N-r)) / (2 rho (1 - u^N)) (the infinite-chain
C(r) = u^|r| / (2 rho) summed over windings).

Any even V: forward sampling with backward messages ("forward filtering, backward
sampling" run in the order that suits a ring) on the trapezoid grid of ``grid_chain``.
The sampled law is the grid chain exactly: x_0 ~ S^N(x, x) / Tr S^N, then
x_(t+1) ~ S(x_t, y) S^(N-t-1)(y, x_0). Its moments differ from the continuum by the
trapezoid error (``grid_chain.error_estimate``, below 1e-12 at h = 1/16 for the
standard examples (docs/theory.md 6)); the samples sit on the nodes x_j = j h (a lattice of spacing h).

>>> import torch
>>> s = GaussianRingSampler(0.5, 1.0, N=8)
>>> s.sample(4, torch.Generator().manual_seed(0)).shape
torch.Size([4, 8])
"""
from __future__ import annotations

import math

import numpy as np
import torch

from numerics.blas import matmul
from numerics.network.grid_chain import GridChain
from proofs.errors import InadmissibleParameter, MalformedInput
from proofs.family import admissible


def gaussian_ring_covariance(K, a, N, r):
    """C_N(r) of the Gaussian N-ring: (u^r + u^(N-r)) / (2 rho (1 - u^N)), rho = sqrt(a^2 - K^2)."""
    rho = math.sqrt(a * a - K * K)
    u = K / (a + rho)
    return (u ** r + u ** (N - r)) / (2 * rho * (1 - u ** N))


def gaussian_ring_log_partition(K, a, N):
    """log Z_N of the Gaussian N-ring, H = sum a x_i^2 - K x_i x_(i+1): (1/2) sum_k log(2 pi / lambda_k).

    lambda_k = 2a - 2K cos(2 pi k / N) (the circulant precision matrix); the entropy per site is
    1/2 + log Z_N / N, since E[H] = N / 2 (equipartition).

    >>> abs(gaussian_ring_log_partition(0.0, 1.0, 4) - 2 * math.log(math.pi)) < 1e-15
    True
    """
    return 0.5 * sum(math.log(2 * math.pi / (2 * a - 2 * K * math.cos(2 * math.pi * k / N))) for k in range(N))


class GaussianRingSampler:
    """Exact sampler of the Gaussian N-ring (FFT of white noise scaled by lambda_k^(-1/2))."""

    def __init__(self, K, a, N, dtype=torch.float64):
        K, a = float(K), float(a)
        if not admissible(K, (a,)):                     # the one rule (proofs.family); for n = 1: a_1 > |K|
            raise InadmissibleParameter("a_1", a, f"the Gaussian chain needs a_1 > |K| = {abs(K)}")
        if not isinstance(N, int) or N < 3:
            raise MalformedInput("N", repr(N), "the ring needs an integer N >= 3 sites")
        self.K, self.a, self.N, self.dtype = K, a, N, dtype
        k = torch.arange(N, dtype=torch.float64)
        lam = 2 * a - 2 * K * torch.cos(2 * math.pi * k / N)
        self.scale = lam.rsqrt()

    def sample(self, batch, generator):
        z = torch.randn(batch, self.N, generator=generator, dtype=torch.float64)
        x = torch.fft.ifft(torch.fft.fft(z, dim=-1) * self.scale, dim=-1).real
        return x.to(self.dtype)


# Markov bulk (``markov=True``): the total-variation distance per site between the Markov kernel and the
# exact ring conditional must stay below this. The exact conditionals themselves come from float64 matrix
# powers S^m with relative errors up to ~m 1e-16 (1e-13 at m = 1024), so a tighter bound would test rounding.
MARKOV_TV = 1e-12


class GridRingSampler:
    """Exact sampler of the grid chain on the N-ring (any even V; see module docstring).

    ``markov=True``: far from the ring's closure the exact conditional of x_(t+1) given x_t and x_0,
    proportional to S(x_t, y) S^m(y, x_0) with m = N - t - 1 sites left, equals the chain's Markov kernel
    Q(x, y) = S(x, y) phi(y) / (lambda_0 phi(x)) (phi the top eigenvector, here S^N(., c) / norm) up to a total-variation distance
    that falls like |lambda_1 / lambda_0|^m. At construction the sampler computes that distance exactly on
    the grid for every m and every (x_t, x_0), averages it over the ring's law of (x_t, x_0), and uses Q,
    drawn in O(1) per site from Walker alias tables, for the sites where the average is below MARKOV_TV =
    1e-12 (``markov_from``: the smallest m from which on it stays below, so the last sites before the closure
    keep the exact conditional). By the coupling bound (the total variation of the joint law is at most the
    sum over sites of these averages) the sampled law differs from the exact ring's by at most N x 1e-12
    (1e-9 at N = 1024), orders of magnitude below what any sample can resolve. Same law, another random stream: a seed
    gives other samples than with ``markov=False``, which stays the default.
    """

    def __init__(self, K, a, N, h=1 / 16, dtype=torch.float64, markov=False):
        if not isinstance(N, int) or N < 3:
            raise MalformedInput("N", repr(N), "the ring needs an integer N >= 3 sites")
        self.N, self.dtype = N, dtype
        self.grid = g = GridChain(K, a, h)
        # P[m] = S^m / lambda_0^m for m = 0..N (row-stochastic up to the Perron normalization).
        S = g.S / g.lam0
        P = np.empty((N + 1, len(g.x), len(g.x)))
        P[0] = np.eye(len(g.x))
        for m in range(1, N + 1):
            P[m] = matmul(P[m - 1], S)
        self._P = torch.from_numpy(P)
        d = np.clip(np.diag(P[N]), 0, None)
        self._p0 = torch.from_numpy(d / d.sum())
        self._x = torch.from_numpy(g.x)
        self.markov_from = N                          # no site is drawn from the Markov kernel
        if markov:
            self._markov_tables(P)

    def _markov_tables(self, P):
        """Q, its alias tables, and markov_from: the smallest m whose conditionals are within MARKOV_TV of Q."""
        # phi(y) proportional to S^N(y, c) (c the central node): positive products keep every entry's relative
        # accuracy, tails included, where an eigensolver's phi has only absolute accuracy
        col = P[self.N][:, len(self.grid.x) // 2]
        Q = P[1] * col[None, :]
        Q /= Q.sum(1, keepdims=True)
        N, Z = self.N, np.trace(P[self.N])
        m0 = N
        for m in range(N - 1, 0, -1):
            # the step drawing x_(t+1), t = N - 1 - m: exact conditional c(y | x, x0) = P1(x, y) P_m(y, x0) /
            # P_(m+1)(x, x0) against Q(x, y), its total variation averaged over the ring's law of (x_t, x_0)
            with np.errstate(divide="ignore", invalid="ignore"):     # P_(m+1)(x, x0) = 0: a pair of weight 0
                c = P[1][:, None, :] * P[m].T[None, :, :] / P[m + 1][:, :, None]
                tv = 0.5 * np.abs(c - Q[:, None, :]).sum(2)
            t = N - 1 - m
            joint = P[t].T * P[N - t] / Z                              # N - t = m + 1
            if not np.where(joint > 0, joint * tv, 0.0).sum() < MARKOV_TV:
                break
            m0 = m
        self.markov_from = m0
        self._prob, self._alias = (torch.from_numpy(v.ravel()) for v in _alias_tables(Q))

    def sample(self, batch, generator):
        G, N, P = len(self.grid.x), self.N, self._P
        idx = torch.empty(batch, N, dtype=torch.int64)
        idx[:, 0] = _categorical(self._p0.expand(batch, G), generator)
        x0 = idx[:, 0]
        bulk = max(0, N - self.markov_from)           # x_1 .. x_bulk from the Markov kernel (m >= markov_from)
        if bulk:                                      # numpy on a view of idx: small arrays, little overhead
            k = torch.randint(G, (bulk, batch), generator=generator).numpy()
            u = torch.rand(bulk, batch, generator=generator, dtype=torch.float64).numpy()
            view, prob, alias = idx.numpy(), self._prob.numpy(), self._alias.numpy()
            for t in range(bulk):
                flat = view[:, t] * G + k[t]
                view[:, t + 1] = np.where(u[t] < prob[flat], k[t], alias[flat])
        for t in range(bulk, N - 1):
            # S(x_t, y) S^(N-t-1)(y, x_0); S^m is symmetric, so rows serve as columns
            w = P[1].index_select(0, idx[:, t]) * P[N - t - 1].index_select(0, x0)
            idx[:, t + 1] = _categorical(w, generator)
        return self._x[idx].to(self.dtype)


def _alias_tables(Q):
    """Walker/Vose alias tables (prob, alias), one row per row of the stochastic matrix Q.

    Drawing k uniform in 0..G-1 and keeping k with probability prob[x, k], else alias[x, k], samples row x of Q.
    """
    G = Q.shape[1]
    prob = np.ones(Q.shape)
    alias = np.tile(np.arange(G), (Q.shape[0], 1))
    for i, row in enumerate(Q):
        scaled = row * G
        small = [j for j in range(G) if scaled[j] < 1.0]
        large = [j for j in range(G) if scaled[j] >= 1.0]
        while small and large:
            s, big = small.pop(), large.pop()
            prob[i, s], alias[i, s] = scaled[s], big
            scaled[big] -= 1.0 - scaled[s]
            (small if scaled[big] < 1.0 else large).append(big)
    return prob, alias


def _categorical(w, generator):
    c = torch.cumsum(w.clamp(min=0), dim=1)
    u = torch.rand(len(c), 1, generator=generator, dtype=c.dtype) * c[:, -1:]
    return torch.searchsorted(c, u).squeeze(1).clamp(max=c.shape[1] - 1)


def make_sampler(K, a, N, *, h=1 / 16, dtype=torch.float64, markov=False):
    """The exact FFT sampler when V is quadratic, else the grid-chain sampler (``markov``: its Markov bulk)."""
    a = [float(v) for v in a]
    if all(v == 0 for v in a[1:]):
        return GaussianRingSampler(K, a[0], N, dtype)
    return GridRingSampler(K, a, N, h, dtype, markov=markov)
