"""Samplers for p_theta on the N-site periodic chain (docs/theory.md section 1).

Gaussian (n = 1): exact, by FFT. The precision matrix of H = sum a x_i^2 - K x_i x_(i+1)
on the ring is circulant with eigenvalues lambda_k = 2a - 2K cos(2 pi k / N), so

    x = IFFT( FFT(z) / sqrt(lambda) ),   z ~ N(0, I_N)

has covariance exactly C_N(r) = (u^r + u^(N-r)) / (2 rho (1 - u^N)) (the infinite-chain
C(r) = u^|r| / (2 rho) summed over windings).

Any even V: the grid chain of ``grid_chain`` on the trapezoid nodes, sampled exactly by
bisection of the ring. x_0 ~ S^N(x, x) / Tr S^N; then every stretch (l, r) of the ring whose
end values are known gets its middle site c = l + (r - l) // 2 from

    x_c ~ S^(c-l)(x_l, y) S^(r-c)(y, x_r)          (x_N is x_0)

and splits into (l, c) and (c, r): log2(N) rounds, each drawing all middle sites of the batch at
once. A round's law is a row of a cumulative table indexed by its end values: for stretches of
length 2 it depends on x_l + x_r only (S(l, y) S(y, r) = h^2 e^(K (x_l + x_r) y - V(y) - ...)),
for the first round on x_0 alone; other rounds are tabulated over (x_l, x_r) while the tables fit
``TABLE_BYTES``, else their weights are formed per draw. A draw is a binary search of its
uniform in the row (no normalization, no rounding of the weights beyond their float64 sums).
The sampled law is the grid chain exactly; its moments differ from the continuum by the
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
    """Exact sampler of the grid chain on the N-ring (any even V), by bisection (see module docstring)."""

    TABLE_BYTES = 48 << 20          # cumulative tables over (x_l, x_r) kept per sampler
    CHUNK = 8192                    # draws formed at once where weights are built per draw

    def __init__(self, K, a, N, h=1 / 16, dtype=torch.float64, table_bytes=None):
        if not isinstance(N, int) or N < 3:
            raise MalformedInput("N", repr(N), "the ring needs an integer N >= 3 sites")
        self.N, self.dtype = N, dtype
        self.grid = g = GridChain(K, a, h)
        G = len(g.x)
        self._plan = _bisection_plan(N)
        need = {m for level in self._plan for (m1, m2, _), _ in level for m in (m1, m2)}
        # P[m] = S^m / lambda_0^m (row-stochastic up to the Perron normalization), kept for the m the plan uses
        S = np.clip(g.S / g.lam0, 0, None)
        P, Pm = {}, np.eye(G)
        for m in range(1, N + 1):
            Pm = matmul(Pm, S)
            if m in need:
                P[m] = np.clip(Pm, 0, None)
        self._P = P
        d = np.clip(np.diag(Pm), 0, None)
        self._c0 = np.cumsum(d / d.sum())
        self._x = torch.from_numpy(g.x)
        # tables over (x_l, x_r) for the rounds with the most draws, while they fit TABLE_BYTES
        # (symmetric stretches m1 = m2 keep the rows i_l <= i_r only)
        self._tabulated, budget = set(), self.TABLE_BYTES if table_bytes is None else table_bytes
        for level in sorted(self._plan, key=lambda lv: -sum(len(cs) for _, cs in lv)):
            for key, _ in level:
                size = (G * (G + 1) // 2 if key[0] == key[1] else G * G) * G * 8
                if key[2] == "pair" and key not in self._tabulated and size <= budget:
                    budget -= size
                    self._tabulated.add(key)
        self._tables = {}

    def _table(self, key):
        """The cumulative weights of one round's law, one row per end values (None: formed per draw)."""
        if key not in self._tables:
            m1, m2, kind = key
            G = len(self.grid.x)
            P1, P2 = self._P[m1], self._P[m2]
            tab = None
            if kind == "sum":           # stretches of length 2: a row per x_l + x_r (index sum s = i_l + i_r)
                s = np.arange(2 * G - 1)
                lo = np.minimum(s, G - 1)
                tab = np.cumsum(P1[lo] * P1[s - lo], axis=1)
            elif kind == "ring":        # the first round: both ends are x_0, a row per x_0
                tab = np.cumsum(P1 * P2, axis=1)
            elif key in self._tabulated and m1 == m2:     # a row per i_l <= i_r (the law is symmetric)
                tab = np.concatenate([np.cumsum(P1[l][None, :] * P2[l:], axis=1) for l in range(G)])
            elif key in self._tabulated:                  # a row per (i_l, i_r)
                tab = np.concatenate([np.cumsum(P1[l][None, :] * P2, axis=1) for l in range(G)])
            self._tables[key] = tab
        return self._tables[key]

    def sample(self, batch, generator):
        G, N = len(self.grid.x), self.N
        u = torch.rand(batch, N, generator=generator, dtype=torch.float64).numpy()
        idx = np.empty((batch, N + 1), dtype=np.int64)          # column N is x_0 again (the ring closes)
        idx[:, 0] = np.minimum(np.searchsorted(self._c0, u[:, 0] * self._c0[-1]), G - 1)
        idx[:, N] = idx[:, 0]
        for level in self._plan:
            for key, cols in level:
                c, l, r = (list(v) for v in zip(*cols))
                L, R, U = idx[:, l].ravel(), idx[:, r].ravel(), u[:, c].ravel()
                tab = self._table(key)
                if tab is None:
                    out = self._formed(key[0], key[1], L, R, U)
                else:
                    if key[2] == "sum":
                        row = L + R
                    elif key[2] == "ring":
                        row = L
                    elif key[0] == key[1]:
                        lo, hi = np.minimum(L, R), np.maximum(L, R)
                        row = lo * G - lo * (lo - 1) // 2 + (hi - lo)
                    else:
                        row = L * G + R
                    out = _search_rows(tab, row, U)
                idx[:, c] = out.reshape(batch, len(cols))
        return self._x[torch.from_numpy(idx[:, :N])].to(self.dtype)

    def _formed(self, m1, m2, L, R, U):
        """Draws whose weights S^m1(x_l, y) S^m2(y, x_r) are formed per draw, in chunks."""
        G = len(self.grid.x)
        out = np.empty_like(L)
        for i in range(0, len(L), self.CHUNK):
            sl = slice(i, i + self.CHUNK)
            c = np.cumsum(self._P[m1][L[sl]] * self._P[m2][R[sl]], axis=1)
            out[sl] = np.minimum((c < (U[sl] * c[:, -1])[:, None]).sum(axis=1), G - 1)
        return out


def _bisection_plan(N):
    """Rounds of the ring's bisection: each a list of ((m1, m2, kind), [(c, l, r), ...]), by stretch lengths.

    kind: "ring" for the first round (both ends are x_0), "sum" for stretches of length 2, else "pair".

    >>> [[(key, len(cs)) for key, cs in lv] for lv in _bisection_plan(8)]
    [[((4, 4, 'ring'), 1)], [((2, 2, 'pair'), 2)], [((1, 1, 'sum'), 4)]]
    >>> sorted(c for lv in _bisection_plan(7) for _, cs in lv for c, _, _ in cs)
    [1, 2, 3, 4, 5, 6]
    """
    plan, todo = [], [(0, N)]
    while todo:
        groups, nxt = {}, []
        for l, r in todo:
            if r - l < 2:
                continue
            c = l + (r - l) // 2
            kind = "ring" if (l, r) == (0, N) else "sum" if r - l == 2 else "pair"
            groups.setdefault((c - l, r - c, kind), []).append((c, l, r))
            nxt += [(l, c), (c, r)]
        if groups:
            plan.append(sorted(groups.items()))
        todo = nxt
    return plan


def _search_rows(tab, row, U):
    """For each draw, the first j with tab[row, j] >= U * tab[row, -1] (searchsorted's rule), by bisection."""
    G = tab.shape[1]
    flat = tab.ravel()
    base = row * G
    t = U * flat[base + G - 1]
    lo = np.zeros_like(row)
    hi = np.full_like(row, G - 1)
    for _ in range(max(1, (G - 1).bit_length())):
        mid = (lo + hi) >> 1
        right = flat[base + mid] < t
        lo = np.where(right, mid + 1, lo)
        hi = np.where(right, hi, mid)
    return lo


def make_sampler(K, a, N, *, h=1 / 16, dtype=torch.float64):
    """The exact FFT sampler when V is quadratic, else the grid-chain sampler."""
    a = [float(v) for v in a]
    if all(v == 0 for v in a[1:]):
        return GaussianRingSampler(K, a[0], N, dtype)
    return GridRingSampler(K, a, N, h, dtype)
