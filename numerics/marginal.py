"""The single-site law exp(-V_a(x)) dx / z(a) on trapezoid nodes: its moments and the projection a*.

Theorem R (docs/theory.md 3.3) puts the decimation fixed point at (0; a*): a* is the
single-site law whose moments equal the chain's marginal moments m_2k(theta). Here the
moments of exp(-V_a) are trapezoid sums in Arb on the nodes x_j = j h (docs/theory.md 5),

    m_2k(a) = sum_j x_j^2k w_j / sum_j w_j,    w_j = exp(-V_a(x_j)),

and a* solves m_2k(a) = t_k (k = 1..n) by Newton with the exact Jacobian

    d m_2k / d a_l = -(m_2(k+l) - m_2k m_2l),

so each step doubles the correct digits, and the working precision doubles with them. The
error of a* is the size of one more Newton correction computed on a grid with 3/2 the node
density, plus the targets' own error carried through the inverse Jacobian. This module uses
the transfer-operator grid rule only; ``numerics.singlesite`` (tanh-sinh quadrature and
findroot) is the independent route the checks compare it with.

>>> from fractions import Fraction
>>> from mpmath import mp, mpf
>>> a, err = project([Fraction(1, 2)], 40, start=[0.9])          # m_2 = 1/2: exp(-x^2)
>>> with mp.workdps(40):
...     ok = abs(a[0] - 1) < mpf(10) ** -38 and err < mpf(10) ** -38
>>> ok
True
"""
from __future__ import annotations

import math

import mpmath
from flint import arb, arb_mat
from mpmath import mp

from numerics.arbtools import arb_precision, arb_rad, arb_to_mpf, digits_to_bits, to_arb
from numerics.kernel import potential
from numerics.transfer import Grid, Params, choose_grid
from proofs.errors import InadmissibleParameter, NotConverged

__all__ = ["moments", "project"]


def _grid(a, digits):
    """Trapezoid nodes resolving exp(-V_a) x^(4n) to ``digits``: the transfer-operator rule at K = 0."""
    n = len(a)
    g = choose_grid(Params(0, tuple(a)), digits + 4 * n)
    # the weight x^(4n) at the range's end: widen until the tail is below the target
    while True:
        x = g.half_width
        V = potential([float(ak) for ak in a], x)
        if V - 4 * n * math.log(max(x, 1.0)) > (digits + 6) * math.log(10):
            return g
        g = Grid(g.h, math.ceil(g.J * 1.2))


def _sums(a, grid, kmax):
    """(z, [m_2, .., m_2kmax]) as Arb balls: trapezoid sums over x_j = j h, |j| <= J (even integrand)."""
    h = to_arb(grid.h)
    aa = [to_arb(x) for x in a]
    z = arb(1)                            # the node x = 0 (w_0 = 1)
    S = [arb(0)] * kmax
    for j in range(1, grid.J + 1):
        x2 = (h * j) ** 2
        V = arb(0)
        for ak in reversed(aa):           # Horner in x^2: V = x^2 (a_1 + x^2 (a_2 + ..))
            V = (V + ak) * x2
        w = 2 * (-V).exp()
        z += w
        p = w
        for k in range(kmax):
            p = p * x2
            S[k] += p
    return z, [s / z for s in S]


def moments(a, dps, kmax=None):
    """m_2k of exp(-V_a), k = 1..kmax (default n), as mpf at dps + 10 digits, with absolute errors.

    The error is |fine - coarse| over two grids (3/2 the node density) plus Arb's radius.
    """
    a = tuple(a)
    kmax = kmax or len(a)
    grid = _grid(a, dps + 4)
    bits = digits_to_bits(dps + 10)
    with arb_precision(bits):
        _, coarse = _sums(a, grid, kmax)
        _, fine = _sums(a, grid.refined(), kmax)
    with mp.workdps(dps + 10):
        vals = [arb_to_mpf(f) for f in fine]
        errs = [abs(v - arb_to_mpf(c)) + arb_rad(f) + abs(v) * mp.eps for v, f, c in zip(vals, fine, coarse)]
        return vals, errs


def _newton_step(a, t, grid, n):
    """One Newton correction for m(a) = t at the current Arb precision: (step, inverse Jacobian)."""
    _, m = _sums(a, grid, 2 * n)
    mom = [arb(1)] + m                    # mom[k] = m_2k
    J = arb_mat([[-(mom[k + l] - mom[k] * mom[l]) for l in range(1, n + 1)] for k in range(1, n + 1)])
    F = arb_mat([[mom[k] - t[k - 1]] for k in range(1, n + 1)])
    Jinv = J.inv()
    return Jinv * F, Jinv


def project(t, dps, start, target_err=None):
    """a* with single-site moments m_2k(a*) = t_k, k = 1..n (K = 0), and its absolute error (mpf).

    ``t``: the targets (rationals or mpf); ``start``: a nearby a (floats, e.g. the end of a
    float64 RG flow). Newton from there at 64 bits, then at doubling precision,
    then one correction on the 3/2-denser grid whose size is the discretization error.
    """
    n = len(t)
    if len(start) != n:
        raise ValueError(f"start has {len(start)} coefficients, the targets {n}")
    a = [float(x) for x in start]
    if not a[-1] > 0:
        raise InadmissibleParameter(f"a_{n}", a[-1], "the start of the single-site projection must have a_n > 0")
    W = dps + 10
    grid = _grid(a, W)
    target_bits = digits_to_bits(W)
    bits, last = 64, None
    done_at_full = 0
    for _ in range(8 + int(math.log2(target_bits))):
        with arb_precision(bits + 32):
            tt = [to_arb(x) for x in t]
            step, Jinv = _newton_step([to_arb(x) for x in a], tt, grid, n)
            a = [to_arb(x) - step[i, 0] for i, x in enumerate(a)]
            # step sizes as exact Arb midpoints: beyond 10^-308 a float would read 0 and the tests below fail
            last = max(abs(step[i, 0].mid()) for i in range(n))
            if not all(x.is_finite() for x in a) or not a[-1] > 0:
                raise NotConverged("single-site projection left the family (a_n <= 0): the marginal moments "
                                   "are not matched by any exp(-V) of this degree near the start",
                                   partial=[float(x.mid()) for x in a])
            a = [x.mid() for x in a]
        if bits >= target_bits:
            done_at_full += 1
            if done_at_full >= 2 and last < arb(10) ** (-(W - 5)) or done_at_full >= 4:
                break
        elif last < arb(2) ** (-bits // 2 + 8):     # quadratic convergence: the next step may double the precision
            bits = min(2 * bits, target_bits)
    else:
        raise NotConverged(f"single-site projection Newton did not settle (last step {last.str(3, radius=False)})",
                           partial=[float(x) for x in a], error=arb_to_mpf(last))
    # one correction on the finer grid: its size is the discretization error of a*
    with arb_precision(target_bits + 32):
        corr, Jinv = _newton_step([to_arb(x) for x in a], [to_arb(x) for x in t], grid.refined(), n)
        with mp.workdps(W):
            a_star = [arb_to_mpf(to_arb(x) - corr[i, 0]) for i, x in enumerate(a)]
            err = max(abs(arb_to_mpf(corr[i, 0])) + arb_rad(corr[i, 0]) for i in range(n))
            if target_err is not None:    # the targets' error moves a* by |J^-1| err
                Ji = [[abs(arb_to_mpf(Jinv[i, j])) for j in range(n)] for i in range(n)]
                err += max(sum(Ji[i][j] * mpmath.mpf(target_err[j]) for j in range(n)) for i in range(n))
            err += max(abs(x) for x in a_star) * mp.eps
            if not mpmath.isfinite(err):
                raise NotConverged("single-site projection: no finite error estimate", partial=a_star)
            return a_star, err
