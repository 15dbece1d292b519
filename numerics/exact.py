"""Closed forms of ``proofs.gaussian`` and ``proofs.ising`` evaluated at ``dps`` digits (docs/theory.md 2, 3.1).

Gaussian chains (V = a_1 x^2, trailing zero coefficients kept) and the Ising chain
under decimation, where the RG is exact and the family is closed:

    Gaussian:  K_m = 2 rho t / (1 - t^2),  a_m = rho (1 + t^2) / (1 - t^2),  t = u^(b^m)
    Ising:     tanh K_m = (tanh K)^(b^m)

The sympy expressions derived in ``proofs`` are lambdified with mpmath, not re-typed.
Every value is computed twice, at ``dps + GUARD_DIGITS (+ extra)`` and at ``GUARD_DIGITS``
more; their difference is the error estimate returned with it (a floor of one unit in
the last working digit is added).

>>> from proofs.family import Chain
>>> p = flow(Chain.gaussian("0.5", 1), scheme="decimation", b=2, steps=1, dps=20)[1]
>>> p.K, p.a, p.error < 1e-25
(mpf('0.125'), (mpf('0.875'),), True)
>>> fp = fixed_point(Chain.gaussian("0.5", 1), scheme="decimation", b=2, dps=20, certify=False)
>>> mpmath.nstr(fp.a[0], 20), fp.eigenvalues      # rho = sqrt(3)/2; diag(0, 1) in (K, a)
('0.86602540378443864676', (mpf('0.0'), mpf('1.0')))
"""
from __future__ import annotations

from functools import cache

import mpmath
import sympy as sp
from mpmath import mp

from numerics.point import FixedPoint, Moments, Point
from numerics.precision import GUARD_DIGITS, fixed_point_note, repeats, to_mpf
from proofs import gaussian as G
from proofs import ising as I
from proofs.errors import NotSupported

# Beyond |K| = 1 the Ising recursion is evaluated in q = exp(-2|K|) (no cancellation in 1 - tanh^b).
_ISING_Q_FROM = 1


@cache
def _lambdify(args, expr):
    return sp.lambdify(args, expr, modules="mpmath")


def _twice(compute, dps, extra=0):
    """Run ``compute()`` (a flat list of mpf) at two precisions; value and error estimate per entry."""
    p1 = dps + GUARD_DIGITS + extra
    with mp.workdps(p1):
        v1 = compute()
    with mp.workdps(p1 + GUARD_DIGITS):
        v2 = compute()
        errs = [abs(x - y) + abs(y) * mpmath.mpf(10) ** (1 - p1) for x, y in zip(v1, v2)]
    with mp.workdps(p1):            # rounding to p1 digits stays inside the error floor
        return [+y for y in v2], [+e for e in errs]


# -- Gaussian ---------------------------------------------------------------

def _check_gaussian(chain):
    if chain.is_ising or not chain.is_gaussian:
        raise NotSupported(f"numerics.exact handles Gaussian and Ising chains; {chain!r} needs numerics.general")


def _rho_squared(chain):
    """rho^2 = a_1^2 - K^2 exactly (a rational), so rho is rounded once, never cancelled."""
    return (G.RHO ** 2).xreplace({G.K: chain.K, G.a: chain.a[0]})


def _extra_digits(chain):
    """Digits lost in 1 - u^2 near the critical chain: about -log10(1 - |u|)."""
    K0, a1 = chain.K, chain.a[0]
    with mp.workdps(15):
        rh = mpmath.sqrt(to_mpf(_rho_squared(chain)))
        gap = (to_mpf(a1 - abs(K0)) + rh) / (to_mpf(a1) + rh)     # 1 - |u|, no cancellation
        return max(0, int(-mpmath.log10(gap))) + 2


def _rho_u(chain):
    rh = mpmath.sqrt(to_mpf(_rho_squared(chain)))
    uu = _lambdify((G.K, G.a, G.rho), G.U.subs(G.RHO, G.rho))(to_mpf(chain.K), to_mpf(chain.a[0]), rh)
    return rh, uu


def _flow_steps(compute, steps, dps, until_fixed, extra=0):
    """How many steps to compute: ``steps``, or with ``until_fixed`` the first that repeats its point to ``dps``
    digits (``compute(steps)`` returns the points as lists, one precision pass)."""
    if not until_fixed:
        return steps
    with mp.workdps(dps + GUARD_DIGITS + extra):
        pts = compute(steps, dps)
    return len(pts) - 1


def _gaussian_flow(chain, b, steps, dps, until_fixed=False):
    n = chain.n
    orbit = _lambdify((G.rho, G.u), (G.K_OF_U, G.A_OF_U))

    def points(limit, stop_dps=None):
        rh, t = _rho_u(chain)
        out = [[to_mpf(chain.K), to_mpf(chain.a[0])]]
        for _ in range(limit):
            t = t ** b                       # t = u^(b^m)
            out.append(list(orbit(rh, t)))
            if stop_dps is not None and repeats(out[-2], out[-1], stop_dps):
                break
        return out

    extra = _extra_digits(chain)
    m_last = _flow_steps(points, steps, dps, until_fixed, extra)
    vals, errs = _twice(lambda: [v for p in points(m_last) for v in p], dps, extra)
    zeros = tuple(mpmath.mpf(0) for _ in range(n - 1))     # a_2 .. a_n stay exactly 0
    pts = [Point(K=vals[2 * m], a=(vals[2 * m + 1],) + zeros, error=max(errs[2 * m], errs[2 * m + 1]))
           for m in range(m_last + 1)]
    return _mark_stop(pts, steps, dps)


def _mark_stop(pts, steps, dps):
    """The last point carries the note when the flow stopped before ``steps``."""
    if len(pts) - 1 < steps:
        last = pts[-1]
        pts[-1] = Point(K=last.K, a=last.a, error=last.error, note=fixed_point_note(len(pts) - 1, steps, dps))
    return pts


def _outward(lo, hi, dps):
    """[lo, hi] as decimal strings of ``dps`` digits, widened so that rounding cannot shrink it."""
    with mp.workdps(dps + GUARD_DIGITS):
        lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
        pad = mpmath.mpf(10) ** (1 - dps)
        lo, hi = lo - abs(lo) * pad, hi + abs(hi) * pad
        return [mpmath.nstr(lo, dps), mpmath.nstr(hi, dps)]


def _certified_rho(chain, dps):
    """An interval enclosure of rho = sqrt(a_1^2 - K^2) by mpmath interval arithmetic on the exact radicand."""
    q = _rho_squared(chain)
    old = mpmath.iv.prec
    try:                     # mpmath.iv has no workdps: set and restore its precision around the call
        mpmath.iv.dps = dps + GUARD_DIGITS
        box = mpmath.iv.sqrt(mpmath.iv.mpf(int(q.numerator)) / mpmath.iv.mpf(int(q.denominator)))
        lo, hi = box.a, box.b
        with mp.workdps(dps + 2 * GUARD_DIGITS):
            return mpmath.mpf(lo.a), mpmath.mpf(hi.b)
    finally:
        mpmath.iv.prec = old


def _gaussian_fixed_point(chain, b, dps, certify=False):
    (rh,), (err,) = _twice(lambda: [_rho_u(chain)[0]], dps)
    jac = G.jacobian_on_fixed_line(b)
    # (K, a_1) block from the exact recursion; a_2..a_n: at K = 0 the sites decouple and
    # decimation returns the same single-site law, so the map is the identity there.
    eig = [jac[0, 0], jac[1, 1]] + [sp.Integer(1)] * (chain.n - 1)
    with mp.workdps(dps + GUARD_DIGITS):
        eigenvalues = tuple(to_mpf(e) for e in eig)
        exponents = tuple(None if e == 0 else mpmath.log(abs(e)) / mpmath.log(b) for e in eigenvalues)
    note = ("line of fixed points K = 0 in (K, a): the flow lands at (0, rho), rho = sqrt(a_1^2 - K^2) invariant; "
            "Jacobian diag(0, 1, ...): super-stable across the line (exponent -infinity, shown as null), "
            "marginal along it")
    zeros = tuple(mpmath.mpf(0) for _ in range(chain.n - 1))
    enclosure = None
    if certify:
        enclosure = {"K": ["0", "0"], "a": [_outward(*_certified_rho(chain, dps), dps)] + [["0", "0"]] * (chain.n - 1),
                     "method": "closed form (0; sqrt(a_1^2 - K^2)) in interval arithmetic (mpmath.iv), widened outward"}
    return FixedPoint(K=mpmath.mpf(0), a=(rh,) + zeros, error=err, eigenvalues=eigenvalues, dps=dps,
                      scheme="decimation", b=b, exponents=exponents, enclosure=enclosure, note=note,
                      eigenvalues_error=_rounding_error(eigenvalues, dps))


def _gaussian_moments(chain, dps, lags):
    n = chain.n
    A = _lambdify((G.a, G.rho), G.FREE_ENERGY)
    m = [_lambdify((G.rho,), G.single_site_moment(k)) for k in range(1, n + 1)]
    C = _lambdify((G.u, G.rho, G.r), G.COVARIANCE)

    def compute():
        rh, uu = _rho_u(chain)
        return ([A(to_mpf(chain.a[0]), rh)] + [mk(rh) for mk in m]
                + [C(uu, rh, rr) for rr in range(1, lags + 1)])

    vals, errs = _twice(compute, dps)
    return Moments(A=vals[0], m=tuple(vals[1:1 + n]), corr=tuple(vals[1 + n:]), error=max(errs), dps=dps,
                   details={"closed_form": "A = log(2 pi / (a + rho)) / 2, m_2k = (2k-1)!! / (2 rho)^k, "
                                           "C(r) = u^r / (2 rho)"})


# -- Ising ------------------------------------------------------------------

def _ising_step(Kc, b):
    """One decimation step K -> atanh(tanh(K)^b), in q = exp(-2|K|) when |K| is large."""
    if abs(Kc) <= _ISING_Q_FROM:
        return _lambdify((I.K,), I.recursion(b))(Kc)
    sign = 1 if (Kc > 0 or b % 2 == 0) else -1          # (tanh K)^b keeps the sign of K for odd b
    qq = _lambdify((I.q,), I.recursion_q(b))(mpmath.exp(-2 * abs(Kc)))
    return sign * (-mpmath.log(qq) / 2)


def _ising_flow(chain, b, steps, dps, until_fixed=False):
    def points(limit, stop_dps=None):
        out = [[to_mpf(chain.K)]]
        for _ in range(limit):
            out.append([_ising_step(out[-1][0], b)])
            if stop_dps is not None and repeats(out[-2], out[-1], stop_dps):
                break
        return out

    m_last = _flow_steps(points, steps, dps, until_fixed)
    vals, errs = _twice(lambda: [p[0] for p in points(m_last)], dps)
    return _mark_stop([Point(K=v, a=(), error=e) for v, e in zip(vals, errs)], steps, dps)


def _ising_fixed_point(chain, b, dps, certify=False):
    with mp.workdps(dps + GUARD_DIGITS):
        lam = to_mpf(I.derivative_at_zero(b))
    note = ("K* = 0 (stable, eigenvalue dK'/dK = 0) is reached from every finite K; "
            "K* = infinity (zero temperature) is the other fixed point, unstable")
    enclosure = {"K": ["0", "0"], "a": [], "method": "exact: K* = 0 solves atanh(tanh(K)^b) = K"} if certify else None
    return FixedPoint(K=mpmath.mpf(0), a=(), error=mpmath.mpf(0), eigenvalues=(lam,), dps=dps,
                      scheme="decimation", b=b, exponents=(None,), enclosure=enclosure, note=note,
                      eigenvalues_error=_rounding_error((lam,), dps))


def _rounding_error(values, dps):
    """Closed-form eigenvalues are exact; their only error is rounding to dps + GUARD_DIGITS digits."""
    with mp.workdps(dps + GUARD_DIGITS):
        return max([mpmath.mpf(1)] + [abs(v) for v in values]) * mpmath.mpf(10) ** -(dps + GUARD_DIGITS)


def _ising_moments(chain, dps, lags):
    A = _lambdify((I.K,), I.FREE_ENERGY)
    C = _lambdify((I.K, I.r), I.CORRELATION)

    def compute():
        Kc = to_mpf(chain.K)
        return [A(Kc)] + [C(Kc, rr) for rr in range(1, lags + 1)]

    vals, errs = _twice(compute, dps)
    return Moments(A=vals[0], m=(), corr=tuple(vals[1:]), error=max(errs), dps=dps,
                   details={"closed_form": "A = log(2 cosh K), C(r) = tanh(K)^r; spins have x^2 = 1"})


# -- the numerics.api contract ---------------------------------------------

def flow(chain, *, scheme="decimation", b=2, steps=6, dps=30, until_fixed=False):
    """[theta_0, ..., theta_steps] under exact decimation by b (``until_fixed``: see ``numerics.api.flow``)."""
    _check_scheme(scheme)
    if chain.is_ising:
        return _ising_flow(chain, b, steps, dps, until_fixed)
    _check_gaussian(chain)
    return _gaussian_flow(chain, b, steps, dps, until_fixed)


def fixed_point(chain, *, scheme="decimation", b=2, dps=30, certify=False):
    """The fixed point the decimation flow from ``chain`` reaches: Gaussian (0; rho, 0..), Ising K* = 0.

    With ``certify`` the enclosure is the closed form evaluated in interval arithmetic.
    """
    _check_scheme(scheme)
    if chain.is_ising:
        return _ising_fixed_point(chain, b, dps, certify)
    _check_gaussian(chain)
    return _gaussian_fixed_point(chain, b, dps, certify)


def moments(chain, *, dps=30, lags=4):
    """A, m_(2k) (k = 1..n) and C(1..lags) of the infinite chain, from closed forms."""
    if chain.is_ising:
        return _ising_moments(chain, dps, lags)
    _check_gaussian(chain)
    return _gaussian_moments(chain, dps, lags)


def _check_scheme(scheme):
    if scheme != "decimation":
        raise NotSupported(f"numerics.exact does decimation only; scheme {scheme!r} needs numerics.general")
