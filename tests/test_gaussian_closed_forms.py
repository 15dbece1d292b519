"""proofs.gaussian: closed forms against exact recursion and exact matrix inversion (docs/theory.md 2, 3.1).

Domain: admissible Gaussian chains with rational (K, a), |K| < a (tests.strategies.gaussian_chains),
b in {2, 3, 4}. All comparisons are exact (rationals and Q(sqrt(a^2 - K^2))), so the tolerance is 0.
"""
from fractions import Fraction

import flint
import mpmath
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mpmath import mp

from proofs import examples as EX
from proofs import gaussian as G
from proofs.errors import InadmissibleParameter
from proofs.family import Chain
from tests.strategies import b_values, gaussian_chains

N = 64


@given(gaussian_chains(), b_values, st.integers(0, 3))
@example(EX.GAUSSIAN.chain, 2, 3)
@example(Chain.gaussian("-0.5", 1), 3, 2)          # K < 0, odd b
@example(Chain.gaussian(0, 3), 4, 2)               # K = 0 is fixed
@example(Chain.gaussian(4, 5), 2, 2)               # rho = 3 rational (perfect square)
def test_closed_form_orbit_equals_iterated_recursion_exactly(chain, b, m):
    """(K_m, a_m) from t = u^(b^m) in Q(rho) == m applications of K' = K^b/D_(b-1), a' = a - K^2 D_(b-2)/D_(b-1)."""
    assert G.orbit_exact(chain.K, chain.a[0], b, m) == G.iterate_recursion(chain.K, chain.a[0], b, m)


@given(gaussian_chains(), b_values)
@example(Chain.gaussian(1, "1.0001"), 2)            # near-critical
def test_rho_is_invariant(chain, b):
    K0, a0 = chain.K, chain.a[0]
    for m in range(1, 4):
        Km, am = G.iterate_recursion(K0, a0, b, m)
        assert am ** 2 - Km ** 2 == a0 ** 2 - K0 ** 2
        assert am > abs(Km)                         # the flow stays admissible


def _circulant_inverse(K0, a0, n):
    Q = flint.fmpq_mat(n, n, [flint.fmpq(int((2 * a0).numerator), int((2 * a0).denominator)) if i == j else
                              (flint.fmpq(-int(K0.numerator), int(K0.denominator)) if (i - j) % n in (1, n - 1) else 0)
                              for i in range(n) for j in range(n)])
    return Q.inv()


@settings(max_examples=10)
@given(gaussian_chains(max_K=Fraction(2)))
@example(EX.GAUSSIAN.chain)
@example(Chain.gaussian("-0.5", 1))
def test_covariance_is_the_inverse_circulant_precision_matrix(chain):
    """Q_64^(-1) (exact, python-flint) equals C_N(r) = (u^r + u^(N-r)) / (2 rho (1 - u^N)) exactly in Q(rho),
    and C_N(r) -> C(r) = u^r / (2 rho) with |C_N(r) - C(r)| <= 2 |u|^(N-r) / (2 rho (1 - |u|^N))."""
    K0, a0 = chain.K, chain.a[0]
    Qinv = _circulant_inverse(K0, a0, N)
    rh = G.QuadraticNumber(0, 1, a0 ** 2 - K0 ** 2)
    uu = G.evaluate_rational_function(G.U.subs(G.RHO, G.rho), {G.K: K0, G.a: a0, G.rho: rh})
    uN = uu ** N
    with mp.workdps(60):
        rho_f = mpmath.sqrt(mpmath.mpf((a0 ** 2 - K0 ** 2).numerator) / (a0 ** 2 - K0 ** 2).denominator)

        def val(z):       # p + q rho with huge p, q cancels: evaluate with enough digits for the sizes
            digits = 60 + len(str(z.p.numerator)) + len(str(z.q.numerator))
            with mp.workdps(digits):
                r_ = mpmath.sqrt(mpmath.mpf(z.d.numerator) / z.d.denominator)
                return +(mpmath.mpf(z.p.numerator) / z.p.denominator + mpmath.mpf(z.q.numerator) / z.q.denominator * r_)

        u_abs = abs(val(uu))
        for r in (0, 1, 2, 5, 17, 32):
            CN = (uu ** r + uu ** (N - r)) / (2 * rh * (1 - uN))
            exact_entry = Qinv[0, r]
            assert CN.rational() == sp.Rational(int(exact_entry.numerator), int(exact_entry.denominator))
            Cinf = G.evaluate_rational_function(G.COVARIANCE.subs(G.r, r), {G.u: uu, G.rho: rh})
            gap = abs(val(CN - Cinf))
            assert gap <= 2 * u_abs ** (N - r) / (2 * rho_f * (1 - u_abs ** N)) + mpmath.mpf(10) ** -35


@pytest.mark.parametrize("K, a, rule", [("1", "0.9", "a_1 > |K|"),
                                        ("1", "1", "a_1 = |K| is the massless critical chain"),
                                        ("0", "-1", "highest non-zero coefficient must be positive")])
def test_inadmissible_gaussian_rejected(K, a, rule):
    with pytest.raises(InadmissibleParameter, match="a_1") as err:
        Chain.gaussian(K, a)
    assert rule in str(err.value)


def test_fixed_line_jacobian_for_every_b():
    for b in (2, 3, 4, 7):
        assert G.jacobian_on_fixed_line(b) == sp.diag(0, 1)
