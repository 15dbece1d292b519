"""Random-walk Metropolis on the continuum N-ring: a sampler of p_theta that uses no grid (docs/theory.md 5.16).

    p_theta(x) proportional to exp(-H(x)),   H(x) = sum_i V(x_i) - K sum_i x_i x_(i+1)   (ring: site N is site 0)

Each chain updates the sites of one colour at a time (even sites, then odd sites, and for odd N the
last site alone: no two sites of a colour are neighbours, so they are conditionally independent given
the others), proposing x_i' = x_i + sigma xi with xi standard normal and accepting with probability
min(1, exp(-(Delta V - K (x_i' - x_i)(x_(i-1) + x_(i+1))))). Each colour's update leaves p_theta invariant
(detailed balance), so a sweep does. sigma is tuned during the burn-in only (towards an acceptance of
0.45), and fixed afterwards: the recorded samples come from a fixed Metropolis kernel.

The samples of one chain are correlated; chains are independent. Standard errors therefore come from
**batch means over chains**: the mean of a statistic over one chain's samples is one batch, and the
standard error of the overall mean is the standard deviation of the batch means over sqrt(chains),
which includes every autocorrelation within a chain (``batch_means``). Nothing here uses the grid
chain, the trapezoid kernel or the transfer operator; the tests compare its moments with the
Gauss-Hermite Nystrom route (``numerics.nystrom``) by these standard errors.

>>> s = MetropolisRing(0.5, (1.0,), N=8, chains=4, seed=0)
>>> s.sample(10).shape                                     # chains x samples x sites
(4, 10, 8)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from proofs.errors import InadmissibleParameter, MalformedInput
from proofs.family import admissible

TARGET_ACCEPTANCE = 0.45


class MetropolisRing:
    """Independent random-walk Metropolis chains on the N-ring (see the module docstring)."""

    def __init__(self, K, a, N, *, chains=64, seed=0, burn_in=400):
        K, a = float(K), tuple(float(v) for v in a)
        if not admissible(K, a):
            raise InadmissibleParameter("theta", (K, a), "not admissible (docs/theory.md 1)")
        if not isinstance(N, int) or N < 3:
            raise MalformedInput("N", repr(N), "the ring needs an integer N >= 3 sites")
        if not isinstance(chains, int) or chains < 2:
            raise MalformedInput("chains", repr(chains), "batch means need at least 2 independent chains")
        self.K, self.a, self.N, self.chains = K, a, N, chains
        self.rng = np.random.default_rng(seed)
        idx = np.arange(N)
        colours = [idx[(idx % 2 == 0) & (idx < N - (N % 2))], idx[idx % 2 == 1]]
        if N % 2:
            colours.append(np.array([N - 1]))
        self.colours = colours
        # a length where the potential is O(1): the start and the first proposal width
        scale = min(abs(v) ** (-1 / (2 * k)) for k, v in enumerate(a, 1) if v != 0)
        self.sigma = scale
        self.x = self.rng.normal(0.0, scale, size=(chains, N))
        self.acceptance = None
        self._burn(burn_in)

    def potential(self, x):
        """V(x) = sum_k a_k x^(2k), elementwise."""
        x2 = x * x
        out, p = np.zeros_like(x), np.ones_like(x)
        for ak in self.a:
            p = p * x2
            out += ak * p
        return out

    def _colour_update(self, c):
        x = self.x
        old = x[:, c]
        new = old + self.sigma * self.rng.standard_normal(old.shape)
        nb = x[:, (c - 1) % self.N] + x[:, (c + 1) % self.N]
        dH = self.potential(new) - self.potential(old) - self.K * (new - old) * nb
        accept = np.log(self.rng.random(old.shape)) < -dH
        x[:, c] = np.where(accept, new, old)
        return accept.mean()

    def sweep(self):
        """One update of every colour; the fraction of accepted proposals."""
        return float(np.mean([self._colour_update(c) for c in self.colours]))

    def _burn(self, sweeps):
        """Burn-in: sweeps with sigma tuned every 20 sweeps towards TARGET_ACCEPTANCE (then frozen)."""
        acc = []
        for t in range(sweeps):
            acc.append(self.sweep())
            if (t + 1) % 20 == 0 and t < sweeps // 2:
                rate = float(np.mean(acc[-20:]))
                self.sigma *= math.exp(rate - TARGET_ACCEPTANCE)
        self.acceptance = float(np.mean(acc[-max(1, sweeps // 4):])) if acc else None

    def sample(self, samples, thin=1):
        """(chains, samples, N) configurations, one every ``thin`` sweeps of the fixed kernel."""
        out = np.empty((self.chains, samples, self.N))
        acc = []
        for t in range(samples):
            for _ in range(thin):
                acc.append(self.sweep())
            out[:, t] = self.x
        self.acceptance = float(np.mean(acc)) if acc else self.acceptance
        return out


@dataclass(frozen=True)
class BatchMean:
    """A mean over chains x samples with its batch-means standard error and effective sample size."""

    mean: float
    se: float
    ess: float
    batches: int


def batch_means(values):
    """Mean, s.e. = sd(chain means) / sqrt(chains), and ESS = var / s.e.^2 of an array (chains, samples).

    >>> v = np.random.default_rng(1).normal(size=(50, 200))     # independent values: ESS near 10^4
    >>> b = batch_means(v)
    >>> 0.6 < b.ess / 10 ** 4 < 1.6, b.batches
    (True, 50)
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[0] < 2:
        raise MalformedInput("values", str(v.shape), "expected (chains >= 2, samples)")
    chain_means = v.mean(axis=1)
    se = float(chain_means.std(ddof=1) / math.sqrt(v.shape[0]))
    var = float(v.var(ddof=1))
    return BatchMean(float(v.mean()), se, var / se ** 2 if se > 0 else math.inf, v.shape[0])


def ring_statistics(x, lags=(1,), n_moments=1):
    """Translation averages per configuration: [(1/N) sum_i x_i x_(i+r) for r in lags] + [(1/N) sum_i x_i^(2k)]."""
    x = np.asarray(x, dtype=float)
    cols = [(x * np.roll(x, -r, axis=-1)).mean(-1) for r in lags]
    cols += [(x ** (2 * k)).mean(-1) for k in range(1, n_moments + 1)]
    return np.stack(cols, axis=-1)
