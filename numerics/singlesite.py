"""The single-site law exp(-V_a(x)) dx / z(a) by direct quadrature: moments and their M-projection.

An independent route to Theorem R's a* (docs/theory.md 3.3): the decoupled chain (0; a*)
has the single-site moments m_(2k) = int x^(2k) exp(-V) / int exp(-V), so
a* solves m_(2k)(a*) = m_(2k)(theta). Here the integrals are mpmath's tanh-sinh
quadrature and the system is solved by mpmath.findroot (verify=False, tolerance
10^-(dps+5), residual checked separately, as docs/theory.md 5 advises); nothing from the
transfer-operator code is used.

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
    """a with single-site moments m (the M-projection of the marginal onto K = 0), by findroot on quadratures."""
    with mp.workdps(dps + 10):
        m = [to_mpf(x) for x in m]

        def f(*a):
            # an iterate whose top coefficient is not positive has no normalizable law: stop at once
            # (quadrature of exp(+x^(2n)) would run for minutes) rather than wander outside the family
            if not a[-1] > 0:
                raise NotConverged(f"single-site projection left the family (a_{len(a)} = {mpmath.nstr(a[-1], 3)}): "
                                   "the targets are not matched by any chain near the start", partial=a)
            return [u - v for u, v in zip(moments_quad(a, dps), m)]

        a = mpmath.findroot(f, [to_mpf(x) for x in start], tol=mpmath.mpf(10) ** -(2 * (dps + 5)),
                            verify=False, maxsteps=25)
        a = [a[i] for i in range(len(m))] if hasattr(a, "rows") else [a]
        resid = max(abs(x) for x in f(*a))
        if resid > mpmath.mpf(10) ** -(dps + 3):
            raise NotConverged(f"single-site projection residual {mpmath.nstr(resid, 3)}", partial=a, error=resid)
        return a, resid
