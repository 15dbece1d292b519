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


class GridRingSampler:
    """Exact sampler of the grid chain on the N-ring (any even V; see module docstring)."""

    def __init__(self, K, a, N, h=1 / 16, dtype=torch.float64):
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

    def sample(self, batch, generator):
        G, N, P = len(self.grid.x), self.N, self._P
        idx = torch.empty(batch, N, dtype=torch.int64)
        idx[:, 0] = _categorical(self._p0.expand(batch, G), generator)
        x0 = idx[:, 0]
        for t in range(N - 1):
            # S(x_t, y) S^(N-t-1)(y, x_0); S^m is symmetric, so rows serve as columns
            w = P[1].index_select(0, idx[:, t]) * P[N - t - 1].index_select(0, x0)
            idx[:, t + 1] = _categorical(w, generator)
        return self._x[idx].to(self.dtype)


def _categorical(w, generator):
    c = torch.cumsum(w.clamp(min=0), dim=1)
    u = torch.rand(len(c), 1, generator=generator, dtype=c.dtype) * c[:, -1:]
    return torch.searchsorted(c, u).squeeze(1).clamp(max=c.shape[1] - 1)


def make_sampler(K, a, N, *, h=1 / 16, dtype=torch.float64):
    """The exact FFT sampler when V is quadratic, else the grid-chain sampler."""
    a = [float(v) for v in a]
    if all(v == 0 for v in a[1:]):
        return GaussianRingSampler(K, a[0], N, dtype)
    return GridRingSampler(K, a, N, h, dtype)
