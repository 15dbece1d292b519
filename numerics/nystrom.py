"""The transfer operator by Gauss-Hermite Nystrom discretization: a second, independent route (docs/theory.md 5.16).

    T(x, y) = exp(K x y - V(x)/2 - V(y)/2),   A = log lambda_0,   m_(2k) = <phi_0| y^(2k) |phi_0>,
    C(r) = <y phi_0| (T / lambda_0)^r |y phi_0>

The integral operator is replaced by the scaled Gauss-Hermite rule: nodes y_i = s x_i, x_i the n
roots of the Hermite polynomial H_n (weight e^(-x^2)), and total weights W_i = s w_i e^(x_i^2), so
that sum_i W_i f(y_i) integrates f over the real line. The Nystrom matrix is the symmetric

    M_ij = g_i g_j exp(K y_i y_j),   g_i = sqrt(W_i) exp(-V(y_i)/2),

split by parity (n even, nodes +-y_i): the even block E = G (e^(K y y^T) + e^(-K y y^T)) G holds the
top eigenvector c (A and the m_2k), the odd block O = G (e^(K y y^T) - e^(-K y y^T)) G the correlations:
m_2k = sum_i c_i^2 y_i^(2k) and C(r) = e^T (O / lambda_0)^r e with e_i = y_i c_i.

Nothing here is shared with ``numerics.transfer``, ``numerics.kernel`` or ``numerics.network.grid_chain``
(trapezoid nodes): other nodes (Gauss-Hermite roots, computed here by Newton on the orthonormal
recurrence), other weights (Christoffel numbers), another eigensolver (power iteration at full
precision, and repeated squaring of the even block, P <- P^2 / tr P^2, where that contracts slowly; no
float64 eigendecomposition, no residual correction), arithmetic in python-flint Arb with the balls'
radii dropped after every product (the error estimate is the refinement below, not the radii).

Choice of the rule, and the error estimate. The range L is the smallest with
U(L) - min_(|y| <= L) U >= (digits + RANGE_GUARD) ln 10, U(y) = V(y) - |K| y^2 (beyond L the stationary
weight is below the target); the scale s puts the outermost node at L. The node count runs up the
ladder n_j = 2 round(12 * 2^(j/2)) (ratio sqrt 2), and the value at n_j is accepted when it agrees
with the value at n_(j-2) = n_j / 2 (**doubling**) to 10^-digits (relative): the error is that
difference. A last solve at n_j with the range widened by WIDEN adds its difference (the doubling,
at a common range, need not see a range that is too short), and must agree to 10^-digits as well.

>>> from proofs.family import Chain
>>> v = moments(Chain.gaussian("0.5", "1"), dps=20, lags=1)      # closed forms: docs/theory.md 2
>>> from mpmath import mp, mpf, sqrt
>>> with mp.workdps(25):
...     rho = sqrt(3) / 2
...     ok = abs(v.m[0] - 1 / (2 * rho)) < v.err_m[0] + mpf(10) ** -22 and v.err_m[0] < mpf(10) ** -20
>>> ok
True
"""
from __future__ import annotations

import fractions
import functools
import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
from flint import arb, arb_mat, fmpq
from mpmath import mp

from numerics.runtime import one_thread
from proofs.errors import InadmissibleParameter, NotConverged, NotSupported
from proofs.family import admissibility_violation

RANGE_GUARD = 8          # digits of stationary weight the range leaves out beyond the target
SCALE_FACTOR = 1.15      # the outermost node sits this far beyond the tail range (measured optimum, 5.16)
WIDEN = 1.15             # the range check: one more solve with L * WIDEN
MAX_NODES = 400          # the ladder stops here (n^3 / 8 products per squaring)
EXTRA_DIGITS = 15        # working precision beyond the target (the squarings lose a few digits)


@dataclass(frozen=True)
class Values:
    """A, m_(2k), C(1..lags) and u = lambda_odd / lambda_0 (None unless asked) of the infinite chain, with errors."""

    A: object
    m: tuple
    C: tuple
    u: object
    err_A: object
    err_m: tuple
    err_C: tuple
    err_u: object
    dps: int
    details: dict = field(default_factory=dict)

    @property
    def error(self):
        """The largest absolute error estimate of A, the m_2k and the C(r)."""
        return max([self.err_A, *self.err_m, *self.err_C])


# -- Gauss-Hermite nodes and weights ---------------------------------------------------------------

def _exact(q):
    """An exact rational (Fraction, int, decimal string, sympy Rational) as an Arb ball."""
    f = fractions.Fraction(str(q)) if not isinstance(q, (int, fractions.Fraction)) else fractions.Fraction(q)
    return arb(fmpq(f.numerator, f.denominator))


@functools.lru_cache(maxsize=64)
def hermite_rule(n, bits):
    """(x_i, log w_i) for i = 1..n/2: the positive roots of H_n and log of their Gauss weights (weight e^(-x^2)).

    Newton on the orthonormal recurrence p_(k+1) = x sqrt(2/(k+1)) p_k - sqrt(k/(k+1)) p_(k-1),
    p_0 = pi^(-1/4) (p_n' = sqrt(2n) p_(n-1)), from numpy's float64 roots; the weight is the
    Christoffel number 1 / sum_(k<n) p_k(x)^2. Every product is rounded to its midpoint (a recurrence in
    ball arithmetic would grow its radii like 2^n without being any less accurate).

    >>> from flint import ctx
    >>> xs, lw = hermite_rule(2, 80)                 # H_2 = 4x^2 - 2: x = 1/sqrt(2), w = sqrt(pi)/2
    >>> abs(float(xs[0]) - 0.5 ** 0.5) < 1e-15, abs(math.exp(float(lw[0])) - math.sqrt(math.pi) / 2) < 1e-15
    (True, True)
    """
    if n % 2 or n < 2:
        raise ValueError(f"the Gauss-Hermite rule here needs an even n >= 2, got {n}")
    from flint import ctx
    old = ctx.prec
    ctx.prec = bits + 16
    try:
        with np.errstate(all="ignore"), one_thread():    # numpy's weights overflow for large n; only its roots
            start, _ = np.polynomial.hermite.hermgauss(n)   # are used (one BLAS thread: numerics.runtime)
        p0 = arb.pi() ** arb(-0.25)
        coef = [((arb(2) / (k + 1)).sqrt(), (arb(k) / (k + 1)).sqrt()) for k in range(n)]
        sqrt2n = arb(2 * n).sqrt()
        tol = arb(2) ** (-(bits + 4))
        xs, logw = [], []
        for xf in start[n // 2:]:
            x = arb(float(xf))
            for _ in range(80):
                pm, p, s = arb(0), p0, arb(0)
                for k in range(n):
                    s = (s + p * p).mid()
                    pm, p = p, (x * coef[k][0] * p - coef[k][1] * pm).mid()
                dx = (p / (sqrt2n * pm)).mid()
                x = (x - dx).mid()
                if abs(dx) <= tol * (1 + abs(x)):
                    break
            else:
                raise NotConverged(f"Gauss-Hermite root near {xf:.6g} (n = {n}) did not converge", partial=x)
            xs.append(x)
            logw.append((-s.log()).mid())
        return tuple(xs), tuple(logw)
    finally:
        ctx.prec = old


# -- one solve ------------------------------------------------------------------------------------

def _potential(a, y):
    return sum((ak * y ** (2 * k) for k, ak in enumerate(a, 1)), arb(0))


def _range(K, a, digits):
    """The half-width L: U(L) - min_(|y| <= L) U >= (digits + RANGE_GUARD) ln 10, U(y) = V(y) - |K| y^2 (float)."""
    Kf, af = abs(float(K)), [float(v) for v in a]
    U = lambda y: sum(c * y ** (2 * k) for k, c in enumerate(af, 1)) - Kf * y * y   # noqa: E731
    target = (digits + RANGE_GUARD) * math.log(10)
    L = 0.5
    while True:
        low = min(0.0, min(U(L * t / 64) for t in range(65)))
        if U(L) - low >= target:
            return L
        L *= 1.02
        if L > 1e3:
            raise InadmissibleParameter("theta", (float(K), tuple(af)), "the chain is too close to the edge of "
                                        "the family for the Gauss-Hermite rule (range > 10^3)")


@dataclass
class _Solve:
    lam: object
    A: object
    m: list
    C: list
    u: object


POWER_STEPS = 400          # power iterations before the squaring takes over
POWER_RATIO = 0.6          # ... or as soon as the iteration contracts more slowly than this per step


def _unit(v, h):
    """v / |v| with the sign that makes its largest entry positive (midpoints)."""
    norm = sum((v[j, 0] ** 2 for j in range(h)), arb(0)).sqrt()
    i = max(range(h), key=lambda k: abs(v[k, 0].mid()))
    if v[i, 0].mid() < 0:
        norm = -norm
    return (v * (1 / norm)).mid()


def _top(B, bits):
    """Top eigenvalue and unit eigenvector of the symmetric matrix B whose top eigenvalue dominates in modulus.

    Power iteration v <- B v / |B v| from v_i = sqrt(B_ii) until v moves by less than 2^-(bits - 8); it contracts
    by |lambda_2 / lambda_0| per step, so if that ratio (measured from successive moves) exceeds POWER_RATIO, or
    after POWER_STEPS, repeated squaring takes over: P <- P^2 / tr P^2 converges to the projector onto the top
    eigenvector (the ratios are squared at each step), until the diagonal of P moves by less than 2^-(bits - 8).
    The Rayleigh quotient gives the eigenvalue.
    """
    h = B.nrows()
    tol = arb(2) ** (-(bits - 8))
    v = _unit(arb_mat([[abs(B[i, i]).sqrt()] for i in range(h)]), h)
    last = None
    for step in range(POWER_STEPS):
        w = _unit((B * v).mid(), h)
        moved = max(abs((w[i, 0] - v[i, 0]).mid()) for i in range(h))
        v = w
        if moved < tol:
            break
        if last is not None and step >= 8 and moved > POWER_RATIO * last:
            v = _squaring(B, bits, h, tol)
            break
        last = moved
    else:
        v = _squaring(B, bits, h, tol)
    lam = ((v.transpose() * (B * v)).mid())[0, 0].mid()
    return lam, v


def _squaring(B, bits, h, tol):
    P = (B * (1 / B.trace())).mid()
    for _ in range(64):
        Q = (P * P).mid()
        Q = (Q * (1 / Q.trace())).mid()
        moved = max(abs((Q[i, i] - P[i, i]).mid()) for i in range(h))       # P -> v v^T: its diagonal v_i^2
        P = Q
        if moved < tol:
            break
    else:
        raise NotConverged("repeated squaring of the Nystrom block did not converge in 64 steps", partial=None)
    i = max(range(h), key=lambda k: P[k, k].mid())
    return _unit((B * arb_mat([[P[j, i]] for j in range(h)])).mid(), h)


def solve(K, a, n, L, bits, lags=1, odd_top=False):
    """A, m_2..m_2n, C(1..lags) (and u if ``odd_top``) on the n-node Gauss-Hermite rule with outermost node L."""
    from flint import ctx
    old = ctx.prec
    xs, logw = hermite_rule(n, bits)
    ctx.prec = bits
    try:
        h = n // 2
        Ka = _exact(K)
        aa = [_exact(v) for v in a]
        s = arb(L) / xs[-1]
        ys = [(s * x).mid() for x in xs]
        logg = [((s.log() + lw + x * x - _potential(aa, y)) / 2).mid() for x, lw, y in zip(xs, logw, ys)]
        g = [v.exp() for v in logg]
        E, O = arb_mat(h, h), arb_mat(h, h)
        for i in range(h):
            for j in range(i, h):
                e = (Ka * ys[i] * ys[j]).exp()
                gg = g[i] * g[j]
                E[i, j] = E[j, i] = (gg * (e + 1 / e)).mid()
                O[i, j] = O[j, i] = (gg * (e - 1 / e)).mid()
        lam, c = _top(E, bits)
        m = [sum((c[i, 0] ** 2 * ys[i] ** (2 * k) for i in range(h)), arb(0)).mid()
             for k in range(1, max(len(a), 1) + 1)]
        e = arb_mat([[ys[i] * c[i, 0]] for i in range(h)]).mid()
        C, w = [], e
        for _ in range(lags):
            w = ((O * w) * (1 / lam)).mid()
            C.append((e.transpose() * w)[0, 0].mid())
        u = None
        if odd_top:
            u = (_top(O, bits)[0] / lam).mid() if K != 0 else arb(0)
        return _Solve(lam, lam.log().mid(), m, C, u)
    finally:
        ctx.prec = old


def _mpf(x):
    mid = x.mid()
    if mid.is_zero():
        return mpmath.mpf(0)
    man, exp = mid.man_exp()
    return mpmath.ldexp(mpmath.mpf(int(man)), int(exp))


def ladder(j):
    """The node counts n_j = 2 round(12 * 2^(j/2)): 24, 34, 48, 68, 96, 136, 192, 272, 384."""
    return 2 * round(12 * 2 ** (j / 2))


def _flat(sol):
    return [sol.A, *sol.m, *sol.C]


def moments(chain, *, dps=30, lags=4, odd=False):
    """A(theta), m_(2k) (k = 1..n), C(1..lags) (and u if ``odd``) of the infinite chain by Gauss-Hermite Nystrom.

    The node count doubles until two solves agree to 10^-dps (relative to max(1, |value|)); the error of
    each value is that difference plus the change when the range is widened by WIDEN.
    """
    if getattr(chain, "is_ising", False):
        raise NotSupported("the Ising chain has a two-point base measure: its transfer matrix is 2 x 2 "
                           "(closed forms, numerics.exact); the Nystrom route is for densities exp(-V)")
    K, a = chain.K, tuple(chain.a)
    violation = admissibility_violation(K, a)
    if violation is not None:
        m_, rule = violation
        raise InadmissibleParameter(f"a_{m_}", a[m_ - 1], f"not admissible ({rule}; docs/theory.md 1)")
    bits = int(math.ceil((dps + EXTRA_DIGITS) * math.log2(10)))
    L = SCALE_FACTOR * _range(K, a, dps)
    with mp.workdps(dps + 10):
        tol = mpmath.mpf(10) ** -dps
        sols, j = {}, 0
        while True:
            n = ladder(j)
            if n > MAX_NODES:
                raise NotConverged(f"Gauss-Hermite Nystrom: no agreement to 10^-{dps} with up to {MAX_NODES} nodes",
                                   partial=sols.get(j - 1), error=None)
            sols[j] = solve(K, a, n, L, bits, lags, odd)
            if j >= 2:
                fine, coarse = (list(map(_mpf, _flat(sols[i]))) for i in (j, j - 2))
                diff = [abs(f - c) for f, c in zip(fine, coarse)]
                if all(d <= tol * max(1, abs(f)) for d, f in zip(diff, fine)):
                    wide = solve(K, a, n, L * WIDEN, bits, lags, odd)
                    widened = [abs(f - w) for f, w in zip(fine, map(_mpf, _flat(wide)))]
                    if all(d <= tol * max(1, abs(f)) for d, f in zip(widened, fine)):
                        break
            j += 1
        rnd = mpmath.mpf(2) ** -(bits - 16)
        err = [d + w + rnd * max(1, abs(f)) for d, w, f in zip(diff, widened, fine)]
        k = len(sols[j].m)
        u_f = u_err = None
        if odd:
            u_f, u_c, u_w = _mpf(sols[j].u), _mpf(sols[j - 2].u), _mpf(wide.u)
            u_err = abs(u_f - u_c) + abs(u_f - u_w) + rnd
        return Values(A=fine[0], m=tuple(fine[1:1 + k]), C=tuple(fine[1 + k:]), u=u_f,
                      err_A=err[0], err_m=tuple(err[1:1 + k]), err_C=tuple(err[1 + k:]),
                      err_u=u_err, dps=dps,
                      details={"nodes": n, "nodes_coarse": ladder(j - 2), "range": L, "range_widened": L * WIDEN,
                               "doubling_differences": tuple(diff), "widening_differences": tuple(widened),
                               "bits": bits, "method": "Gauss-Hermite Nystrom, power iteration / squaring; error = "
                               "|n - n/2| + |L - 1.15 L| (docs/theory.md 5.16)"})


# -- the finite N-ring, in float64 -----------------------------------------------------------------

RING_NODES = 96          # float64 ring moments: n and 2n nodes (the difference is the error estimate)


def _float_matrix(K, a, n, L):
    """The full n x n Nystrom matrix in float64, scaled by its largest entry, and its nodes (ascending)."""
    xs, logw = hermite_rule(n, 64)
    x = np.array([float(v) for v in xs])
    lw = np.array([float(v) for v in logw])
    x, lw = np.concatenate([-x[::-1], x]), np.concatenate([lw[::-1], lw])
    s = L / x[-1]
    y = s * x
    Kf, af = float(fractions.Fraction(str(K))), [float(fractions.Fraction(str(v))) for v in a]
    V = sum(c * np.abs(y) ** (2 * k) for k, c in enumerate(af, 1))
    logg = 0.5 * (math.log(s) + lw + x * x - V)
    logM = logg[:, None] + logg[None, :] + Kf * np.outer(y, y)
    return np.exp(logM - logM.max()), y


def _ring_once(K, a, N, n, L, n_moments, lags):
    from numerics.blas import eigh
    M, y = _float_matrix(K, a, n, L)
    lam, Q = eigh(M)
    r = lam / lam[np.argmax(np.abs(lam))]
    Z = np.sum(r ** N)
    m = [float(np.sum(r ** N * np.einsum("il,i,il->l", Q, y ** (2 * k), Q)) / Z) for k in range(1, n_moments + 1)]
    X = Q.T @ (y[:, None] * Q)
    X2 = X * X
    C = [float(np.einsum("lk,l,k->", X2, r ** (N - lag), r ** lag) / Z) for lag in lags]
    return np.array(C + m)


def ring_moments(chain, N, lags=(1,), n_moments=None):
    """(C_N(r) for r in lags, m_2..m_(2 n_moments)) of the N-site ring by Gauss-Hermite Nystrom in float64, with errors.

    Z_N = Tr M^N, E[y^(2k)] = Tr(Y^(2k) M^N) / Z_N, C_N(r) = Tr(Y M^r Y M^(N - r)) / Z_N through the
    eigendecomposition of the full Nystrom matrix (docs/theory.md 5.16). The error of each value is its
    change from RING_NODES to 2 RING_NODES nodes plus its change when the range is widened by WIDEN
    (float64 round-off, about 1e-14, is the floor).

    >>> from proofs.family import Chain
    >>> v, e = ring_moments(Chain.gaussian("0.5", "1"), 8, lags=(1, 4))
    >>> rho = 3 ** 0.5 / 2; u = 0.5 / (1 + rho)                  # C_N(r) = (u^r + u^(N-r)) / (2 rho (1 - u^N))
    >>> [bool(abs(v[i] - (u ** r + u ** (8 - r)) / (2 * rho * (1 - u ** 8))) < 1e-12) for i, r in enumerate((1, 4))]
    [True, True]
    """
    K, a = chain.K, tuple(chain.a)
    if admissibility_violation(K, a) is not None:
        raise InadmissibleParameter("theta", (K, a), "not admissible (docs/theory.md 1)")
    n_moments = n_moments or len(a)
    lags = tuple(lags)
    L = SCALE_FACTOR * _range(K, a, 15)
    v = _ring_once(K, a, N, 2 * RING_NODES, L, n_moments, lags)
    err = (np.abs(v - _ring_once(K, a, N, RING_NODES, L, n_moments, lags))
           + np.abs(v - _ring_once(K, a, N, 2 * RING_NODES, L * WIDEN, n_moments, lags)) + 1e-14 * np.abs(v))
    return v, err
