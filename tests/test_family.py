"""Admissibility, exact parsing and the restricted potential parser (docs/theory.md section 1)."""
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from proofs.errors import InadmissibleParameter, MalformedInput
from proofs.family import Chain, exact_rational
from proofs.potential import parse_potential
from tests.strategies import gaussian_chains, quartic_chains, rationals


def test_decimal_strings_are_exact():
    assert exact_rational("0.1") == sp.Rational(1, 10)
    assert exact_rational("-2.5e-3") == sp.Rational(-1, 400)
    with pytest.raises(MalformedInput, match="floats are not exact"):
        exact_rational(0.1, "K")
    with pytest.raises(MalformedInput, match="malformed K 'nan'"):
        exact_rational("nan", "K")


@given(gaussian_chains())
def test_gaussian_chains_are_admissible(chain):
    assert chain.a[0] > abs(chain.K) and chain.is_gaussian


@given(rationals(Fraction(-4), Fraction(4)), rationals(Fraction(0), Fraction(1)))
@example(Fraction(1), Fraction(1))          # the critical chain a_1 = |K|
@example(Fraction(-1, 2), Fraction(1, 2))
def test_gaussian_below_critical_refused(K, frac):
    a1 = abs(K) * frac                       # a_1 <= |K|
    with pytest.raises(InadmissibleParameter) as err:
        Chain.gaussian(K, a1)
    if a1 == 0:                              # V = 0: nothing left to normalize
        assert err.value.parameter == "a"
    else:
        assert err.value.parameter == "a_1" and "a_1 > |K|" in str(err.value)


@given(quartic_chains())
def test_quartic_any_K(chain):
    assert chain.n == 2 and chain.a[1] > 0 and not chain.is_gaussian


@pytest.mark.parametrize("K,a,param", [("0.5", ["1", "-1"], "a_2"), ("0", ["0", "0"], "a"),
                                       ("0", ["-1"], "a_1"), ("3", ["1", "0"], "a_1")])
def test_non_normalizable_refused(K, a, param):
    with pytest.raises(InadmissibleParameter) as err:
        Chain.polynomial(K, a)
    assert err.value.parameter == param


def test_gaussian_edge_of_quartic_family():
    chain = Chain.polynomial("0.5", ["1", "0"])
    assert chain.is_gaussian and chain.n == 2


@given(st.lists(rationals(Fraction(-3), Fraction(3), 16), min_size=1, max_size=4))
def test_potential_round_trip(coeffs):
    text = " + ".join(f"({c.numerator}/{c.denominator})*x**{2 * k}" for k, c in enumerate(coeffs, 1))
    parsed = parse_potential(text) if any(coeffs) else None
    if parsed is not None:
        expect = list(coeffs)
        while expect and expect[-1] == 0:
            expect.pop()
        assert list(parsed) == [sp.Rational(c.numerator, c.denominator) for c in expect]


@pytest.mark.parametrize("text,rule", [
    ("x**3 + x**4", "odd power"), ("sin(x)", "function calls"), ("y**2", "unknown name"),
    ("x**2 + 1", "constant term"), ("x**(1/2)", "non-negative integers"), ("x^2", "use \\*\\*"),
    ("__import__('os').system('true')", "function calls"), ("x**2 +", "not an expression"),
    ("x**100", "degree above"), ("'a'", "unexpected constant"), ("x if x else x", "unsupported syntax"),
])
def test_malformed_potentials(text, rule):
    with pytest.raises(MalformedInput, match=rule):
        parse_potential(text)


# (K, (a_1, ..., a_n)), admissible?  By hand from docs/theory.md 1: exp(-V) integrable needs the highest
# non-zero a_m > 0; a Gaussian chain (m = 1) further needs a_1 > |K|; trailing zeros are the family's edge.
RULE_CASES = [
    (("0.5", ("1",)), True), (("-0.5", ("1",)), True), (("1", ("1",)), False), (("0", ("0",)), False),
    (("0.5", ("-1", "0.25")), True), (("5", ("-1", "0.25")), True), (("0.1", ("1", "-0.1")), False),
    (("0.5", ("1", "0")), True), (("1", ("0.9", "0")), False), (("0", ("0", "0")), False),
    (("0.3", ("1", "-0.5", "0.2")), True), (("0.3", ("1", "0.5", "0")), True), (("0.3", ("-1", "0", "0")), False),
]


@pytest.mark.parametrize("theta,ok", RULE_CASES)
def test_one_admissibility_rule_everywhere(theta, ok):
    """Chain (exact), its float view, the transfer operator and the KL rate all apply the same rule."""
    from numerics.klrate import check_theta
    from numerics.transfer import Params
    from proofs.family import admissible, admissible_floats
    K, a = theta
    assert admissible(exact_rational(K), tuple(exact_rational(v) for v in a)) is ok
    assert admissible_floats(float(K), [float(v) for v in a]) is ok
    exact_a = tuple(exact_rational(v) for v in a)
    for accept in (lambda: Chain.polynomial(K, a), lambda: Params(exact_rational(K), exact_a).check(),
                   lambda: check_theta((float(K), *map(float, a)))):
        if ok:
            accept()
        else:
            with pytest.raises(InadmissibleParameter):
                accept()


def test_float_view_refuses_nan():
    from proofs.family import admissible_floats
    assert not admissible_floats(0.0, [float("nan")]) and not admissible_floats(float("nan"), [1.0])
