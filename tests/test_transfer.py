"""Transfer-operator values against independent routes: closed forms (Gaussian, Ising), quadrature, identities."""
from fractions import Fraction

import mpmath
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mpmath import mp, mpf

from numerics.general import moments
from numerics.precision import to_mpf
from numerics.transfer import Params, evaluate
from proofs import examples as EX
from proofs.errors import InadmissibleParameter
from proofs.family import Chain
from tests.strategies import ising_chains, rationals


@st.composite
def moderate_gaussian_chains(draw):
    """n = 1 chains with 1/4 <= a_1 <= 3 and gap a_1 - |K| >= 1/4: the grid stays small (range ~ 1/gap)."""
    gap = draw(rationals(Fraction(1, 4), Fraction(2)))
    K = draw(rationals(-1, 1))
    return Chain.gaussian(K, abs(K) + gap)


def _digits(x, y):
    return -mpmath.log10(abs(x - y) / max(abs(y), mpf(1))) if x != y else mpf("inf")


@given(moderate_gaussian_chains(), st.integers(15, 25))
@example(Chain.gaussian(Fraction(1, 2), 1), 30)        # docs/theory.md section 6 example
@settings(max_examples=8)
def test_gaussian_closed_form(chain, dps):
    """A = (1/2) log(2 pi/(a + rho)), C(r) = u^r/(2 rho) (docs/theory.md 2) to dps - 5 digits; honest error estimate."""
    mo = moments(chain, dps=dps, lags=3)
    with mp.workdps(dps + 10):
        a, K = to_mpf(chain.a[0]), to_mpf(chain.K)
        rho = mpmath.sqrt(a * a - K * K)
        u = K / (a + rho)
        A = mpmath.log(2 * mpmath.pi / (a + rho)) / 2
        C = [u ** r / (2 * rho) for r in range(4)]
        for got, want in [(mo.A, A), (mo.m[0], C[0])] + list(zip(mo.corr, C[1:])):
            assert _digits(got, want) >= dps - 5
            assert abs(got - want) <= 10 * mo.error + mpf(10) ** -(dps + 5)


@given(ising_chains(), st.integers(15, 40))
def test_ising_closed_form(chain, dps):
    """Ising as the two-point base measure: A = log 2cosh K, C(r) = tanh^r K."""
    mo = moments(chain, dps=dps, lags=3)
    with mp.workdps(dps + 10):
        K = to_mpf(chain.K)
        assert _digits(mo.A, mpmath.log(2 * mpmath.cosh(K))) >= dps - 5
        for r, c in enumerate(mo.corr, 1):
            assert abs(c - mpmath.tanh(K) ** r) < mpf(10) ** -(dps - 5)


@pytest.mark.parametrize("a", [("0.5", "0.1"), ("-1", "0.25"), ("-2", "0.25")])   # the last: log_shift = 2
def test_single_site_quartic_against_bessel(a):
    """K = 0: z = integral exp(-V) from docs/theory.md 5's Bessel forms; m_2 = -d log z / d a_1 by quadrature."""
    dps = 30
    v = evaluate(Params(Fraction(0), tuple(Fraction(x) for x in a)), dps)
    with mp.workdps(dps + 10):
        a1 = mpf(Fraction(a[0]).numerator) / Fraction(a[0]).denominator
        a2 = mpf(Fraction(a[1]).numerator) / Fraction(a[1]).denominator
        z = a1 ** 2 / (8 * a2)
        if a1 > 0:
            Z = mpmath.sqrt(a1 / a2) / 2 * mpmath.exp(z) * mpmath.besselk(mpf(1) / 4, z)
        else:
            Z = (mpmath.pi / 2 * mpmath.sqrt(-a1 / (2 * a2)) * mpmath.exp(z)
                 * (mpmath.besseli(-mpf(1) / 4, z) + mpmath.besseli(mpf(1) / 4, z)))
        assert _digits(v.A, mpmath.log(Z)) >= dps - 5
        m2 = mpmath.quad(lambda x: x * x * mpmath.exp(-a1 * x * x - a2 * x ** 4), [-mpmath.inf, 0, mpmath.inf]) / Z
        assert _digits(v.m[0], m2) >= dps - 5


@pytest.mark.parametrize("K,a", [("0.4", ("0.5", "0.1")), ("0.5", ("-1", "0.25")), ("0.3", ("1", "-0.5", "0.2"))])
def test_virial_identity(K, a):
    """sum_k 2k a_k m_2k - 2 K C(1) = 1 (integration by parts), within the error estimate."""
    mo = moments(Chain.polynomial(K, list(a)), dps=30, lags=1)
    with mp.workdps(40):
        lhs = (sum(2 * k * to_mpf(Fraction(ak)) * mk for k, (ak, mk) in enumerate(zip(a, mo.m), 1))
               - 2 * to_mpf(Fraction(K)) * mo.corr[0])
        assert abs(lhs - 1) < 10 * mo.error * 10 + mpf(10) ** -35


@pytest.mark.parametrize("b", [2, 3])
def test_block_sum_moments(b):
    """E[S^2] from the power series equals the lag sum b C(0) + 2 sum (b - r) C(r); Gaussian E[S^4] = 3 E[S^2]^2."""
    for chain in (EX.SINGLE_WELL.chain, Chain.polynomial("0.5", ["1", "0"])):
        v = evaluate(Params.from_chain(chain), 25, lags=b, block=b)
        with mp.workdps(35):
            lag_sum = b * v.m[0] + 2 * sum((b - r) * v.C[r - 1] for r in range(1, b))
            assert abs(v.S[2] - lag_sum) < mpf(10) ** -22
            if chain.is_gaussian:
                assert abs(v.S[4] - 3 * v.S[2] ** 2) < mpf(10) ** -22


def test_inadmissible_params_refused():
    with pytest.raises(InadmissibleParameter):
        evaluate(Params(Fraction(1), (Fraction(1, 2),)), 15)
    with pytest.raises(InadmissibleParameter):
        evaluate(Params(Fraction(0), (Fraction(1), Fraction(-1))), 15)


@pytest.mark.parametrize("example", [EX.SINGLE_WELL, EX.DOUBLE_WELL], ids=["single-well", "double-well"])
def test_asymptotic_covariance_is_the_hessian_of_A(example):
    """float_covariance's spectral sums == d(C(1), m_2, m_4)/d eta by central differences of 30-digit solves.

    Sigma = d^2 A / d eta^2 with eta = (K, -a_1, -a_2) (docs/theory.md 2); the gradient of A is
    (C(1), m_2, m_4), so each column of Sigma is a derivative of those moments: an independent route.
    """
    import numpy as np

    from numerics.transfer import choose_grid, float_covariance

    p = Params.from_chain(example.chain)
    _, grad, S = float_covariance(p, choose_grid(p, 14))
    h = Fraction(1, 10 ** 8)
    for j in range(3):
        def moments_at(s):
            eta = [p.K, -p.a[0], -p.a[1]]
            eta[j] += s
            v = evaluate(Params(eta[0], (-eta[1], -eta[2])), 30)
            return np.array([float(v.C[0]), float(v.m[0]), float(v.m[1])])
        column = (moments_at(h) - moments_at(-h)) / (2 * float(h))      # truncation ~ h^2 ~ 1e-16
        # the float64 spectral sums agree to ~1e-8 (measured); a wrong weight moves entries by O(1)
        assert np.allclose(S[:, j], column, rtol=1e-6, atol=1e-10), (j, S[:, j], column)
    assert np.allclose(grad, moments_at(0), rtol=1e-12)


@pytest.mark.parametrize("K, a", [("1e-90", ("1e90", "1e-90")), ("0", ("1e90", "1e-90"))])
def test_extreme_scale_refused_not_crashed(K, a):
    """A coefficient range that fools the float64 grid estimates (one node per half-range) is refused by name."""
    with pytest.raises(InadmissibleParameter, match="scale is beyond the grid"):
        moments(Chain.polynomial(K, list(a)), dps=10)
