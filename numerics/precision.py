"""Values that carry their working precision and an error estimate (docs/theory.md section 5)."""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
from mpmath import mp

from proofs.errors import MalformedInput

MIN_DPS, MAX_DPS = 5, 1000
GUARD_DIGITS = 10


def check_dps(dps):
    """Validate a user-requested precision (decimal digits)."""
    if isinstance(dps, bool) or not isinstance(dps, int) or not MIN_DPS <= dps <= MAX_DPS:
        raise MalformedInput("dps", repr(dps), f"must be an integer between {MIN_DPS} and {MAX_DPS}")
    return dps


def repeats(prev, new, dps):
    """True when every coordinate of ``new`` equals ``prev`` to ``dps`` digits: |new - prev| <= 10^-dps max(1, |prev|).

    A flow step that repeats its point is at the fixed point to the working precision.

    >>> repeats([mpmath.mpf(1), mpmath.mpf("1e-40")], [mpmath.mpf(1), mpmath.mpf(0)], 30)
    True
    >>> repeats([mpmath.mpf("0.5")], [mpmath.mpf("0.5000001")], 30)
    False
    """
    with mp.workdps(dps + GUARD_DIGITS):
        tol = mpmath.mpf(10) ** -dps
        return all(abs(y - x) <= tol * max(1, abs(x)) for x, y in zip(prev, new))


def fixed_point_note(step, steps, dps):
    """The note on the point where a flow stopped: it repeats the one before to ``dps`` digits."""
    left = steps - step
    return (f"fixed point reached to the working precision: step {step} repeats step {step - 1} to {dps} digits, "
            f"so the flow stops here ({left} more step{'s' if left != 1 else ''} would repeat it)")


def to_mpf(q):
    """q as an mpf at the current precision: an exact rational (Fraction, sympy) as p/q rounded once,
    anything mpmath reads (int, mpf, decimal string) as mpmath.mpf(q)."""
    if hasattr(q, "denominator") and not isinstance(q, int):
        return mpmath.mpf(int(q.numerator)) / int(q.denominator)
    return mpmath.mpf(q)


@dataclass(frozen=True)
class Estimate:
    """A value, its absolute error estimate and the precision it was computed at.

    >>> e = Estimate(mpmath.mpf(2), mpmath.mpf("1e-20"), 30)
    >>> round(float(e.digits()))
    20
    """

    value: object
    error: object
    dps: int
    converged: bool = True

    def digits(self):
        """Correct significant digits implied by the error estimate."""
        with mp.workdps(self.dps):
            if self.error == 0:
                return mpmath.mpf(self.dps)
            scale = max(abs(self.value), mpmath.mpf(10) ** -self.dps)
            return -mpmath.log10(self.error / scale)

    def __str__(self):
        with mp.workdps(self.dps):
            tag = "" if self.converged else " (NOT CONVERGED)"
            return f"{mpmath.nstr(self.value, self.dps)} +- {mpmath.nstr(self.error, 3)}{tag}"
