"""The Ising N-ring: closed forms and an exact sampler by the transfer matrix (docs/theory.md 1, 2, 3.1).

    p(s) = exp(K sum_i s_i s_(i+1)) / Z_N,  s in {-1, +1}^N,  s_N = s_0
    T(s, s') = exp(K s s') = cosh K + s s' sinh K, eigenvalues lambda_0 = 2 cosh K, lambda_1 = 2 sinh K:
    T^m(s, s') = (lambda_0^m + lambda_1^m s s') / 2 = (lambda_0^m / 2) (1 + t^m s s')

so with t = tanh K every closed form is a polynomial in t:

    Z_N = (2 cosh K)^N (1 + t^N),   E[s_0 s_r] = (t^r + t^(N-r)) / (1 + t^N)   (ring)
    entropy per site (infinite chain) = log 2cosh K - K tanh K

Sampler: s_0 is uniform (Z2 symmetry), then site by site

    P(s_(j+1) = s' | s_j, s_0) ∝ T(s_j, s') T^(N-j-1)(s', s_0) ∝ (1 + t s_j s')(1 + t^(N-j-1) s' s_0),

which is the ring's law exactly (the ring closes through the factor T^(N-j-1)(s', s_0); at the
last site N-j-1 = 1). Every row may carry its own K (the regress-theta prior draws K per sample).

>>> import torch
>>> s = IsingRingSampler(0.8, N=8).sample(3, torch.Generator().manual_seed(0))
>>> s.shape, sorted(set(s.flatten().tolist()))
(torch.Size([3, 8]), [-1.0, 1.0])
>>> round(ring_correlation(0.5, 4, 1), 12)         # (t + t^3)/(1 + t^4) at t = 1/2
0.588235294118
"""
from __future__ import annotations

import math

import torch

from proofs.errors import MalformedInput, NotSupported

# 1 - tanh K = 2 e^(-2K) / (1 + e^(-2K)): below 1e-12 (K > 14.2) float64 cannot tell the ring from a frozen one.
FROZEN = 1e-12


def ring_correlation(t, N, r):
    """E[s_0 s_r] on the Ising N-ring: (t^r + t^(N-r)) / (1 + t^N), t = tanh K (docs/theory.md 2)."""
    return (t ** r + t ** (N - r)) / (1 + t ** N)


def entropy_rate(K):
    """Entropy per site of the infinite Ising chain: log 2cosh K - K tanh K (nats)."""
    K = float(K)
    return math.log(2 * math.cosh(K)) - K * math.tanh(K)


def ring_entropy_per_site(K, N):
    """Entropy per site of the Ising N-ring: (log Z_N - K N E[s0 s1]) / N, Z_N = (2cosh K)^N (1 + t^N)."""
    K = float(K)
    t = math.tanh(K)
    return math.log(2 * math.cosh(K)) + math.log1p(t ** N) / N - K * ring_correlation(t, N, 1)


def ring_log_prob(s, K):
    """log p(s) of the Ising N-ring per row of s (torch, +-1): K sum_i s_i s_(i+1) - log Z_N."""
    K = float(K)
    N = s.shape[-1]
    log_z = N * math.log(2 * math.cosh(K)) + math.log1p(math.tanh(K) ** N)
    return K * (s * torch.roll(s, -1, dims=-1)).sum(-1) - log_z


def check_ising_K(K):
    """tanh K as a float, or NotSupported where float64 cannot resolve the ring (|K| > ~14)."""
    K = float(K)
    t = math.tanh(K)
    if not 1 - abs(t) > FROZEN:
        raise NotSupported(f"Ising K = {K:g}: 1 - |tanh K| < {FROZEN:g}, the ring is frozen in float64 "
                           "(every spin equal); use |K| <= 14")
    return t


class IsingRingSampler:
    """Exact sampler of the Ising N-ring (sequential transfer-matrix conditionals; see module docstring).

    ``bonds=True``: the same law by another exact route, vectorized over the ring (``ring_spins_bonds``);
    another random stream, so a seed gives other samples than the default.
    """

    def __init__(self, K, N, dtype=torch.float64, bonds=False):
        if isinstance(N, bool) or not isinstance(N, int) or N < 3:
            raise MalformedInput("N", repr(N), "the ring needs an integer N >= 3 sites")
        self.K, self.N, self.dtype = float(K), N, dtype
        self.t = check_ising_K(K)
        self.bonds = bool(bonds)

    def sample(self, batch, generator, K=None):
        """(batch x N) spins +-1 in ``dtype``; ``K``: optional per-row couplings (a float64 tensor)."""
        t = (torch.full((batch,), self.t, dtype=torch.float64) if K is None
             else torch.tanh(torch.as_tensor(K, dtype=torch.float64)).reshape(batch))
        return (ring_spins_bonds if self.bonds else ring_spins)(t, self.N, generator).to(self.dtype)


def ring_spins_bonds(t, N, generator):
    """Spins of the N-ring by its bonds, one row per entry of t = tanh K (float64 tensor); exact.

    With tau_j = s_j s_(j+1) (j mod N), exp(K s_j s_(j+1)) = cosh K (1 + t tau_j), and (s_0, tau) <-> s is
    one-to-one on the configurations with prod_j tau_j = +1. So s_0 is a fair coin and the bonds are
    independent with P(tau_j = +1) = (1 + t) / 2, conditioned on an even number of -1 bonds: drawn by
    rejection (a row is redrawn until its parity is even; acceptance (1 + t^N) / 2 per draw), then
    s_j = s_0 tau_0 ... tau_(j-1).
    """
    B = len(t)
    tau = torch.empty(B, N, dtype=torch.float64)
    todo = torch.arange(B)
    while len(todo):
        u = torch.rand(len(todo), N, generator=generator, dtype=torch.float64)
        draw = torch.where(u < 0.5 * (1 + t[todo, None]), 1.0, -1.0).to(torch.float64)
        even = draw.prod(1) > 0
        tau[todo[even]] = draw[even]
        todo = todo[~even]
    s0 = torch.where(torch.rand(B, generator=generator, dtype=torch.float64) < 0.5, 1.0, -1.0).to(torch.float64)
    s = torch.empty(B, N, dtype=torch.float64)
    s[:, 0] = s0
    s[:, 1:] = s0[:, None] * torch.cumprod(tau[:, :-1], dim=1)
    return s


def ring_spins(t, N, generator):
    """Spins of the N-ring, one row per entry of t = tanh K (float64 tensor); exact conditionals."""
    B = len(t)
    u = torch.rand(B, N, generator=generator, dtype=torch.float64)
    s = torch.empty(B, N, dtype=torch.float64)
    s[:, 0] = torch.where(u[:, 0] < 0.5, 1.0, -1.0)
    s0 = s[:, 0]
    for j in range(N - 1):
        tm = t ** (N - j - 1)
        plus = (1 + t * s[:, j]) * (1 + tm * s0)
        minus = (1 - t * s[:, j]) * (1 - tm * s0)
        s[:, j + 1] = torch.where(u[:, j + 1] * (plus + minus) < plus, 1.0, -1.0)
    return s


class IsingPrior:
    """regress-theta prior: K uniform on K_0 (1 +- w) per sample, the Ising ring sampled exactly at that K.

    ``draw`` returns (spins, K standardized to [-1, 1]) like objectives.GaussianPrior.
    """

    def __init__(self, K, N, width, dtype):
        self.center = torch.tensor([float(K)], dtype=torch.float64)
        self.half = (self.center.abs() * width).clamp(min=1e-12)
        check_ising_K(float(self.center + self.half))
        self.N, self.dtype = N, dtype

    def draw(self, batch, generator):
        u = torch.rand(batch, 1, generator=generator, dtype=torch.float64) * 2 - 1
        K = self.center + u * self.half
        x = ring_spins(torch.tanh(K[:, 0]), self.N, generator)
        return x.to(self.dtype), u.to(self.dtype)
