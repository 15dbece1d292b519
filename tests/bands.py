"""Acceptance bands of the statistical tests, computed from the distributions they use (not guessed).

Every statistical test states its per-run false-failure rate and keeps it at or below 1%; seeds stay
fixed, so a given checkout always sees the same draws. The chi^2 quantiles here are mpmath's regularized
incomplete gamma function inverted by bisection (independent of numerics.network.effect).

>>> lo, hi = ratio_band(40, 0.01)
>>> round(lo, 3), round(hi, 3)
(0.716, 1.296)
"""
import math

import mpmath


def chi2_quantile(dof, p):
    """q with P(chi^2_dof <= q) = p (bisection on mpmath.gammainc, 40 digits)."""
    with mpmath.workdps(40):
        lo, hi = mpmath.mpf(0), mpmath.mpf(10 * dof + 100)
        for _ in range(200):
            mid = (lo + hi) / 2
            if mpmath.gammainc(mpmath.mpf(dof) / 2, 0, mid / 2, regularized=True) < p:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def ratio_band(replicates, alpha):
    """[lo, hi] of s / sigma, the sample s.d. of ``replicates`` normal draws over their true s.d.:
    (s / sigma)^2 ~ chi^2_(R-1) / (R - 1), so P(s / sigma outside [lo, hi]) = alpha (alpha / 2 each side)."""
    k = replicates - 1
    return math.sqrt(chi2_quantile(k, alpha / 2) / k), math.sqrt(chi2_quantile(k, 1 - alpha / 2) / k)


def normal_two_sided(z):
    """P(|Z| > z) for a standard normal Z."""
    return math.erfc(z / math.sqrt(2))
