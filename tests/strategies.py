"""Hypothesis strategies stating each claim's domain explicitly (exact rationals)."""
from fractions import Fraction

from hypothesis import strategies as st

from proofs.family import Chain


def rationals(lo, hi, max_den=64):
    """Rationals p/q in [lo, hi] with q <= max_den."""
    return st.builds(lambda q, t: Fraction(round(lo * q + t * (hi - lo) * q), q),
                     st.integers(1, max_den), st.floats(0, 1)).filter(lambda r: lo <= r <= hi)


@st.composite
def gaussian_chains(draw, max_K=Fraction(4)):
    """Admissible n = 1 chains: a_1 > |K|, so 0 <= |K| / a_1 < 1 (critical edge excluded)."""
    K = draw(rationals(-max_K, max_K))
    gap = draw(rationals(Fraction(1, 64), Fraction(4)))
    return Chain.gaussian(K, abs(K) + gap)


@st.composite
def ising_chains(draw):
    return Chain.ising(draw(rationals(Fraction(-3), Fraction(3))))


@st.composite
def quartic_chains(draw):
    """n = 2 chains with a_2 > 0 (any a_1, any K): single and double wells."""
    a1 = draw(rationals(Fraction(-2), Fraction(2)))
    a2 = draw(rationals(Fraction(1, 16), Fraction(2)))
    K = draw(rationals(Fraction(-1), Fraction(1)))
    return Chain.polynomial(K, [a1, a2])


b_values = st.sampled_from([2, 3, 4])


# --- property-suite domains (tests/test_properties.py) ---------------------------------------

rg_b = st.sampled_from([2, 3])                       # the block sizes the property suite covers
rg_schemes = st.sampled_from(["decimation", "block"])


@st.composite
def quartic_single_wells(draw):
    """n = 2 chains with a_1 > 0, a_2 > 0 and |K| <= a_1 / 2: single wells with a short correlation length.

    The bound keeps the transfer-operator solver in its fast regime (spectral ratio well
    below 1); double wells are covered by the fixed examples of docs/theory.md section 6.
    """
    a1 = draw(rationals(Fraction(1, 4), Fraction(2), max_den=16))
    a2 = draw(rationals(Fraction(1, 16), Fraction(1), max_den=16))
    K = draw(rationals(-a1 / 2, a1 / 2, max_den=16))
    return Chain.polynomial(K, [a1, a2])


@st.composite
def inadmissible_gaussian(draw):
    """(a_1, K) with 0 < a_1 <= |K|: massless (a_1 = |K|) or not normalizable; the rule names a_1.

    (a_1 <= 0 breaks the other rule, the top coefficient's sign: see inadmissible_polynomial.)
    """
    K = draw(rationals(Fraction(-4), Fraction(4)).filter(lambda k: k != 0))
    s = draw(st.one_of(st.just(Fraction(1)), rationals(Fraction(1, 64), Fraction(1))))
    return abs(K) * s, K


@st.composite
def inadmissible_polynomial(draw):
    """Coefficient lists whose highest non-zero a_m is negative (exp(-V) not integrable); names a_m."""
    n = draw(st.integers(1, 4))
    a = [draw(rationals(Fraction(-3), Fraction(3))) for _ in range(n - 1)]
    am = -draw(rationals(Fraction(1, 64), Fraction(3)))
    trailing = draw(st.integers(0, 2))
    return a + [am] + [Fraction(0)] * trailing, len(a) + 1


malformed_numbers = st.one_of(
    st.sampled_from(["", "abc", "1/0", "0x10", "nan", "inf", "1e", "--1", "1,5", "½"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


@st.composite
def quartic_wells_decoupled(draw):
    """K = 0 quartic chains, single (a_1 > 0) and double (a_1 < 0) wells with a_2 > 0.

    a_1 = 0 is left out: the Bessel form of z is 0 * infinity there (its limit is finite).
    """
    a1 = draw(rationals(Fraction(-2), Fraction(2), max_den=16).filter(lambda v: v != 0))
    a2 = draw(rationals(Fraction(1, 16), Fraction(1), max_den=16))
    return Chain.polynomial(0, [a1, a2])


@st.composite
def sextic_chains(draw, decoupled=False):
    """n = 3 chains with a_3 > 0 (any a_1, a_2 in a moderate range); K = 0 when ``decoupled``.

    |K| <= 1/2 and a_3 >= 1/8 keep the transfer-operator grid small (fast solves).
    """
    a1 = draw(rationals(Fraction(-1), Fraction(2), max_den=16))
    a2 = draw(rationals(Fraction(-1, 2), Fraction(1), max_den=16))
    a3 = draw(rationals(Fraction(1, 8), Fraction(1), max_den=16))
    K = Fraction(0) if decoupled else draw(rationals(Fraction(-1, 2), Fraction(1, 2), max_den=16))
    return Chain.polynomial(K, [a1, a2, a3])
