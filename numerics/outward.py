"""Intervals as decimal strings rounded outward: the lower end down, the upper end up (docs/theory.md 5.15).

A proved interval printed to nearest could lose a sliver at either end and stop enclosing; these
round an exact Arb ball's ends (or exact Fractions) away from the interval's inside, a few digits
below its width, so the strings are themselves a proof.

>>> from fractions import Fraction
>>> outward_pair(Fraction(1, 3), Fraction(1, 3), 10), outward_pair(Fraction(-1, 8), Fraction(-1, 8), 10)
(['0.3333333333', '0.3333333334'], ['-0.125', '-0.125'])
"""
from __future__ import annotations

import math
from fractions import Fraction

from numerics.arbtools import arb_precision, digits_to_bits

__all__ = ["outward", "outward_pair"]


def _fraction(x):
    """An exact Arb number (radius 0) as a Fraction."""
    man, exp = x.mid().man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2 ** exp) if exp >= 0 else Fraction(man, 2 ** -exp)


def _ilog10(f):
    """floor(log10 f) for a Fraction f > 0, exactly."""
    n, d = f.numerator, f.denominator
    e = len(str(n)) - len(str(d))
    while Fraction(10) ** e > f:
        e -= 1
    while Fraction(10) ** (e + 1) <= f:
        e += 1
    return e


def _render(N, q):
    """The exact decimal N / 10^q as a string (scientific below 10^-5)."""
    if N == 0:
        return "0"
    sign = "-" if N < 0 else ""
    s = str(abs(N))
    lead = len(s) - 1 - q                      # decimal exponent of the leading digit
    if lead < -5:
        return f"{sign}{s[0]}.{s[1:]}e{lead}" if len(s) > 1 else f"{sign}{s}e{lead}"
    if q <= 0:
        return sign + s + "0" * (-q)
    s = s.rjust(q + 1, "0")
    return f"{sign}{s[:-q]}.{s[-q:]}"


def outward_pair(lo, hi, sig):
    """[lo, hi] (Fractions) as decimal strings, lo rounded down and hi up, three digits below the width's
    leading digit and at most ``sig`` significant digits; an exact terminating value is written exactly."""
    mag = max(abs(lo), abs(hi))
    if mag == 0:
        return ["0", "0"]
    e = _ilog10(mag)
    q = sig - 1 - e
    if hi > lo:
        q = min(q, 3 - _ilog10(hi - lo))
    scale = Fraction(10) ** q
    lo_n, hi_n = math.floor(lo * scale), math.ceil(hi * scale)
    if lo == hi and lo_n == hi_n:              # exact at this many digits: drop the padding zeros
        while q > 0 and lo_n % 10 == 0:
            lo_n, hi_n, q = lo_n // 10, hi_n // 10, q - 1
    return [_render(lo_n, q), _render(hi_n, q)]


def outward(ball, dps):
    """An Arb ball as [lo, hi] decimal strings rounded outward (at most dps + 15 significant digits)."""
    with arb_precision(max(digits_to_bits(dps + 40), ball.mid().man_exp()[0].bit_length() + 64)):
        lo, hi = ball.lower(), ball.upper()        # exact at this precision: the ball's ends need no rounding
    return outward_pair(_fraction(lo), _fraction(hi), dps + 15)
