"""chi: the M-projection of target moments onto the chain family (docs/theory.md section 3.2).

    chi(t) = argmin_theta  A(theta) - eta(theta) . t,    eta = (K, -a_1, .., -a_n),
    t = (E[y_0 y_1], E[y^2], .., E[y^(2n)])   (infinite-chain moments)

A is strictly convex (its Hessian is the asymptotic covariance of the sufficient
statistics), so the minimizer, where E_theta[stats] = t, is unique when it exists.
Newton's method: a float64 stage with backtracking line search from a Gaussian start,
then Newton steps in Arb at the requested precision with the float64 covariance as
Hessian (each step gains about 12 digits), then one step on the finer check grid whose
size is the error estimate.

>>> from mpmath import mp, mpf, sqrt
>>> pt = chi("0.15470053837925152902", ["0.57735026918962576451"], dps=18)   # Gaussian (a, K) = (1, 0.5)
>>> abs(float(pt.K) - 0.5) < 1e-15 and abs(float(pt.a[0]) - 1) < 1e-15
True
>>> chi("0.1", ["1", "0.9"], dps=15)
Traceback (most recent call last):
...
proofs.errors.InadmissibleParameter: inadmissible m_4 = 0.9: no distribution has m_4 <= m_2^2 = 1.0 (Hankel positivity); the target is not realizable
"""  # noqa: E501 (the doctest shows an exception message, one line)
from __future__ import annotations

import math

import mpmath
import numpy as np
from mpmath import mp

from numerics.arbtools import arb_to_mpf, digits_to_bits
from numerics.point import Point
from numerics.precision import check_dps, to_mpf
from numerics.transfer import Params, choose_grid, evaluate, float_covariance, solve
from proofs.errors import InadmissibleParameter, MalformedInput, NotConverged
from proofs.family import exact_rational

FLOAT_MAX_NODES = 500  # the float stage refuses trial points needing larger grids (line search backs off)
CONTRACTION = 1e-9      # conservative per-step gain of Newton with the float64 Hessian (measured ~1e-12)
class EdgeOfFamily(InadmissibleParameter):
    """The targets lie beyond the edge a_n = 0: the moment-matching path runs into it."""


EDGE_RATIO = 1e-7       # a_n m_2^n below this: the Newton path runs into the edge a_n = 0


def _target(x, name):
    if isinstance(x, mpmath.mpf):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            raise MalformedInput(name, repr(x), "must be finite")
        return mpmath.mpf(x)          # sample moments are floats; they are taken as given
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):   # numpy / torch scalars
        return _target(float(x.item()), name)
    return to_mpf(exact_rational(x, name))


def check_targets(c1, m):
    """Refuse targets no member of the family realizes: Hankel positivity, |C(1)| < m_2."""
    if isinstance(m, (str, bytes)) or not hasattr(m, "__len__") or len(m) == 0:
        raise MalformedInput("m", repr(m), "give the moments (m_2, .., m_2n) as a sequence, n >= 1")
    c1 = _target(c1, "C(1)")
    m = [_target(x, f"m_{2 * k}") for k, x in enumerate(m, 1)]
    if not m[0] > 0:
        raise InadmissibleParameter("m_2", mpmath.nstr(m[0], 8), "must be positive")
    if not abs(c1) < m[0]:
        raise InadmissibleParameter("C(1)", mpmath.nstr(c1, 8), f"a chain needs |C(1)| < m_2 = {mpmath.nstr(m[0], 8)} "
                                    "(Cauchy-Schwarz, strict for a continuous law)")
    if len(m) >= 2 and not m[1] > m[0] ** 2:
        raise InadmissibleParameter("m_4", mpmath.nstr(m[1], 8), f"no distribution has m_4 <= m_2^2 = "
                                    f"{mpmath.nstr(m[0] ** 2, 8)} (Hankel positivity); the target is not realizable")
    # Stieltjes positivity of (m_0, m_2, m_4, ...) for the law of y^2: Hankel matrices
    # [m_(2(i+j))] and [m_(2(i+j+1))] positive definite (a continuous law: strictly)
    mom = [mpmath.mpf(1)] + m
    for shift in (0, 1):
        for size in range(2, len(mom) + 1):
            if 2 * size - 2 + shift >= len(mom):
                break
            H = mpmath.matrix([[mom[i + j + shift] for j in range(size)] for i in range(size)])
            if not mpmath.det(H) > 0:
                top = 2 * (2 * size - 2 + shift)
                raise InadmissibleParameter(f"m_{top}", mpmath.nstr(mom[2 * size - 2 + shift], 8),
                                            "the moment (Hankel) matrix up to this order is not positive "
                                            "definite: no distribution has these moments")
    return c1, m


# -- float64 stage ---------------------------------------------------------------------------

def _interior(K, a):
    """theta strictly inside the n-family: a_n > 0 (and a_1 > |K| when n = 1).

    Not ``proofs.family.admissible``: that rule accepts a trailing a_n = 0 (the edge of the
    family, a smaller family's chain). The Newton stage keeps a_n > 0 so that every iterate has
    the full set of n + 1 sufficient statistics; a minimizer on or beyond the edge a_n = 0 is
    detected by the step cutting (``_newton_local``) and handled by the KKT edge solution.
    """
    if a[-1] <= 0:
        return False
    return len(a) > 1 or a[0] > abs(K)


def _objective(theta, t, grid=None):
    p = Params(theta[0], tuple(theta[1:]))
    grid = grid or choose_grid(p, 14, max_nodes=FLOAT_MAX_NODES)
    A, g, S = float_covariance(p, grid)
    eta = np.concatenate([[theta[0]], -np.asarray(theta[1:])])
    f = A - eta @ t
    D = np.diag([1.0] + [-1.0] * (len(theta) - 1))
    grad = D @ (g - t)                  # d f / d theta
    return f, grad, D @ S @ D


def gaussian_start(c1, m2):
    """The n = 1 chain with these C(1), m_2: u = C1/m2, rho = 1/(2 m2) (docs/theory.md 2)."""
    u, rho = c1 / m2, 1 / (2 * m2)
    return 2 * rho * u / (1 - u * u), rho * (1 + u * u) / (1 - u * u)


def _newton_local(theta, t, tol, max_iter):
    """Damped Newton for the dual problem at target t: (theta, relative residual, pushed into the edge).

    A Newton step that would make a_n <= 0 is cut to halve a_n instead; if that keeps happening
    until a_n m_2^n < EDGE_RATIO, the minimizer lies beyond the edge a_n = 0 (or on it).
    """
    try:
        f, g, H = _objective(theta, t)
    except InadmissibleParameter:
        return theta, math.inf, False
    n = len(t) - 1
    scale = np.concatenate([[abs(t[1])], np.abs(t[1:])])    # C(1) is measured against m_2 >= |C(1)|
    resid = np.max(np.abs(g) / scale)
    for _ in range(max_iter):
        if resid < tol:
            break
        step = -np.linalg.solve(H, g)
        pushed = n >= 2 and theta[-1] + step[-1] <= 0
        s = min(1.0, 0.5 * theta[-1] / -step[-1]) if pushed else 1.0
        while s >= 1e-6:
            trial = theta + s * step
            if _interior(trial[0], trial[1:]):
                try:
                    f1, g1, H1 = _objective(trial, t)
                    if resid < 1e-6 or f1 <= f + 1e-4 * s * (g @ step):
                        break
                except InadmissibleParameter:
                    pass
            s *= 0.5
        else:
            break
        theta, f, g, H = trial, f1, g1, H1
        resid = np.max(np.abs(g) / scale)
        if pushed and theta[-1] * t[1] ** n < EDGE_RATIO:
            return theta, resid, True
    return theta, resid, False


def float_newton(t, start=None):
    """theta (floats) with float64 moments t = (C(1), m_2..m_2n): Newton along a homotopy in the targets.

    The start is ``start`` (e.g. the previous point of an RG flow) or the decoupled chain K = 0,
    a_1 = 1/(2 m_2) (plus a small a_n > 0); the targets move on
    the straight line from its moments to t (the set of realizable moments is convex), so each Newton
    solve starts close to its answer; the step in the homotopy adapts.
    """
    n = len(t) - 1
    if start is not None:
        theta = np.array([float(x) for x in start])
        if n >= 2 and theta[-1] <= 0:       # a start on the edge: step just inside
            theta[-1] = 1e-4 * abs(theta[1]) ** n + 1e-12
    else:
        theta = np.array([0.0, 1 / (2 * t[1])] + [0.0] * (n - 1))
        if n >= 2:
            theta[-1] = 0.05 * theta[1] ** n
    p = Params(theta[0], tuple(theta[1:]))
    _, g0, _ = float_covariance(p, choose_grid(p, 14))
    t0 = np.asarray(g0)
    s, ds = 0.0, 1.0
    while True:
        s_try = min(1.0, s + ds)
        last = s_try == 1.0
        th, resid, edge = _newton_local(theta, t0 + s_try * (t - t0), 1e-12 if last else 1e-7, 60 if last else 12)
        if edge:
            if ds <= 1 / 64:                    # even short homotopy steps run into the edge a_n = 0
                return th, max(resid, 1.0)
            ds /= 4                             # a long step's Newton model may just be poor: shorten
            continue
        if resid < (1e-12 if last else 1e-7) and np.all(np.isfinite(th)):
            theta, s = th, s_try
            if last:
                return theta, resid
            ds = min(2 * ds, 1.0)
        else:
            ds /= 4
            if ds < 1e-3:
                return th, resid


# -- high-precision stage ------------------------------------------------------------------

def project(c1, m, dps, start=None, target_err=None, allow_edge=False):
    """chi of (c1, m) as (Params with mpf entries, absolute error, details); ``start``: a nearby theta.

    ``allow_edge``: targets beyond the edge a_n = 0 get the constrained projection onto a_n >= 0,
    which lies on the edge (the subfamily's projection, when its KKT sign condition
    m_2n(target) >= m_2n(subfamily solution) holds); RG flows use this to continue on an edge.
    """
    if allow_edge and len(m) >= 2:
        if start is not None and start[-1] == 0:
            found = _edge_projection(c1, m, dps, start, target_err)
            if found is not None:
                return found
        try:
            return _project(c1, m, dps, start, target_err)
        except EdgeOfFamily:
            found = _edge_projection(c1, m, dps, start, target_err)
            if found is None:
                raise
            return found
    return _project(c1, m, dps, start, target_err)


def _edge_projection(c1, m, dps, start, target_err):
    """The projection onto the subfamily a_n = 0, if it is the constrained minimizer (KKT), else None."""
    n = len(m)
    sub, err, details = project(c1, m[:-1], dps, None if start is None else start[:-1],
                                None if target_err is None else target_err[:-1], allow_edge=True)
    q = Params(sub.K, tuple(sub.a) + (mpmath.mpf(0),))
    v = evaluate(q, dps, lags=1)
    with mp.workdps(dps + 10):
        t_top = _target(m[-1], f"m_{2 * n}")
        slack = v.err_m[-1] + (abs(target_err[-1]) if target_err is not None else 0)
        kkt = t_top >= v.m[-1] - slack
        # a start already this close to the edge cannot be resolved from it in float64: stay on the edge
        unresolved = start is not None and abs(float(start[-1])) * float(m[0]) ** n < 10 * EDGE_RATIO
        if not (kkt or unresolved):
            return None
        mismatch = (t_top - v.m[-1]) / t_top
    details = dict(details)
    if kkt:
        details["edge"] = (f"on the edge a_{n} = 0: the target m_{2 * n} = {mpmath.nstr(t_top, 8)} "
                           "is beyond the family "
                           f"(the subfamily gives {mpmath.nstr(v.m[-1], 8)}); constrained projection")
    else:
        details["edge"] = (f"continued in the subfamily a_{n} = 0: a_{n} fell below the resolvable 1e-6 m_2^-{n}; "
                           f"m_{2 * n} is then matched only to a relative {mpmath.nstr(mismatch, 2)}")
        with mp.workdps(dps + 10):     # the dropped a_n (below 1e-6 m_2^-n) is part of the error now
            err = err + 10 * EDGE_RATIO / _target(m[0], "m_2") ** n
    return q, err, details


def _project(c1, m, dps, start=None, target_err=None):
    check_dps(dps)
    c1, m = check_targets(c1, m)
    n = len(m)
    tf = np.array([float(c1)] + [float(x) for x in m])
    theta_f, resid = float_newton(tf, start)
    if not np.all(np.isfinite(theta_f)) or resid > 1e-8:
        if n >= 2 and theta_f[-1] * tf[1] ** n < 10 * EDGE_RATIO:
            raise EdgeOfFamily(
                "moments", f"C(1)={mpmath.nstr(c1, 6)}, m={[mpmath.nstr(x, 6) for x in m]}",
                f"not realizable in the degree-{2 * n} family: the projection runs into the edge a_{n} -> 0 "
                f"(for n = 2 this means kurtosis m_4/m_2^2 >= 3 is not reachable with a_2 > 0)")
        raise InadmissibleParameter(
            "moments", f"C(1)={mpmath.nstr(c1, 6)}, m={[mpmath.nstr(x, 6) for x in m]}",
            f"no chain of the family matches these moments (Newton stalled at residual {resid:.2g}; "
            "|C(1)| may exceed what the family allows with these single-site moments)")
    W = dps + 10
    bits = digits_to_bits(W)
    with mp.workdps(W):
        t = [c1] + list(m)
        theta = [mpmath.mpf(float(x)) for x in theta_f]
        p = Params(theta[0], tuple(theta[1:]))
        grid = choose_grid(p, dps + 4)
        tol = mpmath.mpf(10) ** -(W - 2)
        last = None
        for it in range(W // 2 + 16):      # ~12 digits a step; slower for many coefficients
            p = Params(theta[0], tuple(theta[1:]))
            sol = solve(p, grid, bits)
            g = [arb_to_mpf(sol.C[0]) - t[0]] + [t[k + 1] - arb_to_mpf(sol.m[k]) for k in range(n)]
            if it == 0:     # theta moves by ~1e-13 from here on: one float64 Hessian serves all steps
                _, _, S = float_covariance(p, grid)
                D = np.diag([1.0] + [-1.0] * n)
                Hinv = mpmath.matrix((np.linalg.inv(D @ S @ D)).tolist())
            step = -(Hinv * mpmath.matrix(g))
            theta = [theta[i] + step[i] for i in range(n + 1)]
            size = max(abs(x) for x in step)
            # the next step would be ~1e-11 x this one; the refined correction below is that step
            if size * CONTRACTION < tol * (1 + max(abs(x) for x in theta)):
                last = size * CONTRACTION
                break
            last = size
        else:
            raise NotConverged(f"projection Newton did not converge at {dps} digits (last step {mpmath.nstr(last, 3)})",
                               partial=tuple(theta), error=last)
        # one Newton correction with the fine check grid: its size estimates the discretization error
        p = Params(theta[0], tuple(theta[1:]))
        vals = evaluate(p, dps, lags=1, grid=grid)
        g = [vals.C[0] - t[0]] + [t[k + 1] - vals.m[k] for k in range(n)]
        corr = -(Hinv * mpmath.matrix(g))
        theta = [theta[i] + corr[i] for i in range(n + 1)]
        # error: the correction, plus the moments' own error propagated through H^-1
        errs = [vals.err_C[0]] + list(vals.err_m)
        if target_err is not None:          # the targets' own errors move the solution by H^-1 err
            errs = [e + abs(te) for e, te in zip(errs, target_err)]
        prop = mpmath.matrix([[abs(Hinv[i, j]) for j in range(n + 1)] for i in range(n + 1)]) * mpmath.matrix(errs)
        err = max(abs(corr[i]) + prop[i] for i in range(n + 1)) + last
        if n >= 1 and not _interior(float(theta[0]), [float(x) for x in theta[1:]]) and theta[-1] <= 0:
            raise InadmissibleParameter("moments", "..", f"the projection lies outside the family (a_{n} <= 0)")
        details = {"grid": vals.details["grid_fine"], "newton_steps": it + 1, "correction": abs(max(corr, key=abs))}
        return Params(theta[0], tuple(theta[1:])), err, details


def chi(c1, m, *, dps=30):
    """The chain theta = (K; a_1..a_n) whose infinite-chain C(1), m_2..m_2n equal the targets, with its error.

    ``c1`` = E[y_0 y_1], ``m`` = (E[y^2], .., E[y^(2n)]); numbers as decimal strings, Fractions,
    mpf or floats (floats, e.g. sample moments, are taken at face value).
    """
    p, err, details = project(c1, m, dps)
    with mp.workdps(dps + 10):
        return Point(K=+p.K, a=tuple(+x for x in p.a), error=+err)
