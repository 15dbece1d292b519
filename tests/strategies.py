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
    return Chain.gaussian(abs(K) + gap, K)


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
