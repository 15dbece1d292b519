"""The single-site law exp(-V_a(x)) dx / z(a) by direct quadrature: moments and their M-projection.

An independent route to Theorem R's a* (docs/theory.md 3.3): the decoupled chain (0; a*)
has the single-site moments m_(2k) = int x^(2k) exp(-V) / int exp(-V), so
a* solves m_(2k)(a*) = m_(2k)(theta). Here the integrals are mpmath's tanh-sinh
quadrature and the system is solved by Newton's method with the law's covariance as Jacobian
(residual checked separately, as docs/theory.md 5 advises); nothing from the transfer-operator
code is used.

>>> from mpmath import mp, mpf
>>> m = moments_quad((mpf(1),), 20)        # Gaussian exp(-x^2): m_2 = 1/2
>>> with mp.workdps(20):
...     ok = abs(m[0] - mpf(1) / 2) < mpf(10) ** -18
>>> ok
True
"""
from __future__ import annotations

import mpmath
from mpmath import mp

from numerics.precision import to_mpf
from proofs.errors import NotConverged

MAX_NEWTON_STEPS = 25


def _split(a):
    """Break points: the integrand's bulk lies where V is below ~ 60 + min V."""
    scale = max(abs(float(x)) for x in a) or 1.0
    top = [k for k, x in enumerate(a, 1) if x != 0][-1]
    L = (80.0 / float(a[top - 1])) ** (1.0 / (2 * top)) + 2 * (scale / float(a[top - 1])) ** 0.5
    return [-mpmath.inf, -L, -L / 2, 0, L / 2, L, mpmath.inf]


def moments_quad(a, dps, n=None):
    """m_(2k) = int x^(2k) e^(-V_a) / int e^(-V_a), k = 1..n, by tanh-sinh quadrature at dps + 10 digits."""
    n = n or len(a)
    with mp.workdps(dps + 10):
        a = [to_mpf(x) for x in a]
        V = lambda x: sum(ak * x ** (2 * k) for k, ak in enumerate(a, 1))
        pts = _split(a)
        shift = min(V(mpmath.mpf(x) / 10) for x in range(0, 60))      # avoid overflow for deep wells
        w = lambda x: mpmath.exp(-(V(x) - shift))
        z = mpmath.quad(w, pts)
        return [mpmath.quad(lambda x: x ** (2 * k) * w(x), pts) / z for k in range(1, n + 1)]


def projection_quad(m, dps, start):
    """a with single-site moments m (the M-projection of the marginal onto K = 0): Newton's method on quadratures.

    The Jacobian is the law's own covariance, dm_2k/da_l = -(m_2(k+l) - m_2k m_2l), from the same quadrature
    pass as the moments (m_2 .. m_4n), so one step costs 2n + 1 quadratures rather than a finite-difference
    Jacobian's n + 1 evaluations of the moments. Stops when a step is below 10^-(dps + 8); the residual is checked
    separately (docs/theory.md 5).
    """
    n = len(m)
    with mp.workdps(dps + 10):
        m = [to_mpf(x) for x in m]
        a = [to_mpf(x) for x in start]
        for _ in range(MAX_NEWTON_STEPS):
            # an iterate whose top coefficient is not positive has no normalizable law: stop at once
            # (quadrature of exp(+x^(2n)) would run for minutes) rather than wander outside the family
            if not a[-1] > 0:
                raise NotConverged(f"single-site projection left the family (a_{n} = {mpmath.nstr(a[-1], 3)}): "
                                   "the targets are not matched by any chain near the start", partial=a)
            mm = [mpmath.mpf(1)] + moments_quad(a, dps, 2 * n)          # mm[i] = m_2i, i = 0..2n
            J = mpmath.matrix(n, n)
            for k in range(n):
                for j in range(n):
                    J[k, j] = -(mm[k + j + 2] - mm[k + 1] * mm[j + 1])
            step = mpmath.lu_solve(J, mpmath.matrix([mm[k + 1] - m[k] for k in range(n)]))
            a = [a[k] - step[k] for k in range(n)]
            if max(abs(step[k]) for k in range(n)) < mpmath.mpf(10) ** -(dps + 8):
                break
        resid = max(abs(u - v) for u, v in zip(moments_quad(a, dps), m))
        if resid > mpmath.mpf(10) ** -(dps + 3):
            raise NotConverged(f"single-site projection residual {mpmath.nstr(resid, 3)}", partial=a, error=resid)
        return a, resid
