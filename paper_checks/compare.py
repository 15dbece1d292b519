"""Symbolic == numeric, at a tolerance derived from the working precision (docs/theory.md section 5).

One checker for every claim that compares an exact value (sympy expression,
rational, or a value already evaluated from a closed form) with a numeric one
(mpf, or ``numerics.precision.Estimate`` carrying its own error):

    |numeric - exact| <= tol * max(1, |exact|),   tol = 10^-(dps - guard)

Mixed absolute/relative: relative for large values, absolute below 1 (a fixed
point K* = 0 has no relative scale). ``guard`` digits (default 5) are the ones
a dps-digit computation may lose; the numeric side must also *claim* enough
accuracy: an Estimate whose own error exceeds tol fails with that reason, since
agreement inside a wide error bar proves nothing. With ``need_error=True`` the
numeric side must also carry a positive error estimate (an Estimate with
error > 0): a numeric value computed at finite precision is never exact, so a
missing or zero error estimate is a broken estimate, and the row fails with that
reason. The error estimates themselves are tested against independent references
in tests/test_error_estimates.py.

On disagreement the evidence names the point, the exact value and the numeric
value (and logs them as warnings, shown on stderr), so a failure can be re-judged by hand.

>>> import sympy as sp
>>> ev = compare([("x=1/3", sp.Rational(1, 3), "0.33333333333333333333333333333333")], dps=30)
>>> ev.passed, ev.details["tolerance"]
(True, '1e-25')
>>> ev = compare([("x=1/3", sp.Rational(1, 3), "0.3333333333")], dps=30, quiet=True)
>>> ev.passed, ev.summary.split(";")[0]
(False, '1 of 1 disagree (tol 1e-25)')
>>> compare([("x", 1, Estimate(mpmath.mpf(1), 0, 30))], dps=30, need_error=True, quiet=True).passed
False
"""
from __future__ import annotations

import fractions
import logging
from collections.abc import Iterable
from typing import Any

import mpmath
import sympy as sp
from mpmath import mp

from numerics.precision import Estimate, check_dps, to_mpf
from paper_checks.registry import Evidence

log = logging.getLogger(__name__)

DEFAULT_GUARD = 5
_EXTRA = 15   # digits of headroom for evaluating the exact side


def tolerance(dps: int, guard: int = DEFAULT_GUARD) -> Any:
    """The agreement threshold 10^-(dps - guard) implied by working at ``dps`` digits."""
    check_dps(dps)
    if not 0 <= guard < dps:
        raise ValueError(f"guard digits {guard} must lie in [0, dps)")
    return mpmath.mpf(10) ** -(dps - guard)


def to_mp(value: object, dps: int) -> tuple[Any, Any]:
    """(value, own_error) as mpf at ``dps`` + headroom; sympy expressions are evaluated with evalf.

    Floats are refused (not exact, docs/theory.md section 1); strings are read as decimals.
    The own error is None for anything but an Estimate (no error estimate was given).
    """
    err = None
    if isinstance(value, Estimate):
        return mpmath.mpf(value.value), mpmath.mpf(value.error)
    if isinstance(value, float):
        raise TypeError("a float cannot take part in a dps-digit comparison; pass a string, rational or mpf")
    if isinstance(value, fractions.Fraction):
        return to_mpf(value), err
    if isinstance(value, (sp.Basic, int)) and not isinstance(value, bool):
        ev = sp.N(sp.sympify(value, strict=True), mp.dps)
        re_, im_ = ev.as_real_imag()
        if im_ != 0 and abs(sp.N(im_, 15)) > mpmath.mpf(10) ** -(mp.dps - 2):
            raise TypeError(f"exact value {value} is not real")
        return mpmath.mpf(str(re_)), err
    return to_mpf(value), err


def _s(x: object, n: int = 12) -> str:
    return mpmath.nstr(x, n)


def compare(rows: Iterable[tuple[object, object, object]], *, dps: int, guard: int = DEFAULT_GUARD,
            what: str = "symbolic == numeric", quiet: bool = False, need_error: bool = False) -> Evidence:
    """Evidence that every (point, exact, numeric) row agrees to 10^-(dps - guard).

    ``rows``: iterable of (point, exact, numeric); ``point`` is any label (a theta,
    a lag, a step), ``exact`` a sympy number/expression or mpf from a closed form,
    ``numeric`` an mpf, decimal string or Estimate. ``need_error``: every numeric
    must be an Estimate with a positive error (a missing or zero error fails the row).
    Returns ``Evidence`` whose details give the tolerance, the fewest digits agreed,
    and every disagreement.
    """
    tol = tolerance(dps, guard)
    bad: list[dict[str, str]] = []
    worst_digits: Any = None     # an mpf from the first row on (no rows is refused below)
    n = 0
    with mp.workdps(dps + _EXTRA):
        for point, exact, numeric in rows:
            n += 1
            e, _ = to_mp(exact, dps)
            v, verr = to_mp(numeric, dps)
            scale = max(mpmath.mpf(1), abs(e))
            diff = abs(v - e)
            # digits agreed, capped at dps: beyond the working precision agreement is not measured
            digits = mpmath.mpf(dps) if diff == 0 else min(mpmath.mpf(dps), -mpmath.log10(diff / scale))
            worst_digits = digits if worst_digits is None else min(worst_digits, digits)
            reason = None
            if diff > tol * scale:
                reason = "differ"
            elif need_error and verr is None:
                reason = "no error estimate (one is required)"
            elif need_error and not verr > 0:
                reason = "error estimate is zero (a finite-precision value is never exact)"
            elif verr is not None and verr > tol * scale:
                reason = f"numeric error estimate {_s(verr, 3)} exceeds the tolerance"
            if reason:
                bad.append({"point": str(point), "exact": _s(e, dps), "numeric": _s(v, dps),
                            "difference": _s(diff, 3), "reason": reason})
        if n == 0:
            raise ValueError("compare() got no rows: a check over nothing cannot fail")
        digits_txt = _s(worst_digits, 3)
    tol_txt = f"1e-{dps - guard}"
    details = {"what": what, "dps": dps, "guard": guard, "tolerance": tol_txt, "rows": n,
               "min_digits_agreed": digits_txt, "disagreements": bad}
    if not bad:
        agreed = f"all {dps} digits" if worst_digits >= dps else f">= {digits_txt} digits"
        return Evidence(True, f"{what}: {n} values agree to {agreed} (tol {tol_txt}, dps {dps})", details)
    first = bad[0]
    summary = (f"{len(bad)} of {n} disagree (tol {tol_txt}); first at {first['point']}: "
               f"exact {first['exact'][:24]} vs numeric {first['numeric'][:24]} ({first['reason']})")
    if not quiet:
        for b in bad:
            log.warning("[%s] disagreement at %s: exact %s  numeric %s  |diff| %s (%s)",
                        what, b["point"], b["exact"], b["numeric"], b["difference"], b["reason"])
    return Evidence(False, summary, details)


def compare_one(exact: object, numeric: object, *, dps: int, point: object = "", guard: int = DEFAULT_GUARD,
                what: str = "symbolic == numeric", quiet: bool = False) -> Evidence:
    """``compare`` for a single value."""
    return compare([(point, exact, numeric)], dps=dps, guard=guard, what=what, quiet=quiet)


def all_of(evidences: Iterable[Evidence], summary: str | None = None) -> Evidence:
    """Combine several Evidence into one: passes only when every part passes.

    >>> all_of([Evidence(True, "a"), Evidence(False, "b")]).passed
    False
    """
    evidences = list(evidences)
    if not evidences:
        raise ValueError("all_of() got no evidence")
    passed = all(e.passed for e in evidences)
    failing = [e.summary for e in evidences if not e.passed]
    text = summary or ("; ".join(e.summary for e in evidences) if passed else "; ".join(failing))
    return Evidence(passed, text, {"parts": [{"passed": e.passed, "summary": e.summary, **e.details}
                                             for e in evidences]})


def zscore(estimate: object, se: object, reference: object, *, z_max: float = 3, what: str = "estimate vs reference",
           point: object = "") -> Evidence:
    """Evidence that a sampled estimate agrees with a reference within ``z_max`` standard errors.

    z = (estimate - reference) / se; statistical comparisons use z, never a bare
    tolerance (docs/theory.md section 5). A zero or missing standard error fails:
    it means the spread was not measured.

    >>> zscore("0.49", "0.01", "0.5").passed, zscore("0.40", "0.01", "0.5").passed
    (True, False)
    """
    with mp.workdps(30):
        est, s, ref = (to_mp(v, 30)[0] for v in (estimate, se, reference))
        if not s > 0:
            return Evidence(False, f"{what}: standard error {_s(s, 3)} is not positive", {"point": str(point)})
        z = (est - ref) / s
        ok = abs(z) < z_max
        summary = (f"{what}{' at ' + str(point) if point else ''}: {_s(est, 6)} +- {_s(s, 2)} vs "
                   f"{_s(ref, 6)}, z = {_s(z, 3)} ({'|z| < ' if ok else '|z| >= '}{z_max})")
        return Evidence(bool(ok), summary, {"point": str(point), "estimate": _s(est, 12), "se": _s(s, 6),
                                            "reference": _s(ref, 12), "z": _s(z, 4), "z_max": z_max})
