"""Exact conversions between rationals, mpmath mpf and python-flint Arb balls, and scoped Arb precision.

Arb's working precision (``flint.ctx.prec``) is global state; like mpmath's it is only
ever changed inside ``arb_precision`` so nothing leaks (TEAM.md: precision scoped).

>>> with arb_precision(100):
...     x = to_arb("1/3")
>>> abs(float(x) - 1/3) < 1e-16
True
>>> from mpmath import mp, mpf
>>> with mp.workdps(40), arb_precision(200):
...     y = arb_to_mpf(to_arb(mpf(-3) / 7))
...     ok = abs(y + mpf(3) / 7) < mpf(10) ** -38
>>> ok
True
"""
from __future__ import annotations

import contextlib
import fractions
import math

import mpmath
from flint import arb, ctx, fmpq, fmpz


@contextlib.contextmanager
def arb_precision(bits):
    """Set python-flint's Arb precision to ``bits`` inside the block only."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


def digits_to_bits(dps):
    """Binary precision carrying ``dps`` decimal digits, plus a few guard bits."""
    return int(math.ceil(dps * 3.3219280948873626)) + 8


def to_arb(x):
    """An Arb ball for x: rationals and mpf exactly (then rounded once), strings as exact rationals."""
    if isinstance(x, arb):
        return x
    if isinstance(x, bool):
        raise TypeError("bool is not a number here")
    if isinstance(x, int):
        return arb(fmpz(x))
    if hasattr(x, "p") and hasattr(x, "q") and type(x).__module__.startswith("sympy"):   # a sympy Rational
        return arb(fmpq(int(x.p), int(x.q)))
    if isinstance(x, fractions.Fraction):
        return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, str):
        f = fractions.Fraction(x)
        return arb(fmpq(f.numerator, f.denominator))
    if isinstance(x, mpmath.mpf):
        man, exp = x.man_exp          # man_exp drops the sign
        v = arb(fmpz(int(man))) * arb(2) ** int(exp) if man else arb(0)
        return -v if x < 0 else v
    if isinstance(x, float):
        return arb(x)
    raise TypeError(f"cannot convert {type(x).__name__} to arb")


def arb_to_mpf(x):
    """The midpoint of an Arb ball as an mpf (rounded to the current mpmath precision)."""
    mid = x.mid()
    if mid.is_zero():
        return mpmath.mpf(0)
    man, exp = mid.man_exp()
    return mpmath.ldexp(mpmath.mpf(int(man)), int(exp))


def arb_rad(x):
    """The radius of an Arb ball as an mpf (an upper bound on its rounding error)."""
    return arb_to_mpf(arb(x.rad()))
