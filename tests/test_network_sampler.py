"""Samplers vs independently computed moments, by z-scores (docs/theory.md 1, 2, 5).

Each statistic is a mean over i.i.d. ring draws, so its standard error is the sample
standard deviation / sqrt(draws). Threshold |z| < 4.5 per statistic: a false alarm has
probability 7e-6 per statistic, ~1e-4 over this file; a wrong variance of 1% is caught
(z ~ 10 at these sizes), so the tests can fail.
"""
import numpy as np
import pytest
import torch

from numerics import api
from numerics.network.grid_chain import GridChain, error_estimate, ring_correlations
from numerics.network.sampler import GaussianRingSampler, GridRingSampler, gaussian_ring_covariance
from proofs.family import Chain

Z_MAX = 4.5


def _z(stat, ref):
    return (stat.mean() - ref) / (stat.std(ddof=1) / np.sqrt(len(stat)))


def _ring_stats(x, lags=(0, 1, 2)):
    return {r: (x * np.roll(x, -r, axis=1)).mean(1) for r in lags}


def test_gaussian_fft_sampler_matches_closed_form_ring_and_api():
    torch.set_num_threads(1)
    N, K, a = 32, 0.5, 1.0
    x = GaussianRingSampler(K, a, N).sample(20000, torch.Generator().manual_seed(3)).numpy()
    st = _ring_stats(x)
    for r in (0, 1, 2):
        assert abs(_z(st[r], gaussian_ring_covariance(K, a, N, r))) < Z_MAX
    # the ring differs from the infinite chain by u^N ~ 5e-19: the api's C(r) (numerics.exact's closed forms,
    # 30 digits) is the same number in float64, an independent route to the reference
    mo = api.moments(Chain.polynomial("0.5", ["1"]), dps=30, lags=2)
    assert abs(gaussian_ring_covariance(K, a, N, 0) - float(mo.m[0])) < 1e-15
    assert abs(gaussian_ring_covariance(K, a, N, 1) - float(mo.corr[0])) < 1e-15
    assert abs(_z((x ** 4).mean(1), 3 * float(mo.m[0]) ** 2)) < Z_MAX


def test_gaussian_sampler_detects_a_wrong_reference():
    # the same statistics reject a 2% error in the variance: the check above can fail
    x = GaussianRingSampler(0.5, 1.0, 32).sample(20000, torch.Generator().manual_seed(4)).numpy()
    assert abs(_z(_ring_stats(x)[0], 1.02 * gaussian_ring_covariance(0.5, 1.0, 32, 0))) > Z_MAX


@pytest.mark.parametrize("K,a", [(0.4, (0.5, 0.1)), (0.5, (-1.0, 0.25))])
def test_grid_sampler_matches_transfer_operator_moments(K, a):
    torch.set_num_threads(1)
    N = 16
    s = GridRingSampler(K, a, N)
    x = s.sample(6000, torch.Generator().manual_seed(5)).numpy()
    c1, m2, m4 = s.grid.ring_moments(N, 2)          # spectral route (eigendecomposition), not the sampler's powers
    C = ring_correlations(s.grid, N)
    st = _ring_stats(x)
    assert abs(_z(st[0], m2)) < Z_MAX and abs(_z(st[1], c1)) < Z_MAX and abs(_z(st[2], C[2])) < Z_MAX
    assert abs(_z((x ** 4).mean(1), m4)) < Z_MAX
    assert abs(_z(x.mean(1), 0.0)) < Z_MAX
    assert error_estimate(K, a, N, 2) < 1e-10      # the grid chain's discretization error, stated


def test_grid_chain_matches_gaussian_closed_form():
    g = GridChain(0.5, (1.0, 0.0))                  # the Gaussian edge of the quartic family
    c1, m2, m4 = g.ring_moments(8, 2)
    for r, c in ((0, m2), (1, c1)):
        assert abs(c - gaussian_ring_covariance(0.5, 1.0, 8, r)) < 1e-12
    assert abs(m4 - 3 * m2 ** 2) < 1e-12


@pytest.mark.parametrize("K,a", [("0.4", ("0.5", "0.1")), ("0.5", ("-1", "0.25"))])
def test_grid_chain_matches_numerics_api_transfer_operator(K, a):
    # independent route: numerics.general (Arb transfer operator, 20 digits) for the infinite chain;
    # the grid chain at h = 1/16 agrees to float64 round-off (the trapezoid error is far smaller)
    mo = api.moments(Chain.polynomial(K, list(a)), dps=20, lags=2)
    g = GridChain(float(K), tuple(float(v) for v in a))
    corr, ms = g.infinite_moments(2, lags=2)
    assert np.allclose(ms, [float(v) for v in mo.m], rtol=1e-11)
    assert np.allclose(corr, [float(v) for v in mo.corr], rtol=1e-11)


@pytest.mark.parametrize("N", [5, 8])
def test_grid_sampler_pair_laws_are_the_grid_chains(N):
    """Every pair of sites (i, j) of the ring, drawn by bisection, against the exact pair law of the grid chain,
    S^d(x, y) S^(N-d)(y, x) / Tr S^N with d = j - i (matrix powers, not the sampler's tables), by chi-square.

    A coarse grid (h = 1/2: 19 nodes) keeps every cell populated; the sampler's rounds (first round, stretches of
    length 2, tabulated and formed stretches) all occur at N = 5 and 8; with table_bytes = 0 every stretch of
    length > 2 is formed per draw, so both routes are compared."""
    K, a = 0.4, (0.5, 0.1)
    for table_bytes in (None, 0):
        s = GridRingSampler(K, a, N, h=0.5, table_bytes=table_bytes)
        x_nodes = s.grid.x
        S = s.grid.S / s.grid.lam0
        Z = np.trace(np.linalg.matrix_power(S, N))
        x = s.sample(40000, torch.Generator().manual_seed(11 + N)).numpy()
        idx = np.rint((x - x_nodes[0]) / 0.5).astype(int)
        G = len(x_nodes)
        worst = 0.0
        for i in range(N):
            for j in range(i + 1, N):
                d = j - i
                p = np.linalg.matrix_power(S, d) * np.linalg.matrix_power(S, N - d).T / Z
                counts = np.bincount(idx[:, i] * G + idx[:, j], minlength=G * G).reshape(G, G)
                expected = p * len(x)
                keep = expected > 5                   # chi-square cells; the rest pooled into one
                obs = np.append(counts[keep], counts[~keep].sum())
                exp = np.append(expected[keep], expected[~keep].sum())
                chi2 = ((obs - exp) ** 2 / exp).sum()
                dof = len(obs) - 1
                worst = max(worst, (chi2 - dof) / np.sqrt(2 * dof))     # ~N(0, 1) for large dof
        assert worst < 4.5, (table_bytes, worst)
