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
"""  # noqa: E501 (the doctest shows an exception message, one line)
from __future__ import annotations

import fractions
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from proofs.errors import InadmissibleParameter, MalformedInput, brief

if TYPE_CHECKING:
    from typing import TypeAlias

    import sympy as sp

    # What the constructors read exactly (floats are refused at run time: not exact).
    RationalLike: TypeAlias = str | int | fractions.Fraction | sp.Rational

_MAX_NUMBER_TEXT = 200
# Literals are bounded before any exact arithmetic: '1e999999999' would otherwise build a
# billion-digit integer.  |exponent| <= 100 and <= 100 digits keep every input rational's numerator
# and denominator below ~10^200, far outside the range the numerics can use anyway.
MAX_EXPONENT = 100
MAX_DIGITS = 100
# Highest number of coefficients n of V_a = sum_{k<=n} a_k x^(2k); one limit for --a and --potential.
# The projection cost grows steeply with n (n = 10: ~13 s for a 6-step flow at 30 digits; n = 20 ran
# for minutes and did not reach its tolerance).
MAX_COEFFICIENTS = 10
# ASCII only: Python's \d (and int(), float()) also read the Arabic-Indic, full-width and other decimal digits
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_RATIO = re.compile(r"([+-]?)([0-9]+)[ \t]*/[ \t]*([0-9]+)")
ASCII_RULE = "only the ASCII digits 0-9 are read"
NUMBER_RULE = (f"expected a decimal or rational number such as 0.5, -1, 1/10 or 2.5e-3 "
               f"(at most {MAX_DIGITS} digits, |exponent| <= {MAX_EXPONENT})")


def read_rational(text: str, name: str = "value") -> fractions.Fraction:
    """Exact Fraction of a decimal ('-2.5e-3') or ratio ('-1/4') literal, bounded before it is built.

    Only the ASCII decimal digits 0-9 are read (no other script's digits, no 0x/0o/0b, no underscores, no
    inf/nan); the exponent and the digit count are checked on the text, so no huge integer is ever formed.

    >>> read_rational("-2.5e-3"), read_rational(" 3/6 ")
    (Fraction(-1, 400), Fraction(1, 2))
    >>> read_rational("1e999999999", "K")
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed K '1e999999999': exponent 999999999 out of range: |exponent| <= 100
    >>> read_rational("\u0663", "K")           # the Arabic-Indic digit three
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed K '\u0663': only the ASCII digits 0-9 are read
    """
    if len(text) > _MAX_NUMBER_TEXT:
        raise MalformedInput(name, text[:20] + "...", f"longer than {_MAX_NUMBER_TEXT} characters")
    t = text.strip(" \t\n\r")
    if not t.isascii():
        raise MalformedInput(name, _brief(t), ASCII_RULE if any(not ch.isascii() and ch.isdigit() for ch in t)
                             else NUMBER_RULE)
    m = _RATIO.fullmatch(t)
    if m:
        sign, p, q = m.groups()
        if max(len(p.lstrip("0")), len(q.lstrip("0"))) > MAX_DIGITS:
            raise MalformedInput(name, _brief(t), f"more than {MAX_DIGITS} digits")
        if int(q) == 0:
            raise MalformedInput(name, t, "division by zero")
        return fractions.Fraction(int(sign + p), int(q))
    m = _DECIMAL.fullmatch(t)
    if not m or not (m.group(2) or m.group(3)):
        rule = NUMBER_RULE
        if re.match(r"[+-]?0[xXoObB]", t):
            rule = "only decimal literals are read (no 0x, 0o or 0b)"
        raise MalformedInput(name, _brief(t), rule)
    sign, whole, frac, exp = m.groups()
    frac = frac or ""
    if exp is not None and (len(exp.lstrip("+-").lstrip("0")) > 3 or abs(int(exp)) > MAX_EXPONENT):
        raise MalformedInput(name, _brief(t), f"exponent {_brief(exp.lstrip('+'))} out of range: "
                             f"|exponent| <= {MAX_EXPONENT}")
    if len((whole + frac).lstrip("0")) > MAX_DIGITS:
        raise MalformedInput(name, _brief(t), f"more than {MAX_DIGITS} digits")
    e = (int(exp) if exp else 0) - len(frac)
    mant = int(sign + (whole + frac or "0"))
    return fractions.Fraction(mant * 10 ** e) if e >= 0 else fractions.Fraction(mant, 10 ** -e)


def _brief(text: str, width: int = 30) -> str:
    """``text`` cut to ``width`` characters for an error message."""
    return text if len(text) <= width else text[:width - 3] + "..."


def exact_rational(value: RationalLike, name: str = "value") -> fractions.Fraction:
    """Exact Fraction from a decimal/rational string, int, Fraction or sympy Rational.

    The chain's parameters are Fractions, so reading them needs no sympy; sympy takes them as
    Rationals wherever they enter an expression. Floats are refused: the float 0.1 is not 1/10
    and shifts m_2 by ~4e-18.

    >>> [str(exact_rational(t)) for t in ("0.1", "-1/4", "2.5e-3")]
    ['1/10', '-1/4', '1/400']
    >>> exact_rational(0.1, "K")
    Traceback (most recent call last):
    ...
    proofs.errors.MalformedInput: malformed K '0.1': floats are not exact (0.1 is not 1/10); pass a decimal string such as '0.1' or a Fraction
    """  # noqa: E501 (the doctest shows an exception message, one line)
    if isinstance(value, bool):
        raise MalformedInput(name, repr(value), "expected a number, got a bool")
    if isinstance(value, fractions.Fraction):
        return value
    if isinstance(value, int):
        return fractions.Fraction(value)
    if _is_sympy_rational(value):
        q: Any = value
        return fractions.Fraction(int(q.p), int(q.q))
    if isinstance(value, float):
        raise MalformedInput(name, repr(value), "floats are not exact (0.1 is not 1/10); "
                             "pass a decimal string such as '0.1' or a Fraction")
    if isinstance(value, str):
        return read_rational(value, name)
    raise MalformedInput(name, repr(value), f"expected a number, got {type(value).__name__}")


def _is_sympy_rational(value: object) -> bool:
    """True for a sympy Rational (Integer included), checked without importing sympy."""
    if "sympy" not in sys.modules:
        return False        # a sympy object cannot exist before sympy is imported
    import sympy as sp
    return isinstance(value, sp.Rational)


@dataclass(frozen=True)
class PolynomialMeasure:
    """mu(dx) = exp(-V_a(x)) dx with V_a(x) = sum_{k=1..n} a_k x^(2k)."""

    a: tuple[fractions.Fraction, ...]

    @property
    def n(self) -> int:
        """Number of coefficients, trailing zeros included (a = (a_1, 0) has n = 2)."""
        return len(self.a)

    @property
    def degree(self) -> int:
        """Index m of the highest non-zero coefficient a_m (0 if all vanish)."""
        return max((k for k, ak in enumerate(self.a, 1) if ak != 0), default=0)

    def V(self, x: sp.Expr) -> sp.Expr:
        """The on-site potential V_a(x) as a sympy expression in x."""
        import sympy as sp  # the exact view only: reading a chain needs no sympy
        return sp.Add(*[sp.Rational(ak) * x ** (2 * k) for k, ak in enumerate(self.a, 1)])


@dataclass(frozen=True)
class TwoPointMeasure:
    """Ising: counting measure on {-1, +1}; no potential."""

    support: ClassVar[tuple[int, int]] = (-1, 1)


@dataclass(frozen=True)
class Chain:
    """theta = (K; mu): nearest-neighbour coupling K and a single-site base measure mu."""

    K: fractions.Fraction
    mu: PolynomialMeasure | TwoPointMeasure

    def __post_init__(self) -> None:
        _check_admissible(self.K, self.mu)

    # -- constructors -------------------------------------------------------
    @classmethod
    def polynomial(cls, K: RationalLike, a: RationalLike | Iterable[RationalLike]) -> Chain:
        """Chain with V_a(x) = sum a_k x^(2k); K and a_k as strings, ints or Fractions."""
        if isinstance(a, (str, int, fractions.Fraction, float)) or _is_sympy_rational(a):
            a = [a]
        a = list(a)
        if len(a) > MAX_COEFFICIENTS:
            raise MalformedInput("a", f"({len(a)} coefficients)", f"at most {MAX_COEFFICIENTS} coefficients "
                                 f"a_1 .. a_{MAX_COEFFICIENTS} (degree x^{2 * MAX_COEFFICIENTS})")
        a = tuple(exact_rational(ak, f"a_{k}") for k, ak in enumerate(a, 1))
        if not a:
            raise MalformedInput("a", "()", "give at least a_1 (V_a(x) = a_1 x^2 + a_2 x^4 + ...)")
        return cls(exact_rational(K, "K"), PolynomialMeasure(a))

    @classmethod
    def gaussian(cls, K: RationalLike, a: RationalLike) -> Chain:
        """The n = 1 chain V(x) = a x^2 with coupling K (arguments in the order of ``polynomial``)."""
        return cls.polynomial(K, [a])

    @classmethod
    def ising(cls, K: RationalLike) -> Chain:
        """The Ising chain: spins in {-1, +1}, coupling K."""
        return cls(exact_rational(K, "K"), TwoPointMeasure())

    # -- views --------------------------------------------------------------
    @property
    def is_ising(self) -> bool:
        return isinstance(self.mu, TwoPointMeasure)

    @property
    def a(self) -> tuple[fractions.Fraction, ...]:
        """(a_1, ..., a_n); empty for Ising."""
        return self.mu.a if isinstance(self.mu, PolynomialMeasure) else ()

    @property
    def n(self) -> int:
        """Number of coefficients a_1 .. a_n; 0 for Ising."""
        return self.mu.n if isinstance(self.mu, PolynomialMeasure) else 0

    @property
    def is_gaussian(self) -> bool:
        """True when V is quadratic, including the edge a = (a_1, 0, ...) of larger families."""
        return isinstance(self.mu, PolynomialMeasure) and self.mu.degree == 1

    def natural_parameters(self) -> tuple[fractions.Fraction, ...]:
        """(K, -a_1, ..., -a_n), paired with (sum x_i x_{i+1}, sum x_i^2, ..., sum x_i^(2n))."""
        return (self.K,) + tuple(-ak for ak in self.a)

    def __repr__(self) -> str:
        if self.is_ising:
            return f"Chain.ising(K={self.K})"
        return f"Chain(K={self.K}, a=({', '.join(map(str, self.a))}{',' if self.n == 1 else ''}))"


def _check_admissible(K: object, mu: object) -> None:
    if not isinstance(K, fractions.Fraction):
        raise MalformedInput("K", repr(K), "must be an exact rational (use Chain.polynomial or exact_rational)")
    if isinstance(mu, TwoPointMeasure):
        return
    if not isinstance(mu, PolynomialMeasure):
        raise MalformedInput("mu", repr(mu), "must be a PolynomialMeasure or TwoPointMeasure")
    if not mu.a:
        raise MalformedInput("a", "()", "give at least a_1")
    if len(mu.a) > MAX_COEFFICIENTS:
        raise MalformedInput("a", f"({len(mu.a)} coefficients)", f"at most {MAX_COEFFICIENTS} coefficients")
    for k, ak in enumerate(mu.a, 1):
        if not isinstance(ak, fractions.Fraction):
            raise MalformedInput(f"a_{k}", repr(ak), "must be an exact rational")
    violation = admissibility_violation(K, mu.a)
    if violation is None:
        return
    m, reason = violation
    if reason == ALL_ZERO:
        raise InadmissibleParameter("a", tuple(mu.a), "all coefficients are zero, so exp(-V) is not "
                                    "integrable; the highest non-zero a_k must be positive")
    am = mu.a[m - 1]
    if reason == TOP_NOT_POSITIVE:
        raise InadmissibleParameter(f"a_{m}", am, "the highest non-zero coefficient must be positive, "
                                    "else exp(-V) is not integrable")
    raise InadmissibleParameter("a_1", am, f"the Gaussian chain needs a_1 > |K| = {brief(abs(K))} "
                                "(a_1 = |K| is the massless critical chain, a_1 < |K| is not normalizable)")


# The reasons ``admissibility_violation`` gives.
ALL_ZERO, TOP_NOT_POSITIVE, GAUSSIAN_MASS = "all-zero", "top-not-positive", "gaussian-mass"


def admissibility_violation(K: Any, a: Sequence[Any]) -> tuple[int, str] | None:
    """None when exp(-H_theta) is normalizable, else (m, reason): the one admissibility rule.

        admissible  <=>  a_m > 0 for the highest non-zero a_m, and a_1 > |K| when m = 1

    (docs/theory.md 1). Trailing zeros are allowed: a = (a_1, 0) is the Gaussian edge of the
    quartic family and is admissible when a_1 > |K|. ``m`` is the index of the offending a_m
    (0 when every a_k vanishes); ``reason`` is ALL_ZERO, TOP_NOT_POSITIVE or GAUSSIAN_MASS.
    Only comparisons with 0 and |K| are used, so the same rule reads exact rationals
    (``Chain``) and floats (``admissible_floats``); a NaN a_m or a_1 is never admissible.

    >>> from fractions import Fraction
    >>> admissibility_violation(Fraction(1, 2), (1, 0)), admissibility_violation(0, (-1, Fraction(1, 4)))
    (None, None)
    >>> admissibility_violation(1, (Fraction(9, 10),)), admissibility_violation(0, (1, -1))
    ((1, 'gaussian-mass'), (2, 'top-not-positive'))
    >>> admissibility_violation(0, (0, 0))
    (0, 'all-zero')
    """
    nonzero = [k for k, ak in enumerate(a, 1) if ak != 0]
    if not nonzero:
        return 0, ALL_ZERO
    m = nonzero[-1]
    if not a[m - 1] > 0:
        return m, TOP_NOT_POSITIVE
    if m == 1 and not a[0] > abs(K):
        return 1, GAUSSIAN_MASS
    return None


def admissible(K: Any, a: Sequence[Any]) -> bool:
    """True when theta = (K; a_1, ..., a_n) is admissible (``admissibility_violation`` is None); exact or float.

    >>> from fractions import Fraction
    >>> admissible(Fraction(1, 2), (Fraction(1),)), admissible(1, (1,))
    (True, False)
    """
    return admissibility_violation(K, a) is None


def admissible_floats(K: Any, a: Iterable[Any]) -> bool:
    """The float view of ``admissible`` for the numerics: the same rule on float(K), float(a_k).

    >>> admissible_floats(0.4, [0.5, 0.1]), admissible_floats(0.5, [0.5]), admissible_floats(0.5, [0.6, 0.0])
    (True, False, True)
    """
    return admissible(float(K), [float(v) for v in a])
