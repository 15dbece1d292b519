"""Samplers checked against a reference that uses no grid chain (docs/theory.md 5.16).

The reference is the Gauss-Hermite Nystrom discretization of the N-ring (``numerics.nystrom.ring_moments``:
other nodes, other weights, another eigensolver than ``numerics.network.grid_chain``). Two samplers are judged
against it by standard errors and z-scores:

- the continuum Metropolis chains of ``numerics.network.metropolis`` (no grid at all), with batch-means standard
  errors over 64 independent chains: each z is then Student-t with 63 degrees of freedom;
- the exact grid sampler ``numerics.network.sampler.GridRingSampler`` (i.i.d. draws, z standard normal).

Bands, computed here from the distributions they use (not asserted from memory): each test makes five
comparisons at |z| < 4, so its false-failure rate per run is at most 5 P(|t_63| > 4) = 8.5e-4 (Metropolis) or
5 P(|Z| > 4) = 3.2e-4 (grid sampler), by the union bound. Seeds are fixed.
"""
import math

import mpmath
import numpy as np
import pytest
import torch

from numerics import nystrom
from numerics.network.estimator import chi_hat, project_ring
from numerics.network.metropolis import MetropolisRing, batch_means, ring_statistics
from numerics.network.sampler import GridRingSampler
from proofs.errors import MalformedInput
from proofs.family import Chain

Z_MAX = 4.0
CHAINS = 64
LAGS = (1, 2, 4)
WELLS = [(0.4, (0.5, 0.1)), (0.5, (-1.0, 0.25))]       # docs/theory.md 6


def t_tail(c, df):
    """P(|t_df| > c) (regularized incomplete beta)."""
    return float(mpmath.betainc(df / 2, 0.5, 0, df / (df + c * c), regularized=True))


def test_the_stated_bands_are_what_the_docstring_says():
    assert 5 * t_tail(Z_MAX, CHAINS - 1) < 1e-3
    assert 5 * float(mpmath.erfc(Z_MAX / mpmath.sqrt(2))) < 4e-4


def _reference(K, a, N):
    ch = Chain.polynomial(str(K), [str(v) for v in a])
    v, err = nystrom.ring_moments(ch, N, lags=LAGS, n_moments=2)
    assert err.max() < 1e-10
    return v


@pytest.mark.parametrize("K, a", WELLS)
def test_metropolis_ring_moments_agree_with_the_nystrom_ring(K, a):
    N = 8                                # a small ring: its moments differ from the infinite chain's
    ref = _reference(K, a, N)
    s = MetropolisRing(K, a, N, chains=CHAINS, seed=5)
    st = ring_statistics(s.sample(1500), LAGS, 2)
    z = [(batch_means(st[..., i]).mean - ref[i]) / batch_means(st[..., i]).se for i in range(len(ref))]
    assert max(abs(v) for v in z) < Z_MAX, z
    assert 0.2 < s.acceptance < 0.7


def test_metropolis_with_the_wrong_coupling_is_caught():
    """Power: chains run at K = 0.3 instead of 0.5 (double well) must be many standard errors off."""
    N = 8
    ref = _reference(0.5, (-1.0, 0.25), N)
    st = ring_statistics(MetropolisRing(0.3, (-1.0, 0.25), N, chains=CHAINS, seed=5).sample(1500), LAGS, 2)
    b = batch_means(st[..., 0])
    assert abs(b.mean - ref[0]) / b.se > 10


@pytest.mark.parametrize("K, a", WELLS)
def test_grid_sampler_agrees_with_the_nystrom_ring(K, a):
    """numerics.network.sampler (the exact sampler of the grid chain) against a reference without the grid chain."""
    N, S = 8, 20_000
    ref = _reference(K, a, N)
    x = GridRingSampler(K, a, N).sample(S, torch.Generator().manual_seed(3)).numpy()
    st = ring_statistics(x, LAGS, 2)
    z = (st.mean(0) - ref) / (st.std(0, ddof=1) / math.sqrt(S))
    assert np.max(np.abs(z)) < Z_MAX, z


def test_batch_means_standard_error_is_honest_for_correlated_samples():
    """AR(1) chains x_t = phi x_(t-1) + e_t, phi = 0.9: the s.e. of the mean is sqrt(tau / (C T)) sigma with
    sigma^2 = 1 / (1 - phi^2), tau = (1 + phi) / (1 - phi) = 19. The batch-means s.e. from 64 chains is
    sqrt(chi^2_63 / 63) times it: the band [0.7, 1.3] fails with probability 7.3e-4 (computed below); the i.i.d.
    formula, about 1/sqrt(19) of the truth, is far outside it."""
    lo = mpmath.gammainc(31.5, 0, 0.49 * 63 / 2, regularized=True)
    hi = mpmath.gammainc(31.5, 1.69 * 63 / 2, mpmath.inf, regularized=True)
    assert lo + hi < 1e-3
    phi, C, T = 0.9, CHAINS, 4000
    rng = np.random.default_rng(11)
    x = np.empty((C, T))
    x[:, 0] = rng.normal(size=C) / math.sqrt(1 - phi ** 2)
    e = rng.normal(size=(C, T))
    for t in range(1, T):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    true_se = math.sqrt((1 + phi) / (1 - phi) / (C * T) / (1 - phi ** 2))
    b = batch_means(x)
    assert 0.7 < b.se / true_se < 1.3
    naive = x.std() / math.sqrt(x.size)
    assert naive / true_se < 0.4
    assert 0.5 * C * T / 19 < b.ess < 2 * C * T / 19


def test_projection_recovers_theta_from_an_independent_forward_map():
    """chi on the M-ring (numerics.network.estimator.project_ring, the grid chain) inverts the Nystrom ring moments."""
    M = 16
    for K, a in [(0.5, (1.0,)), *WELLS]:
        ch = Chain.polynomial(str(K), [str(v) for v in a])
        v, _ = nystrom.ring_moments(ch, M, lags=(1,), n_moments=len(a))
        theta = project_ring(np.array(v), M, len(a))[0]
        assert np.max(np.abs(np.array(theta) - np.array([K, *a]))) < 1e-7, (K, a, theta)


def test_chi_hat_with_batches_uses_the_batch_means():
    y = MetropolisRing(0.5, (1.0,), 16, chains=8, seed=2).sample(200).reshape(-1, 16)
    iid, batched = chi_hat(y, 1), chi_hat(y, 1, batches=8)
    assert iid.theta == batched.theta
    assert batched.se[0] > 1.5 * iid.se[0]           # correlated samples: the i.i.d. s.e. is too small
    assert "batch means" in batched.note
    with pytest.raises(MalformedInput):
        chi_hat(y, 1, batches=7)


def test_metropolis_refuses_bad_input():
    with pytest.raises(MalformedInput):
        MetropolisRing(0.5, (1.0,), 2)
    with pytest.raises(MalformedInput):
        MetropolisRing(0.5, (1.0,), 8, chains=1)
    with pytest.raises(MalformedInput):
        batch_means(np.zeros(5))
