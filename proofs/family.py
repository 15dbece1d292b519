"""The chain exponential family and its admissible parameters (docs/theory.md section 1).

    H_theta(x) = sum_i [ V_a(x_i) - K x_i x_{i+1} ],   V_a(x) = sum_k a_k x^(2k)

A chain is a coupling K and a single-site base measure mu: ``PolynomialMeasure``
(mu = exp(-V_a) dx) or ``TwoPointMeasure`` (Ising, counting measure on {-1, +1}),
so the theory is written once for mu and Ising is one more family.
Parameters are exact rationals: decimal strings are read exactly ('0.1' is 1/10).

>>> Chain.polynomial("0.4", ["0.5", "0.1"])
Chain(K=2/5, a=(1/2, 1/10))
>>> Chain.polynomial(1, ["0.9"])
Traceback (most recent call last):
...
proofs.errors.InadmissibleParameter: inadmissible a_1 = 9/10: the Gaussian chain needs a_1 > |K| = 1 (a_1 = |K| is the massless critical chain, a_1 < |K| is not normalizable)
"""
from __future__ import annotations

import fractions
from dataclasses import dataclass

import sympy as sp

from proofs.errors import InadmissibleParameter, MalformedInput

_MAX_NUMBER_TEXT = 200


def exact_rational(value, name="value"):
    """Exact sympy Rational from a decimal/rational string, int, Fraction or Rational.

    Floats are refused: the float 0.1 is not 1/10 and shifts m_2 by ~4e-18.

    >>> exact_rational("0.1"), exact_rational("-1/4"), exact_rational("2.5e-3")
    (1/10, -1/4, 1/400)
    >>> exact_rational(0.1, "K")
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed K '0.1': floats are not exact (0.1 is not 1/10); pass a decimal string such as '0.1' or a Fraction
    """
    if isinstance(value, bool):
        raise MalformedInput(name, repr(value), "expected a number, got a bool")
    if isinstance(value, sp.Rational):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, fractions.Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        raise MalformedInput(name, repr(value), "floats are not exact (0.1 is not 1/10); "
                             "pass a decimal string such as '0.1' or a Fraction")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_NUMBER_TEXT:
            raise MalformedInput(name, text[:20] + "...", f"longer than {_MAX_NUMBER_TEXT} characters")
        try:
            f = fractions.Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise MalformedInput(name, value, "expected a decimal or rational number "
                                 "such as 0.5, -1, 1/10 or 2.5e-3") from None
        return sp.Rational(f.numerator, f.denominator)
    raise MalformedInput(name, repr(value), f"expected a number, got {type(value).__name__}")


@dataclass(frozen=True)
class PolynomialMeasure:
    """mu(dx) = exp(-V_a(x)) dx with V_a(x) = sum_{k=1..n} a_k x^(2k)."""

    a: tuple

    @property
    def n(self):
        """Number of coefficients, trailing zeros included (a = (a_1, 0) has n = 2)."""
        return len(self.a)

    @property
    def degree(self):
        """Index m of the highest non-zero coefficient a_m (0 if all vanish)."""
        return max((k for k, ak in enumerate(self.a, 1) if ak != 0), default=0)

    def V(self, x):
        """The on-site potential V_a(x) as a sympy expression in x."""
        return sp.Add(*[ak * x ** (2 * k) for k, ak in enumerate(self.a, 1)])


@dataclass(frozen=True)
class TwoPointMeasure:
    """Ising: counting measure on {-1, +1}; no potential."""

    support = (-1, 1)


@dataclass(frozen=True)
class Chain:
    """theta = (K; mu): nearest-neighbour coupling K and a single-site base measure mu."""

    K: sp.Rational
    mu: PolynomialMeasure | TwoPointMeasure

    def __post_init__(self):
        _check_admissible(self.K, self.mu)

    # -- constructors -------------------------------------------------------
    @classmethod
    def polynomial(cls, K, a):
        """Chain with V_a(x) = sum a_k x^(2k); K and a_k as strings, ints or Fractions."""
        if isinstance(a, (str, int, fractions.Fraction, sp.Rational, float)):
            a = [a]
        a = tuple(exact_rational(ak, f"a_{k}") for k, ak in enumerate(a, 1))
        if not a:
            raise MalformedInput("a", "()", "give at least a_1 (V_a(x) = a_1 x^2 + a_2 x^4 + ...)")
        return cls(exact_rational(K, "K"), PolynomialMeasure(a))

    @classmethod
    def gaussian(cls, a, K):
        """The n = 1 chain V(x) = a x^2."""
        return cls.polynomial(K, [a])

    @classmethod
    def ising(cls, K):
        """The Ising chain: spins in {-1, +1}, coupling K."""
        return cls(exact_rational(K, "K"), TwoPointMeasure())

    # -- views --------------------------------------------------------------
    @property
    def is_ising(self):
        return isinstance(self.mu, TwoPointMeasure)

    @property
    def a(self):
        """(a_1, ..., a_n); empty for Ising."""
        return () if self.is_ising else self.mu.a

    @property
    def n(self):
        return 0 if self.is_ising else self.mu.n

    @property
    def is_gaussian(self):
        """True when V is quadratic, including the edge a = (a_1, 0, ...) of larger families."""
        return not self.is_ising and self.mu.degree == 1

    def natural_parameters(self):
        """(K, -a_1, ..., -a_n), paired with (sum x_i x_{i+1}, sum x_i^2, ..., sum x_i^(2n))."""
        return (self.K,) + tuple(-ak for ak in self.a)

    def __repr__(self):
        if self.is_ising:
            return f"Chain.ising(K={self.K})"
        return f"Chain(K={self.K}, a=({', '.join(map(str, self.a))}{',' if self.n == 1 else ''}))"


def _check_admissible(K, mu):
    if not isinstance(K, sp.Rational):
        raise MalformedInput("K", repr(K), "must be an exact rational (use Chain.polynomial or exact_rational)")
    if isinstance(mu, TwoPointMeasure):
        return
    if not isinstance(mu, PolynomialMeasure):
        raise MalformedInput("mu", repr(mu), "must be a PolynomialMeasure or TwoPointMeasure")
    if not mu.a:
        raise MalformedInput("a", "()", "give at least a_1")
    for k, ak in enumerate(mu.a, 1):
        if not isinstance(ak, sp.Rational):
            raise MalformedInput(f"a_{k}", repr(ak), "must be an exact rational")
    m = mu.degree
    if m == 0:
        raise InadmissibleParameter("a", tuple(mu.a), "all coefficients are zero, so exp(-V) is not "
                                    "integrable; the highest non-zero a_k must be positive")
    am = mu.a[m - 1]
    if am < 0:
        raise InadmissibleParameter(f"a_{m}", am, "the highest non-zero coefficient must be positive, "
                                    f"else exp(-V) is not integrable")
    if m == 1 and not am > abs(K):
        raise InadmissibleParameter("a_1", am, f"the Gaussian chain needs a_1 > |K| = {abs(K)} "
                                    "(a_1 = |K| is the massless critical chain, a_1 < |K| is not normalizable)")
