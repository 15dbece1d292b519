"""The transfer operator as a Gram matrix, and proved enclosures of A, m_2k and C(r) (docs/theory.md 5.15).

Expanding exp(kappa x y) = sum_n (kappa x y)^n / n! (kappa = |K|) factors the kernel:

    T_kappa = B B^*,   B e_n = c_n x^n e^(-V(x)/2),   c_n = sqrt(kappa^n / n!),
    G = B^* B,         G_nm = c_n c_m mu_(n+m),        mu_p = int x^p e^(-V) dx,

so the non-zero spectrum of T is that of the infinite matrix G, whose entries are moments of
exp(-V) (``numerics.sitemoments``). G splits into even and odd indices; the top eigenvector w_0
of the even block gives phi_0 = B w_0 / sqrt(lambda_0) and

    m_2k = <w_0, X_k w_0> / lambda_0,           X_k = B^* x^(2k) B,  (X_k)_nm = c_n c_m mu_(n+m+2k),
    C(r) = s^r <Z w_0, G_o^(r-1) Z w_0> / lambda_0^(r+1),   Z = B^* x B,  Z_mn = c_m c_n mu_(m+n+1),

s = sign(K). The enclosure (every inequality is listed, with its source, in docs/theory.md 5.15):

1. truncate at index R, where the tail S(R) = sum_(n>=R) c_n^2 mu_(2n) <= c_R^2 M_(2R) is negligible
   (M_p bounded by ``sitemoments.Envelope``);
2. a trial vector u (the refined float64 eigenvector of the truncated even block, its Arb
   midpoints: an exact vector); Rayleigh quotient rho and residual eps, the rows beyond R bounded
   by Cauchy-Schwarz, (G u)_m^2 <= G_mm <u, G u>;
3. nu >= lambda_2(G_even): Courant-Fischer with u deflated, lambda_max of a PSD matrix
   <= tr(D^(2^k))^(2^-k), and Weyl for the truncation;
4. Temple: rho <= lambda_0 <= rho + eps^2 / (rho - nu); Davis-Kahan: |w_0 - u/|u|| <= sqrt(2) eps / (rho - nu);
5. moments and correlations as quadratic forms in u, plus |<w0, X w0> - <w, X w>| <= 2 |X| |w0 - w|
   with |X| <= tr X, and the truncation of Z u and of G_odd bounded as in 1.

Arb balls carry every rounding. Nothing here is an estimate: a step that cannot be closed
raises ``Declined`` with the reason.

>>> from fractions import Fraction
>>> from flint import arb
>>> enc = enclose(Fraction(0), [Fraction(1)], kmax=1, lags=1, digits=20)   # K = 0, V = x^2: m_2 = 1/2
>>> enc.m[0].contains(arb(1) / 2) and enc.corr[0] == 0 and enc.m[0].rad() < 1e-20
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, arb_poly

from numerics.arbtools import arb_precision, digits_to_bits, to_arb
from numerics.sitemoments import envelope, moment_sequence, trimmed
from numerics.transfer import top_eigenpair
from proofs.errors import NotConverged

__all__ = ["Declined", "Enclosures", "MAX_INDEX", "enclose", "widths_digits"]

MAX_INDEX = 1600            # truncation index R beyond which the proof declines (even block of 800)
GAP_DIGITS = 10             # the truncation for nu leaves a tail below 10^-GAP_DIGITS mu_0


class Declined(Exception):
    """The proof does not close; the message says why in one sentence."""


@dataclass(frozen=True)
class Enclosures:
    """Arb balls that contain lambda_0, A, m_2k (k = 1..kmax) and C(r) (r = 1..lags) of the infinite chain."""

    lam: arb
    A: arb
    m: tuple
    corr: tuple
    details: dict = field(default_factory=dict)


def _c2(kappa, n):
    """c_n^2 = kappa^n / n!."""
    return kappa ** n / arb.fac_ui(n)


SPLITS = (Fraction(1, 2), Fraction(7, 8))


def _tail(env, kappa, mu, N, j=0, scale=1):
    """Upper bound of S_j(N) = sum_(n>=N) c_n^2 mu_(2n+2j), with R_N(t) = sum_(n>=N) t^n / n! at t = kappa x^2:

    (i)  R_N(t) <= t^N e^t / N! everywhere: S_j(N) <= c_N^2 M_(2N+2j);
    (ii) R_N(t) <= t^N / (N! (1 - theta)) for t <= theta (N+1), R_N(t) <= e^t beyond (|x| > X,
         X^2 = theta (N+1)/kappa): S_j(N) <= c_N^2 mu_(2N+2j) / (1 - theta) + 2 int_X^inf x^(2j) e^(-W).
    The least of these (theta in SPLITS; ``mu`` must reach index 2N + 2j for (ii)). ``mu`` may be stored
    times ``scale`` (a power of 2); the bound is then times ``scale`` too.
    """
    cN = _c2(kappa, N)
    best = cN * env.moment_bound(2 * N + 2 * j) * scale
    if 2 * N + 2 * j < len(mu):
        for theta in SPLITS:
            X = arb((to_arb(theta) * (N + 1) / kappa).sqrt().lower())
            b = cN * mu[2 * N + 2 * j] / to_arb(1 - theta) + 2 * env.tail_bound(2 * j, X) * scale
            if b.upper() < best.upper():
                best = b
    return arb(best.upper())


def _truncation(env, kappa, mu, target, scale=1):
    """The least even R >= 2 with the tail bound S_0(R) <= target, scanning past the bound's maximum."""
    N, last = 2, None
    while N <= MAX_INDEX:
        t = _tail(env, kappa, mu, N, scale=scale)
        if t <= target and (last is None or t <= last):
            return N
        last = t
        N += 2 if N < 64 else 2 * max(1, N // 32)
    raise Declined(f"the Taylor expansion of exp(K x y) needs more than {MAX_INDEX} terms for these digits "
                   "(strong coupling or a chain near the edge of the family)")


def _col(values):
    return arb_mat([[v] for v in values])


def _dot(u, v):
    return (u.transpose() * v)[0, 0]


def _hull(lo, hi):
    """The ball containing [lower(lo), upper(hi)]."""
    return arb(lo.lower()).union(arb(hi.upper()))


def _up(x):
    """The exact upper end of a ball known to bound a non-negative quantity (a square root then stays real)."""
    return arb(max(x, arb(0)).upper()) if x.is_finite() else x


def _pm(x):
    """The ball [-upper(|x|), upper(|x|)]."""
    return arb(0, 1) * arb(abs(x).upper())


def _second_eigenvalue_bound(G, u, n_nu, tail, squarings=5):
    """nu >= lambda_2(G_even): lambda_max(Pi H Pi) <= tr((Pi H Pi)^(2^k))^(2^-k), plus the truncation's norm.

    H: the leading n_nu x n_nu block (PSD), Pi = I - z z^T / z^T z with z the trial vector's head;
    Courant-Fischer gives lambda_2(H) <= lambda_max(Pi H Pi); Weyl adds |G - H (+) 0| <= sqrt(tr H tail) + tail.
    """
    with arb_precision(128):
        H = arb_mat([[G[i, j] for j in range(n_nu)] for i in range(n_nu)])
        z = _col([u[i] for i in range(n_nu)])
        y = H * z
        zeta, beta = _dot(z, z), _dot(z, y)
        D = arb_mat([[H[i, j] - (y[i, 0] * z[j, 0] + z[i, 0] * y[j, 0]) / zeta + beta * z[i, 0] * z[j, 0] / zeta ** 2
                      for j in range(n_nu)] for i in range(n_nu)])
        best = None
        P = D
        for k in range(1, squarings + 1):
            P = P * P
            tr = sum((P[i, i] for i in range(n_nu)), arb(0))
            bound = arb(tr.upper()) ** (arb(1) / 2 ** k)
            if best is None or bound.upper() < best.upper():
                best = arb(bound.upper())
        trH = sum((H[i, i] for i in range(n_nu)), arb(0))
        return arb((best + _up(trH * tail).sqrt() + tail).upper())


def _decoupled(a, kmax, lags):
    """K = 0: T = |e^(-V/2)><e^(-V/2)|, lambda_0 = mu_0, m_2k = mu_2k / mu_0, C(r) = 0 exactly."""
    mu = moment_sequence(a, 2 * kmax)
    lam = mu[0]
    return Enclosures(lam=lam, A=lam.log(), m=tuple(mu[2 * k] / lam for k in range(1, kmax + 1)),
                      corr=tuple(arb(0) for _ in range(lags)),
                      details={"method": "K = 0: the kernel has rank one; moments by certified integration"})


def enclose(K, a, *, kmax, lags, digits, R=None):
    """Enclosures of lambda_0, A, m_2..m_2kmax, C(1..lags) for the chain (K; a), aiming at ``digits`` digits.

    K and a are exact rationals (an admissible chain with a polynomial V); raises ``Declined``
    when a step of the proof cannot be closed. ``R`` overrides the truncation index (an even number;
    the bounds stay valid for any R, only their width changes: the tests use a short one).
    """
    K = Fraction(K)
    a = trimmed(a)
    kappa_q, sign = abs(K), (-1 if K < 0 else 1)
    bits = digits_to_bits(digits + 12) + 32
    with arb_precision(bits):
        if kappa_q == 0:
            return _decoupled(a, kmax, lags)
        kappa = to_arb(kappa_q)
        env = envelope(a, kappa_q)
        mu = moment_sequence(a, 2 * MAX_INDEX + 2 * kmax + 4)
        # every quantity below is homogeneous in mu: store mu times 2^-e (exact) so that G is of order 1
        # (float64 sees it), and add e log 2 to A at the end; m_2k and C(r) are unchanged by the scale
        e = int(mu[0].mid().man_exp()[1]) + int(mu[0].mid().man_exp()[0]).bit_length()
        scale = arb(2) ** (-e)
        mu = [x * scale for x in mu]
        with arb_precision(64):        # the search only chooses R; the bounds used are evaluated at full precision
            R = R or _truncation(env, kappa, mu, arb(10) ** (-2 * (digits + 3)) * mu[0], scale)
            n_nu = min(R, _truncation(env, kappa, mu, arb(10) ** (-GAP_DIGITS) * mu[0], scale))
        c = [_c2(kappa, n).sqrt() for n in range(R + 1)]
        ev = list(range(0, R, 2))
        od = list(range(1, R, 2))
        Ge = arb_mat([[c[i] * c[j] * mu[i + j] for j in ev] for i in ev])
        Gf = np.array([[float(Ge[i, j].mid()) for j in range(len(ev))] for i in range(len(ev))])
        try:
            _, v, _ = top_eigenpair(Ge, Gf, bits)
        except NotConverged as exc:
            raise Declined(f"the trial eigenvector could not be refined ({exc})") from None
        u = [v[i, 0].mid() for i in range(len(ev))]          # exact numbers: the trial vector
        U = _col(u)
        GU = Ge * U
        s2 = _dot(U, U)
        uGu = _dot(U, GU)
        rho = uGu / s2
        r = GU - U * rho
        S_R = _tail(env, kappa, mu, R, scale=scale)
        eps2 = _up((_dot(r, r) + S_R * uGu) / s2)     # rows >= R: (G u)_m^2 <= G_mm <u, G u>
        n_h = min(n_nu // 2, len(ev))                  # even indices of the block H of (e)
        nu = _second_eigenvalue_bound(Ge, u, n_h, _tail(env, kappa, mu, 2 * n_h, scale=scale))
        gap = rho - nu
        if not gap > 0:
            raise Declined(f"the spectral gap is not resolved: the bound on the second even eigenvalue "
                           f"({nu.str(3, radius=False)}) is not below the Rayleigh quotient "
                           f"({rho.str(3, radius=False)})")
        lam = _hull(rho, rho + eps2 / gap)               # Temple (beta = infinity)
        lam_hi = arb(lam.upper())
        delta = arb(((2 * eps2).sqrt() / gap).upper())   # Davis-Kahan, one vector: |w0 - u/|u|| <= sqrt(2) sin
        # m_2k: quadratic forms through the autocorrelation h_t = sum_(i+j=t) y_i y_j of y_i = u_i c_(2i)
        h = (arb_poly([ui * c[n] for ui, n in zip(u, ev)]) ** 2).coeffs()
        m = []
        Tk = {}
        for k in range(1, max(kmax, 1) + 1):
            q = sum((h[t] * mu[2 * t + 2 * k] for t in range(len(h))), arb(0)) / s2
            Tk[k] = (sum((_c2(kappa, n) * mu[2 * n + 2 * k] for n in range(R)), arb(0))
                     + _tail(env, kappa, mu, R, k, scale))
            m.append((q + _pm(2 * Tk[k] * delta)) / lam)
        # C(r): psi = Z u on the odd indices below R, then G_odd's truncation applied r - 1 times
        corr = []
        if lags:
            Z = arb_mat([[c[i] * c[j] * mu[i + j + 1] for j in ev] for i in od])
            Go = arb_mat([[c[i] * c[j] * mu[i + j] for j in od] for i in od])
            psi = Z * U
            npsi2 = _up(_dot(psi, psi) / s2)
            q1 = sum((h[t] * mu[2 * t + 2] for t in range(len(h))), arb(0)) / s2     # <u, X_1 u> / |u|^2
            e_psi = arb(_up(S_R * q1).sqrt().upper())
            trHo = sum((Go[i, i] for i in range(len(od))), arb(0))
            E_o = arb((_up(trHo * S_R).sqrt() + S_R).upper())
            vec = psi
            for rr in range(1, lags + 1):
                y = _dot(psi, vec) / s2
                err = lam_hi ** (rr - 1) * e_psi * (2 * npsi2.sqrt() + e_psi)
                if rr >= 2:
                    err += (rr - 1) * lam_hi ** (rr - 2) * E_o * npsi2
                err += 2 * Tk[1] * lam_hi ** rr * delta
                corr.append(sign ** rr * (y + _pm(err)) / lam ** (rr + 1))
                vec = Go * vec
        return Enclosures(lam=lam / scale, A=lam.log() + e * arb(2).log(), m=tuple(m[:kmax]), corr=tuple(corr),
                          details={"R": R, "n_nu": n_nu, "rho": rho, "nu": nu, "scale": scale, "eps": eps2.sqrt(),
                                   "delta": delta,
                                   "bits": bits, "method": "Gram matrix of the Taylor factors of exp(K x y); "
                                   "Temple and Davis-Kahan bounds (docs/theory.md 5.15)"})


def widths_digits(values):
    """The least number of correct digits over balls: -log10(width / max(1, |mid|))."""
    worst = math.inf
    for x in values:
        if x.rad() == 0:
            continue
        rel = float((2 * x.rad()) / max(arb(1), abs(x.mid())))
        worst = min(worst, -math.log10(rel) if rel > 0 else math.inf)
    return worst
