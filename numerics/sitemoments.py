"""Enclosures of the moments of exp(-V) and bounds on the moments of exp(-(V - kappa x^2)) (docs/theory.md 5.15).

    mu_p = int x^p exp(-V(x)) dx      (0 for odd p: V is even)

- mu_0, mu_2, .., mu_(2d-2) (d the degree of V: its highest non-zero a_d) by Arb's certified
  integration on [0, L] plus the tail bound of ``tail_bound``;
- every higher even moment by integration by parts, int x^(2i+1) V'(x) e^(-V) dx = (2i+1) mu_(2i):

      sum_(j=1..d) 2j a_j mu_(2i+2j) = (2i+1) mu_(2i),   solved for mu_(2i+2d).

  Ball arithmetic carries the recurrence's rounding; it is unstable relative to the growth of
  mu_p when a_1 > 0, but the moments are used multiplied by kappa^p / p!-sized factors, and only the
  absolute error of those products matters (the balls say how large it is).

Bounds (``Envelope``): for W(x) = V(x) - kappa x^2 with W(x) -> +infinity (an admissible chain),
Young's inequality gives W(x) >= beta x^(2d) - gamma with beta > 0, so

    M_p := int |x|^p exp(-W(x)) dx <= e^gamma Gamma((p+1)/(2d)) / (d beta^((p+1)/(2d))),
    int_L^inf x^p exp(-W) dx      <= e^gamma Gamma((p+1)/(2d), beta L^(2d)) / (2d beta^((p+1)/(2d))).

>>> from fractions import Fraction
>>> from flint import arb
>>> with arb_precision(80):
...     mu = moment_sequence([Fraction(1)], 4)            # exp(-x^2): sqrt(pi), sqrt(pi)/2, 3 sqrt(pi)/4
...     ok = all((m - c * arb.pi().sqrt()).contains(0) for m, c in zip(mu[::2], (1, arb(1) / 2, arb(3) / 4)))
>>> ok
True
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from flint import acb, arb

from numerics.arbtools import arb_precision, to_arb
from proofs.errors import InadmissibleParameter, NotConverged

__all__ = ["Envelope", "base_integrals", "envelope", "gamma_upper_bound", "moment_sequence", "trimmed"]

THETAS = (Fraction(1, 2), Fraction(1, 4), Fraction(1, 8), Fraction(1, 16), Fraction(1, 32), Fraction(1, 64),
          Fraction(1, 128))


def trimmed(a):
    """The coefficients a_1 .. a_d of V without trailing zeros (d >= 1: an admissible V is not zero)."""
    a = [Fraction(x) for x in a]
    while len(a) > 1 and a[-1] == 0:
        a.pop()
    return a


@dataclass(frozen=True)
class Envelope:
    """W(x) >= beta x^(2d) - gamma for all real x (beta > 0, gamma >= 0), one pair per share theta tried."""

    d: int
    pairs: tuple          # ((beta, gamma), ...): beta a Fraction, gamma an exact Arb number (an upper bound)

    def moment_bound(self, p):
        """Upper bound of M_p = int |x|^p exp(-W) dx: the least of e^gamma Gamma(s) / (d beta^s), s = (p+1)/(2d)."""
        s = arb(p + 1) / (2 * self.d)
        return min((to_arb(g).exp() * s.gamma() / (self.d * to_arb(b) ** s) for b, g in self.pairs),
                   key=lambda x: x.upper())

    def tail_bound(self, p, L):
        """Upper bound of int_L^inf x^p exp(-W) dx: e^gamma Gamma(s, beta L^(2d)) / (2d beta^s), s = (p+1)/(2d)."""
        s = arb(p + 1) / (2 * self.d)
        L = to_arb(L)
        return min((to_arb(g).exp() * gamma_upper_bound(s, to_arb(b) * L ** (2 * self.d))
                    / (2 * self.d * to_arb(b) ** s) for b, g in self.pairs), key=lambda x: x.upper())


def gamma_upper_bound(s, z):
    """An upper bound of Gamma(s, z) = int_z^inf t^(s-1) e^(-t) dt (s > 0, z >= 0).

    Far in the tail (z >= 2 s + 2) the elementary t^(s-1) <= z^(s-1) e^((s-1)(t-z)/z) (s > 1; t^(s-1) <= z^(s-1)
    for s <= 1) gives z^(s-1) e^(-z) / (1 - max(s-1, 0)/z); Arb's incomplete Gamma is slow there. Elsewhere Arb's.
    """
    if z >= 2 * s + 2:
        return z ** (s - 1) * (-z).exp() / (1 - (s - 1 if s > 1 else arb(0)) / z)
    return z.gamma_upper(s)


def _young(b, theta):
    """(beta, gamma) with sum_j b_j x^(2j) >= beta x^(2d) - gamma; b exact, b_d > 0; theta of b_d spent on b_j < 0.

    For each negative b_j (j < d), Young's inequality with exponents d/j and d/(d-j):
        |b_j| x^(2j) <= (j/d) eta x^(2d) + ((d-j)/d) |b_j|^(d/(d-j)) eta^(-j/(d-j)),
    with eta = theta b_d d / (j m), m the number of negative b_j, so the x^(2d) terms add to theta b_d.
    gamma is evaluated in Arb and its upper endpoint kept (an exact number; it enters as e^gamma).
    """
    d = len(b)
    neg = [j for j in range(1, d) if b[j - 1] < 0]
    if not neg:
        return b[-1], arb(0)
    gamma = arb(0)
    for j in neg:
        eta = to_arb(theta * b[-1] * d / (j * len(neg)))
        gamma += (arb(d - j) / d) * to_arb(-b[j - 1]) ** (arb(d) / (d - j)) * eta ** (-arb(j) / (d - j))
    return (1 - theta) * b[-1], arb(gamma.upper())


def envelope(a, kappa=0):
    """The lower envelopes of W = V_a - kappa x^2 (exact a, kappa >= 0); refused if W is not confining."""
    a = trimmed(a)
    b = list(a)
    b[0] -= Fraction(kappa)
    d = len(b)
    if not b[-1] > 0:
        raise InadmissibleParameter("a", tuple(a), "V(x) - |K| x^2 must grow to +infinity for the bounds of "
                                    "docs/theory.md 5.15 (an admissible chain)")
    if d == 1:
        return Envelope(1, ((b[0], arb(0)),))
    return Envelope(d, tuple(_young(b, t) for t in THETAS))


def _cut(a, bits):
    """A half-width L whose tails int_L^inf x^p e^(-V) (p <= 2d - 2) are below 2^-(bits + 20) e^(-V_min)."""
    a = trimmed(a)
    env = envelope(a)
    d = len(a)
    vmin = min(sum(float(c) * (x / 64.0) ** (2 * k) for k, c in enumerate(a, 1)) for x in range(0, 64 * 40))
    L = 1.0
    with arb_precision(64):
        while True:
            worst = max(env.tail_bound(p, Fraction(L).limit_denominator(1000)).upper() for p in range(0, 2 * d - 1, 2))
            if worst < arb(2) ** (-(bits + 20)) * arb(-vmin).exp():
                return Fraction(L).limit_denominator(1000)
            L *= 1.15
            if L > 1e4:
                raise InadmissibleParameter("a", tuple(a), "no cut-off below 10^4 makes the tail of exp(-V) negligible")


def base_integrals(a):
    """[mu_0, mu_2, .., mu_(2d-2)] at the current Arb precision: certified integration on [0, L] plus tails.

    The integrand x^p exp(-V(x)) is entire, so Arb's integrator needs no analyticity check (the
    flag it passes is ignored); each tail lies in [0, tail_bound], and V is even: mu_p = 2 int_0^inf.
    """
    from flint import ctx
    a = trimmed(a)
    d = len(a)
    L = _cut(a, ctx.prec)
    env = envelope(a)
    coeffs = [acb(to_arb(c)) for c in a]
    out = []
    for p in range(0, 2 * d - 1, 2):
        def f(x, _analytic, p=p):
            x2 = x * x
            v = acb(0)
            for c in reversed(coeffs):        # Horner in x^2
                v = (v + c) * x2
            return x2 ** (p // 2) * (-v).exp()
        core = acb.integral(f, 0, to_arb(L)).real
        if not core.is_finite():
            raise NotConverged(f"certified integration of x^{p} exp(-V) on [0, {float(L):.3g}] gave no finite ball")
        out.append(2 * (core + arb(0).union(env.tail_bound(p, L))))
    return out


def moment_sequence(a, pmax):
    """[mu_0, mu_1, .., mu_pmax] as Arb balls (odd ones exactly 0) at the current Arb precision."""
    a = trimmed(a)
    d = len(a)
    A = [to_arb(c) for c in a]
    mu = [arb(0)] * (pmax + 1)
    for i, m in enumerate(base_integrals(a)):
        if 2 * i <= pmax:
            mu[2 * i] = m
    top = 2 * d * A[-1]
    for i in range(0, (pmax - 2 * d) // 2 + 1):
        s = (2 * i + 1) * mu[2 * i]
        for j in range(1, d):
            if a[j - 1] != 0:
                s -= 2 * j * A[j - 1] * mu[2 * i + 2 * j]
        mu[2 * i + 2 * d] = s / top
    return mu
