"""proofs.laplace: single-site moments and cumulants in closed form vs mpmath quadrature (docs/theory.md 2)."""
import mpmath
import pytest
import sympy as sp
from hypothesis import example, given, settings
from mpmath import mp

from proofs import examples as EX
from proofs import laplace as LP
from proofs.errors import NotSupported
from proofs.family import Chain, PolynomialMeasure, TwoPointMeasure
from tests.strategies import quartic_chains

DPS = 25


def _quad_moment(a1, a2, k):
    f = lambda x, p: x ** p * mpmath.exp(-a1 * x ** 2 - a2 * x ** 4)
    pts = [-mpmath.inf, 0, mpmath.inf]
    if a1 < 0:
        w = mpmath.sqrt(-a1 / (2 * a2))
        pts = [-mpmath.inf, -w, 0, w, mpmath.inf]
    return mpmath.quad(lambda x: f(x, 2 * k), pts) / mpmath.quad(lambda x: f(x, 0), pts)


@settings(max_examples=6)          # each example: Bessel evalf + two quadratures at 40 digits
@given(quartic_chains())
@example(Chain.polynomial(0, ["0", "1"]))              # a_1 = 0 branch (direct integration)
@example(EX.DOUBLE_WELL.chain)      # double well (I_(-1/4) + I_(1/4) form)
def test_quartic_moments_and_cumulants_against_quadrature(chain):
    """m_2, m_4 and kappa_4 from the Bessel forms (sympy N at DPS + 15) vs quadrature at DPS + 15."""
    a1, a2 = chain.a
    mu = PolynomialMeasure((a1, a2))
    kap = LP.cumulants(mu, 4)
    with mp.workdps(DPS + 15):
        A1, A2 = mpmath.mpf(a1.numerator) / a1.denominator, mpmath.mpf(a2.numerator) / a2.denominator
        m2, m4 = _quad_moment(A1, A2, 1), _quad_moment(A1, A2, 2)
        for exact, ref in ((LP.moment(mu, 1), m2), (LP.moment(mu, 2), m4), (kap[2], m2), (kap[4], m4 - 3 * m2 ** 2)):
            val = mpmath.mpf(str(sp.N(exact, DPS + 15)))
            assert abs(val - ref) <= mpmath.mpf(10) ** -DPS * max(1, abs(ref))


def test_gaussian_and_ising_cumulants():
    a = sp.Rational(3, 7)
    assert LP.cumulants(PolynomialMeasure((a,)), 6) == {2: 1 / (2 * a), 4: 0, 6: 0}
    assert LP.cumulants(TwoPointMeasure(), 8) == {2: 1, 4: -2, 6: 16, 8: -272}
    with pytest.raises(NotSupported, match="degree"):
        LP.moment(PolynomialMeasure((sp.Integer(1), sp.Integer(0), sp.Integer(1))), 1)
