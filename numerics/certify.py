"""Certified enclosure of the decimation fixed point a* by the Krawczyk test in Arb ball arithmetic.

Theorem R (docs/theory.md 3.3) characterizes a* by the single-site moment equations

    F(a) = m(a) - m_hat = 0,   m_(2k)(a) = I_(2k)(a) / I_0(a),   I_p(a) = int x^p exp(-V_a(x)) dx,

with m_hat the chain's marginal moments. For a box B around the computed a~ and
Y ~ F'(a~)^(-1), the Krawczyk operator

    K(B) = a~ - Y F(a~) + (I - Y F'(B)) (B - a~)

satisfies: K(B) inside the interior of B  =>  F has exactly one zero in B.
F and F'(B) (F' = -(covariances of x^(2k), x^(2j))) are enclosed rigorously: I_p on
[0, L] by Arb's certified integration (acb.integral) with the box as ball parameters,
the tail [L, inf) by the concavity bound int_L^inf x^p e^(-V) <= L^p e^(-V(L)) / (V'(L) - p/L),
valid when V'' >= 0 on [L, inf) (checked on the Taylor coefficients of V'' at L) and V'(L) > p/L.

What is and is not proved: the target m_hat is the transfer-operator value with its
*estimated* error (not a rigorous bound), taken as a ball; the enclosure proves that every
target in that ball has exactly one a in B. The result says so.
"""
from __future__ import annotations

import math

import mpmath
from flint import acb, arb
from mpmath import mp

from numerics.arbtools import arb_precision, arb_to_mpf, digits_to_bits, to_arb
from numerics.kernel import potential
from numerics.outward import outward


def _tail_bound(a_lo, L, p):
    """Upper bound of int_L^inf x^p exp(-V(x)) dx for V >= V_lo = sum a_lo_k x^(2k); None if the test fails."""
    n = len(a_lo)
    # Taylor coefficients of V_lo'' at L: V''(L + t) = sum_j c_j t^j, all c_j >= 0 => V'' >= 0 on [L, inf)
    coeffs = [a_lo[k - 1] for k in range(1, n + 1)]   # V = sum coeffs[k-1] x^(2k)
    poly = {2 * k: coeffs[k - 1] for k in range(1, n + 1)}
    d2 = {e - 2: c * e * (e - 1) for e, c in poly.items() if e >= 2}
    for j in range(0, max(d2) + 1):
        cj = sum((c * math.comb(e, j) * L ** (e - j) for e, c in d2.items() if e >= j), arb(0))
        if not cj >= 0:
            return None
    VL = potential(a_lo, L)
    dVL = sum((c * e * L ** (e - 1) for e, c in poly.items()), arb(0))
    slope = dVL - arb(p) / L
    if not slope > 0:
        return None
    return L ** p * (-VL).exp() / slope


def _integrals(a_ball, L, pmax):
    """Enclosures of I_p = int_R x^p exp(-V) for even p <= pmax, over all a in the balls a_ball."""
    a_lo = [arb(x.lower()) for x in a_ball]
    out = {}
    for p in range(0, pmax + 1, 2):
        f = lambda x, _, p=p: x ** p * (-potential([acb(c) for c in a_ball], x)).exp()
        core = acb.integral(f, 0, L).real
        tail = _tail_bound(a_lo, L, p)
        if tail is None:
            return None
        out[p] = 2 * (core + arb(0).union(tail))      # the tail lies in [0, bound]; V even: twice [0, inf)
    return out


def _F_and_jac(a_ball, m_ball, L):
    n = len(a_ball)
    I = _integrals(a_ball, L, 4 * n)
    if I is None:
        return None, None
    mom = {p: I[p] / I[0] for p in I}
    F = [mom[2 * k] - m_ball[k - 1] for k in range(1, n + 1)]
    J = [[-(mom[2 * k + 2 * j] - mom[2 * k] * mom[2 * j]) for j in range(1, n + 1)] for k in range(1, n + 1)]
    return F, J


def krawczyk_balls(a_mid, targets, dps, radius):
    """(K(B) as Arb balls, None) if K(B) lies inside the box B = a_mid +- radius, else (None, reason).

    ``targets``: the moments m_2k as Arb balls (every target in them is covered).
    """
    n = len(a_mid)
    bits = digits_to_bits(dps + 15)
    with arb_precision(bits):
        am = [to_arb(x) for x in a_mid]
        mb = list(targets)
        B = [c + arb(0, 1) * to_arb(radius) for c in am]
        top = max(k for k in range(1, n + 1) if a_mid[k - 1] != 0)
        amax = max(abs(float(x)) for x in a_mid)
        L = arb(math.ceil((float(dps + 30) * 2.303 / float(a_mid[top - 1])) ** (1 / (2 * top))
                          + 2 * math.sqrt(amax / float(a_mid[top - 1]))))
        Fm, Jm = _F_and_jac(am, mb, L)
        FB, JB = _F_and_jac(B, mb, L)
        if Fm is None or FB is None:
            return None, "the tail bound failed (V not convex or not steep enough beyond the cut)"
        # Y: inverse of the midpoint Jacobian (any fixed matrix works; midpoints keep I - Y J small)
        Jmid = mpmath.matrix([[arb_to_mpf(x) for x in row] for row in Jm])
        with mp.workdps(dps + 15):
            Y = mpmath.inverse(Jmid)
        Y = [[to_arb(Y[i, j]) for j in range(n)] for i in range(n)]
        K = []
        for i in range(n):
            yF = sum((Y[i][j] * Fm[j] for j in range(n)), arb(0))
            acc = am[i] - yF
            for j in range(n):
                Mij = (arb(1) if i == j else arb(0)) - sum((Y[i][k] * JB[k][j] for k in range(n)), arb(0))
                acc += Mij * (B[j] - am[j])
            K.append(acc)
        inside = all(B[i].contains_interior(K[i]) for i in range(n))
        if not inside:
            return None, f"K(B) not inside B at radius {mpmath.nstr(radius, 3)}"
        return K, None


def krawczyk(a_mid, m_hat, m_err, dps, radius):
    """(enclosure as [(lo, hi)] strings, width) if K(B) is inside B, else (None, reason)."""
    with arb_precision(digits_to_bits(dps + 15)):
        targets = [to_arb(x) + arb(0, 1) * to_arb(e) for x, e in zip(m_hat, m_err)]
        K, reason = krawczyk_balls(a_mid, targets, dps, radius)
        if K is None:
            return None, reason
        with mp.workdps(dps + 5):
            # rounded outward, not to nearest: a decimal end rounded inward would no longer enclose
            box = [tuple(outward(k, dps)) for k in K]
            width = max(arb_to_mpf(arb(k.upper())) - arb_to_mpf(arb(k.lower())) for k in K)
        return box, width


def certify(chain, fp, err, scheme, b, dps, values):
    """Enclosure of the decimation fixed point's a*, or (None, "could not certify: reason").

    ``values``: the chain's converged transfer-operator moments (``numerics.general.converged_values``),
    passed in so this module needs nothing above ``transfer``.
    """
    if scheme != "decimation":
        return None, "could not certify: --certify covers the decimation fixed point (Theorem R's a*) only"
    if chain.is_ising:
        return None, "could not certify: Ising's decimation fixed point is K* = 0, no equations to enclose"
    v = values
    a = [x for x in fp.a]
    while len(a) > 1 and a[-1] == 0:
        a.pop()
    n = len(a)
    m_hat, m_err = v.m[:n], [max(e, mpmath.mpf(10) ** -(dps + 8)) for e in v.err_m[:n]]
    reason = ""
    with mp.workdps(dps + 10):
        radius = 100 * max(max(m_err), err) * max(1, max(abs(x) for x in a))
        for _ in range(3):
            box, info = krawczyk(a, m_hat, m_err, dps, radius)
            if box is not None:
                enc = {"a": [list(iv) for iv in box], "width": mpmath.nstr(info, 3), "method": "Krawczyk, Arb balls",
                       "proves": "for every target m in m_hat +- err (the transfer-operator estimate) exactly one "
                                 "a in the box has single-site moments m; K* = 0"}
                return enc, f"certified: Krawczyk enclosure of a* of width {mpmath.nstr(info, 3)} " \
                            f"(targets m_hat +- estimated error taken as balls)"
            reason = info
            radius *= 1000
    return None, f"could not certify: {reason}"
