"""The references of the training runs (numerics/network/targets.py) against independent routes (docs/theory.md 3.1,
4.3, 4.4).

- decimate's R^L(theta) on Gaussian chains (closed form: the decimated ring is the Gaussian ring at u^(b^L), rho
  kept) against L steps of the exact rational recursion of proofs.gaussian (sympy, no closed form);
- infomax's constraint at another target variance s^2: the targets are the moments of s x_0 / sqrt(m_2), so
  t_2 = s^2 and t_4 / t_2^2 is the data's own shape m_4 / m_2^2, and theta_constraint is the chain whose
  moments are the targets (the float64 grid route of numerics.klrate);
- the linear autoencoder's Eckart-Young optimum (FFT of the ring covariance) against dense eigenvalues.
"""
import math

import numpy as np
import pytest

from numerics.klrate import chain_stats
from numerics.network.config import TrainConfig
from numerics.network.sampler import gaussian_ring_covariance
from numerics.network.targets import references
from proofs.gaussian import iterate_recursion


@pytest.mark.parametrize("b, L", [(2, 1), (2, 2), (2, 3), (3, 2), (3, 3)])
def test_gaussian_rg_L_is_L_steps_of_the_exact_recursion(b, L):
    refs = references(TrainConfig(K="0.5", a=("1",), objective="decimate", N=4 * b ** L, M=4, layers=L))
    KL, aL = iterate_recursion("1/2", "1", b, L)
    assert refs["rg_L"] == [pytest.approx(float(KL), rel=1e-12), pytest.approx(float(aL), rel=1e-12)]


@pytest.mark.parametrize("fields, s2", [(dict(K="0.5", a=("1",)), "1"), (dict(K="0.5", a=("1",)), "0.3"),
                                        (dict(K="0.4", a=("0.5", "0.1")), "1"), (dict(K="0.4", a=("0.5", "0.1")), "2")])
def test_infomax_targets_at_another_variance_are_the_moments_of_the_rescaled_site(fields, s2):
    refs = references(TrainConfig(**fields, objective="infomax", scale2=s2))
    t, m = refs["infomax_targets"], refs["m"]
    assert t[0] == pytest.approx(float(s2), rel=1e-14)
    if len(t) > 1:                                            # the shape is scale-free
        assert t[1] / t[0] ** 2 == pytest.approx(m[1] / m[0] ** 2, rel=1e-12)
    got = chain_stats(tuple(refs["theta_constraint"]), route="grid").m
    assert np.allclose(got, t, rtol=1e-8, atol=0)


@pytest.mark.parametrize("N, M", [(16, 4), (64, 16)])
def test_eckart_young_is_the_sum_of_the_smallest_eigenvalues(N, M):
    refs = references(TrainConfig(K="0.5", a=("1",), objective="autoencoder", N=N, M=M, layers=2))
    C = np.array([[gaussian_ring_covariance(0.5, 1.0, N, (j - i) % N) for j in range(N)] for i in range(N)])
    ev = np.linalg.eigvalsh(C)
    assert refs["eckart_young"] == pytest.approx(ev[: N - M].sum() / N, rel=1e-12)
    assert math.isclose(ev.sum() / N, C[0, 0], rel_tol=1e-12)     # the trace: every eigenvalue counted once
