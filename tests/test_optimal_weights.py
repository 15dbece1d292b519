"""docs/theory.md 4.3 in sympy, checked against independent routes (recursion, numpy, numerics.api)."""

import numpy as np
import pytest
import sympy as sp

from numerics import api
from numerics.network.config import TrainConfig
from numerics.network.targets import references
from proofs.family import Chain
from proofs.optimal_weights import (
    any_covariance_is_reachable,
    autoencoder_optimum,
    decimate_optimum,
    infomax_optimum,
    rho,
    sigma2,
    theta_of,
    u,
)


@pytest.mark.parametrize("L", [1, 2, 3])
def test_decimate_optimum_is_the_L_step_rg(L):
    r = decimate_optimum(b=2, L=L)          # raises VerificationError if chi(D) != the recursion
    assert r.equals_rg
    # numerically against numerics.api's flow (numerics.exact's closed forms, 30 digits) at the Gaussian example
    K0, a0 = sp.Rational(1, 2), sp.Integer(1)
    rho0 = sp.sqrt(a0 ** 2 - K0 ** 2)
    u0 = K0 / (a0 + rho0)
    p = api.flow(Chain.polynomial("0.5", ["1"]), b=2, steps=L, dps=30)[-1]
    assert abs(float(r.chi_K.subs({u: u0, rho: rho0})) - float(p.K)) < 1e-14
    assert abs(float(r.chi_a.subs({u: u0, rho: rho0})) - float(p.a[0])) < 1e-14
    # chi == theta* = (0, rho) only at u = 0
    assert sp.simplify(r.chi_K.subs(u, 0)) == 0 and sp.simplify(r.chi_a.subs(u, 0) - rho) == 0
    assert r.chi_K.subs({u: sp.Rational(1, 3), rho: 1}) != 0          # K != 0: chi != theta* at finite L


@pytest.mark.parametrize("M", [2, 3])
def test_infomax_only_positive_definite_stationary_point_is_sigma2_identity(M):
    r = infomax_optimum(M)
    assert len(r.stationary_pd_solutions) == 1
    assert all(v == 0 for v in r.stationary_pd_solutions[0].values())
    assert r.chi_K == 0 and sp.simplify(r.chi_a - 1 / (2 * sigma2)) == 0
    # sigma^2 = m_2, the data's variance by quadrature of the spectral density (1/pi) int_0^pi dk / (2a - 2K cos k)
    # (not the closed form 1/(2 rho)): chi = (0, 1/(2 m_2)) == theta*, the api's fixed point (independent route)
    import mpmath
    fp = api.fixed_point(Chain.polynomial("0.5", ["1"]), dps=30)
    with mpmath.workdps(40):
        m2 = mpmath.quad(lambda k: 1 / (2 - mpmath.cos(k)), [0, mpmath.pi]) / mpmath.pi
        a_out = sp.lambdify(sigma2, r.chi_a, "mpmath")(m2)
        assert abs(a_out - fp.a[0]) < mpmath.mpf(10) ** -28
    # another scale: chi = (0, 1/(2 s^2)) != theta*
    assert r.chi_a.subs(sigma2, 2) == sp.Rational(1, 4)


def test_autoencoder_eckart_young_and_non_identifiability():
    r = autoencoder_optimum(sp.Rational(1, 2), sp.Integer(1), N=8, M=4)
    # independent route: numpy eigenvalues of the ring covariance (numerics.network.targets)
    ref = references(TrainConfig(K="0.5", a=("1",), objective="autoencoder", N=8, M=4, layers=1, hidden=(4,)))
    assert abs(float(r.optimal_loss) / 8 - ref["eckart_young"]) < 1e-14
    C = np.array(ref["ring_covariance"])
    ev = np.sort(np.linalg.eigvalsh(np.array([[C[(j - i) % 8] for j in range(8)] for i in range(8)])))
    assert abs(ev[:4].sum() - float(r.optimal_loss)) < 1e-13
    assert not r.identifiable
    assert r.chi_identity[0] == 0 and r.chi_rotated[0] != 0


def test_every_covariance_is_reachable_at_the_autoencoder_optimum():
    # target: the 4-ring covariance of an arbitrary admissible chain (K', a') = (1/3, 1)
    K1, a1 = sp.Rational(1, 3), sp.Integer(1)
    prec = sp.Matrix(4, 4, lambda i, j: 2 * a1 if i == j else (-K1 if (i - j) % 4 in (1, 3) else 0))
    Sigma = prec.inv()
    Lam = sp.diag(1, sp.Rational(1, 2), sp.Rational(1, 2), sp.Rational(1, 3))
    A = any_covariance_is_reachable(Sigma, Lam)
    assert sp.simplify(A * Lam * A.T - Sigma) == sp.zeros(4, 4)


def test_theta_of_is_the_framework_inverse_map():
    K, a = theta_of(u, rho)
    assert sp.simplify(sp.sqrt(a ** 2 - K ** 2) - rho) == 0
    assert sp.simplify(K / (a + rho) - u) == 0
