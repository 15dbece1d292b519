"""Projected RG flows, their fixed points, and the Jacobian there (docs/theory.md section 3.3).

A fixed point theta* of the projected map R satisfies T(theta*) = F_1(theta*): the
scheme's projection targets T (decimation: (C(b), m_2, .., m_2n); block-spin: the block
moments) equal the chain's own (C(1), m_2, .., m_2n). Differentiating F_1(R(theta)) = T(theta)
at theta* gives the Jacobian without nesting the projection:

    DR(theta*) = DF_1(theta*)^(-1) DT(theta*),

both by central differences with Richardson extrapolation on one fixed grid (one-sided
in a coordinate that sits on the edge a_k = 0). Scaling exponents y = log|lambda| / log b.

Decimation converges quadratically (C(b) ~ C(1)^b), so its fixed point is the end of
the flow. Theorem R names that end without following the flow at full precision: (0; a*),
a* the single-site projection of the chain's marginal moments; ``decimation_fixed_point``
solves for it directly (``numerics.marginal``) after a float64 flow has confirmed where the
flow goes, and keeps the full-precision flow (``method="flow"``) as the independent route.
Block-spin converges only linearly; its flow is followed until the trend is
clear, then the fixed point is solved for by Newton on T - F_1 = 0 with the conserved
variance m_2 replacing the trivially satisfied m_2 equation. A flow that runs into an
edge a_n -> 0 is continued in the subfamily, and the note says so.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import mpmath
import numpy as np
from mpmath import mp
from tqdm import tqdm

from numerics import blockspin, decimation, marginal
from numerics.arbtools import arb_to_mpf, digits_to_bits
from numerics.precision import fixed_point_note, repeats, to_mpf
from numerics.projection import EDGE_RATIO, float_newton, project
from numerics.transfer import Params, choose_grid, evaluate, float_solve, solve
from proofs.errors import NotConverged

STEPS = {"decimation": decimation.step, "block": blockspin.step}


def _progress(iterable, desc, total=None):
    return tqdm(iterable, desc=desc, total=total, leave=False, disable=None)


def subfamily(p):
    """Drop trailing zero coefficients: a chain on the edge a_n = 0 is handled in its subfamily."""
    a = list(p.a)
    while len(a) > 1 and a[-1] == 0:
        a.pop()
    return Params(p.K, tuple(a), p.ising), len(p.a) - len(a)


def pad(p, zeros):
    return Params(p.K, tuple(p.a) + (mpmath.mpf(0),) * zeros, p.ising)


def flow(p, scheme, b, steps, dps, until_fixed=False):
    """[(theta_0, 0, note), (R theta_0, err_1, note), ...]: Params, accumulated error estimates, edge notes.

    ``until_fixed``: stop at the first step that repeats its point to ``dps`` digits (its note says so).
    """
    q, zeros = subfamily(p)
    with mp.workdps(dps + 10):      # the start as mpf too: every point of the flow is one numeric type
        out = [(p.mpf(), mpmath.mpf(0), "")]
    err = mpmath.mpf(0)
    step = STEPS[scheme]
    for m in _progress(range(1, steps + 1), f"{scheme} flow"):
        prev = q
        q, e, details = step(q, b, dps)
        err = err + e        # the projected maps are contractions or marginal here: errors add
        note = details.get("edge", "")
        stop = until_fixed and m < steps and repeats([prev.K, *prev.a], [q.K, *q.a], dps)
        if stop:
            note = "; ".join(x for x in (note, fixed_point_note(m, steps, dps)) if x)
        out.append((pad(q, zeros), err, note))
        if stop:
            break
    return out, zeros


# -- targets and Jacobian on one grid --------------------------------------------------------

def _own(sol, n):
    """F_1 = (C(1), m_2, .., m_2n) from a Solution."""
    return [arb_to_mpf(sol.C[0])] + [arb_to_mpf(x) for x in sol.m[:n]]


def _targets(sol, scheme, b, n):
    if scheme == "decimation":
        return [arb_to_mpf(sol.C[b - 1])] + [arb_to_mpf(x) for x in sol.m[:n]]
    w = [min(r, 2 * b - r) for r in range(1, 2 * b)]
    cov = sum(wr * arb_to_mpf(c) for wr, c in zip(w, sol.C))
    S = {k: arb_to_mpf(v) for k, v in sol.S.items()}
    z2 = arb_to_mpf(sol.m[0]) / S[2]
    return [z2 * cov] + [z2 ** k * S[2 * k] for k in range(1, n + 1)]


def _solve_both(theta, grid, scheme, b, bits, n):
    p = Params(theta[0], tuple(theta[1:]))
    lags = b if scheme == "decimation" else 2 * b - 1
    sol = solve(p, grid, bits, lags=max(lags, 1), block=b if scheme == "block" else None)
    return _own(sol, n), _targets(sol, scheme, b, n)


def jacobian(p, scheme, b, dps):
    """DR at a fixed point p: (matrix, error estimate); columns are d/dK, d/da_1, .., d/da_n."""
    W = dps + 10
    n = p.n
    with mp.workdps(W + 10):
        theta = [to_mpf(p.K)] + [to_mpf(x) for x in p.a]
        grid = choose_grid(Params(theta[0], tuple(theta[1:])), W)
        bits = digits_to_bits(W + 10)
        dF = mpmath.matrix(n + 1, n + 1)
        dT = mpmath.matrix(n + 1, n + 1)
        err = mpmath.mpf(0)
        for j in _progress(range(n + 1), "Jacobian"):
            # a zero top coefficient (and zeros above it) is an edge: a_j < 0 there is not normalizable
            edge = j >= 2 and all(theta[k] == 0 for k in range(j, n + 1))
            h = mpmath.mpf(10) ** (-(W // 3 if edge else W // 5)) * max(1, abs(theta[j]))

            def at(s):
                th = list(theta)
                th[j] += s
                return _solve_both(th, grid, scheme, b, bits, n)

            def deriv(hh):
                if edge:   # second-order forward difference: a_n < 0 is not normalizable
                    f0, f1, f2 = at(0), at(hh), at(2 * hh)
                    return [[(-3 * f0[k][i] + 4 * f1[k][i] - f2[k][i]) / (2 * hh) for i in range(n + 1)]
                            for k in (0, 1)]
                fp, fm = at(hh), at(-hh)
                return [[(fp[k][i] - fm[k][i]) / (2 * hh) for i in range(n + 1)] for k in (0, 1)]

            d1, d2, d4 = deriv(h), deriv(h / 2), deriv(h / 4)
            order = 2 if edge else 4          # error order after one Richardson step
            for i in range(n + 1):
                for k, M in ((0, dF), (1, dT)):
                    r1 = d2[k][i] + (d2[k][i] - d1[k][i]) / (3 if not edge else 1)
                    r2 = d4[k][i] + (d4[k][i] - d2[k][i]) / (3 if not edge else 1)
                    M[i, j] = r2
                    err = max(err, abs(r2 - r1) / (2 ** order - 1) * 2)
        J = mpmath.inverse(dF) * dT
        cond = mpmath.mnorm(mpmath.inverse(dF), 1)
        return J, err * cond * (1 + mpmath.mnorm(J, 1))


def spectrum(J, err, b):
    """Eigenvalues of J (sorted by modulus, largest first), exponents log|lambda|/log b, both with J's error."""
    ev = mpmath.eig(J, left=False, right=False)
    ev = sorted(ev, key=lambda z: -abs(z))
    vals, exps = [], []
    keep = max(1, int(-mpmath.log10(err))) if err > 0 else mp.dps     # digits the finite differences support
    for z in ev:
        v = z.real if abs(z.imag) <= 10 * err else z
        if abs(z) <= 10 * err:      # zero within the error: a super-stable direction
            vals.append(mpmath.mpf(0))
            exps.append(None)
            continue
        vals.append(mpmath.mpf(mpmath.nstr(v, keep)) if not isinstance(v, mpmath.mpc) else v)
        y = mpmath.log(abs(z)) / mpmath.log(b)
        exps.append(mpmath.mpf(mpmath.nstr(y, keep)) if abs(y) > 10 * err else mpmath.mpf(0))
    return tuple(vals), tuple(exps)


# -- fixed points -------------------------------------------------------------------------------

class DecimationFixedPoint(NamedTuple):
    """A decimation fixed point and how it was found: ``method`` is the one used ("projection" or "flow")."""

    point: Params
    error: Any
    steps: int
    zeros: int
    note: str
    method: str


def decimation_fixed_point(p, b, dps, max_steps=60, method="projection"):
    """The decimation fixed point the flow from p reaches, as a ``DecimationFixedPoint``.

    ``method="projection"`` (Theorem R, docs/theory.md 3.3 and 5.7): a float64 flow shows where
    the flow ends and that it meets no edge; then a* is solved once at full precision. When the
    float64 flow meets an edge (or disagrees), and for ``method="flow"``, the projected flow is
    followed at full precision until it stops moving.
    """
    if method == "projection":
        found = _by_projection(p, b, dps)
        if found is not None:
            return found
    elif method != "flow":
        raise ValueError(f"method {method!r}: choose 'projection' or 'flow'")
    q, zeros = subfamily(p)
    W = dps + 10
    err = mpmath.mpf(0)
    with mp.workdps(W):
        tol = mpmath.mpf(10) ** -(dps + 3)
        for it in _progress(range(1, max_steps + 1), "decimation fixed point"):
            new, e, _ = decimation.step(q, b, dps)
            move = max([abs(new.K - q.K)] + [abs(x - y) for x, y in zip(new.a, q.a)])
            err = max(err, e)
            q = new
            if move <= max(tol, 2 * e):
                return DecimationFixedPoint(pad(q, zeros), err + move, it, zeros,
                                            f"reached after {it} projected decimation steps", "flow")
    raise NotConverged(f"decimation flow still moving after {max_steps} steps (last move {mpmath.nstr(move, 3)})",
                       partial=pad(q, zeros), error=move)


def float_flow(p, b, max_steps=40):
    """The projected decimation flow in float64: [(K, a), ...] until it stops moving, or None at an edge.

    Targets from ``float_solve`` (C(b), m_2, .., m_2n), projection by ``projection.float_newton``;
    about 14 digits per point, at a small fraction of the cost of one full-precision step.
    """
    K, a = p.floats()
    n = len(a)
    pts = [(K, a)]
    for _ in range(max_steps):
        q = Params(K, tuple(a))
        _, C, m = float_solve(q, choose_grid(q, 14), lags=b)
        t = np.array([C[b - 1]] + list(m))
        theta, resid = float_newton(t, start=[K] + a)
        if not np.all(np.isfinite(theta)) or resid > 1e-8 or theta[-1] * t[1] ** n < 10 * EDGE_RATIO:
            return None     # an edge or a failed projection: the full-precision flow decides
        move = max(abs(float(x) - y) for x, y in zip(theta[1:], a))
        K, a = float(theta[0]), [float(x) for x in theta[1:]]
        pts.append((K, a))
        # K shrinks like K^b down to the float64 noise of C(b) (~1e-13); a stops at 14 digits
        if abs(K) < 1e-9 and move < 1e-11 * (1 + max(abs(x) for x in a)):
            return pts
    return None


def _by_projection(p, b, dps):
    """Theorem R at full precision: (0; a*) with m_2k(0; a*) = m_2k(p); None where it does not apply."""
    q, zeros = subfamily(p)
    if q.ising or q.n < 2:
        return None
    pts = float_flow(q, b)
    if pts is None:
        return None
    v = evaluate(q, dps)
    start = pts[-1][1]
    a_star, err = marginal.project(list(v.m[: q.n]), dps, start=start, target_err=list(v.err_m[: q.n]))
    with mp.workdps(dps + 10):
        gap = max(abs(x - y) for x, y in zip(a_star, start))
        if not gap <= 1e-9 * (1 + max(abs(x) for x in start)):
            return None     # the float64 flow and Theorem R disagree: follow the flow instead
        note = (f"Theorem R: K* = 0 and a* = the single-site projection of m_2..m_{2 * q.n}(theta) (docs/theory.md "
                f"3.3, 5.7); the float64 projected flow reaches |K| = {abs(pts[-1][0]):.1e} in {len(pts) - 1} "
                f"steps and agrees with a* to {float(gap):.1e}")
        fp = Params(mpmath.mpf(0), tuple(a_star))
    return DecimationFixedPoint(pad(fp, zeros), err, len(pts) - 1, zeros, note, "projection")


def decimation_jacobian_at_zero(n):
    """DR at a decimation fixed point (0; a*) in closed form: diag(0, 1, .., 1) (docs/theory.md 3.3).

    At K = 0: C(b) = O(K^b) and m_2k is even in K, so DT = diag(0, -Cov) and DF_1 = diag(m_2^2, -Cov).
    """
    J = mpmath.zeros(n + 1, n + 1)
    for i in range(1, n + 1):
        J[i, i] = 1
    return J


def _conserved_system(theta, grid, b, bits, n, m2_0):
    own, tgt = _solve_both(theta, grid, "block", b, bits, n)
    return [tgt[0] - own[0]] + [tgt[k] - own[k] for k in range(2, n + 1)] + [own[1] - m2_0]


def block_fixed_point(p, b, dps, probe=8):
    """Block-spin fixed point: (Params, error, steps, note). Probes the flow, drops edges, then Newton."""
    q, zeros = subfamily(p)
    notes = []
    W = dps + 10
    with mp.workdps(W):
        v0 = evaluate(q, dps)
        m2_0, m2_err = v0.m[0], v0.err_m[0]
        steps = 0
        while True:
            seq = [q]
            for _ in _progress(range(probe), f"block flow probe (n={q.n})"):
                q, e, _ = blockspin.step(q, b, dps)
                seq.append(q)
                steps += 1
            q2, z = subfamily(q)
            if z:
                notes.append(f"the projected flow reached the edge a_{q.n} = 0 (constrained projection) after "
                             f"{steps} steps; continued in the subfamily")
                q, zeros = q2, zeros + z
                if q.n >= 2:
                    continue
                break
            if q.n >= 2:
                an = [float(s.a[-1]) for s in seq[-4:]]
                ratios = [an[i + 1] / an[i] for i in range(3) if an[i] != 0]
                if len(ratios) == 3 and all(0 < r < 0.95 for r in ratios) and max(ratios) - min(ratios) < 0.05:
                    notes.append(f"the flow runs into the edge a_{q.n} = 0 (a_{q.n} shrinks by {ratios[-1]:.4f} per "
                                 f"step, a_{q.n} = {float(q.a[-1]):.3g} after {steps} steps); continued in the "
                                 f"subfamily a_{q.n} = 0")
                    # project the current chain onto the subfamily: keep C(1), m_2, .., m_2(n-1)
                    v = evaluate(q, dps)
                    q, _, _ = project(v.C[0], v.m[: q.n - 1], dps, start=[float(q.K)] + [float(x) for x in q.a[:-1]])
                    zeros += 1
                    continue
            break
        # Newton on T - F_1 = 0 with m_2 = m_2(theta_0) (conserved) in the current family
        n = q.n
        grid = choose_grid(q, dps + 4)
        bits = digits_to_bits(W)
        theta = [q.K] + list(q.a)
        tol = mpmath.mpf(10) ** -(W - 3)
        for _it in range(40):
            E = _conserved_system(theta, grid, b, bits, n, m2_0)
            h = mpmath.mpf(10) ** -12
            J = mpmath.matrix(n + 1, n + 1)
            for j in range(n + 1):
                th = list(theta)
                th[j] += h * max(1, abs(theta[j]))
                Ej = _conserved_system(th, grid, b, bits, n, m2_0)
                for i in range(n + 1):
                    J[i, j] = (Ej[i] - E[i]) / (h * max(1, abs(theta[j])))
            dx = mpmath.lu_solve(J, mpmath.matrix(E))
            theta = [theta[i] - dx[i] for i in range(n + 1)]
            if max(abs(x) for x in dx) < tol:
                break
        else:
            raise NotConverged("block-spin fixed-point Newton did not converge", partial=theta,
                               error=max(abs(x) for x in dx))
        # error: one Newton correction with refined values (fine vs coarse grid)
        fine = choose_grid(Params(theta[0], tuple(theta[1:])), dps + 4).refined()
        E2 = _conserved_system(theta, fine, b, digits_to_bits(W + 10), n, m2_0)
        corr = mpmath.lu_solve(J, mpmath.matrix(E2))
        # plus m_2(theta_0)'s own error, carried through the conservation equation (last column of J^-1)
        Jinv = mpmath.inverse(J)
        err = max(abs(x) for x in corr) + max(abs(x) for x in dx) + max(abs(Jinv[i, n]) for i in range(n + 1)) * m2_err
        fp = pad(Params(theta[0] - corr[0], tuple(theta[i] - corr[i] for i in range(1, n + 1))), zeros)
        return fp, err, steps, notes


def fixed_point_residual(p, scheme, b, dps):
    """max |T(theta) - F_1(theta)| in the full family (a fixed point has 0), with the evaluation error."""
    v = evaluate(p, dps, lags=b if scheme == "decimation" else 2 * b - 1, block=b if scheme == "block" else None)
    with mp.workdps(dps + 10):
        own = [v.C[0]] + list(v.m)
        if scheme == "decimation":
            tgt = [v.C[b - 1]] + list(v.m)
        else:
            t, _ = blockspin.targets(p, b, dps)
            tgt = t
        return max(abs(x - y) for x, y in zip(own, tgt)), v.error
