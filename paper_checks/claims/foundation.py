"""Claims of the foundation (docs/theory.md 2 and 3.1): each derived relation against an independent route.

Every check evaluates the symbolic side (``proofs``, or ``numerics.exact`` which evaluates it)
and compares it with something computed another way: mpmath quadrature of the defining
integral, brute-force sums over decimated spins, the exact rational recursion, finite
differences of the map. Tolerances are 10^-(dps - guard) (``paper_checks.compare``) unless a
check states a derived bound (the truncation of a series).
"""
from __future__ import annotations

from fractions import Fraction
from itertools import product

import mpmath
import sympy as sp
from mpmath import mp

from numerics import api
from numerics.precision import GUARD_DIGITS, Estimate, to_mpf
from paper_checks.compare import all_of, compare
from paper_checks.registry import Evidence, claim
from proofs import examples as EX
from proofs import gaussian as G
from proofs import laplace as LP
from proofs.family import Chain

GAUSSIAN = EX.GAUSSIAN.chain                    # docs/theory.md 6
SINGLE_WELL = EX.SINGLE_WELL.chain
ISING = EX.ISING.chain


def _mp(q):
    return to_mpf(sp.Rational(q))


def _quad(f, points, dps):
    """mpmath quadrature with its own error estimate, as an Estimate."""
    with mp.workdps(dps + GUARD_DIGITS):
        v, e = mpmath.quad(f, points, error=True)
        return Estimate(+v, abs(e), dps)


@claim("foundation.laplace-decimation",
       "Integrating out one site between kept neighbours is the single-site Laplace transform at K (y_1 + y_2); "
       "the Gaussian L(s), the quartic normalizer's Bessel forms and the coarse Hamiltonian's cumulant expansion "
       "agree with quadrature",
       provenance="standard", hypotheses="mu = exp(-V_a) dx with V even; sample points from docs/theory.md 6",
       section="2, 3.1",
       routes={"closed forms (sympy)": ["proofs.laplace"], "quadrature (mpmath)": ["mpmath.quad"]})
def check_laplace_decimation(ctx):
    dps = ctx.dps
    parts = []
    # (1) Gaussian: int exp(K (y1 + y2) x - a x^2) dx (quadrature) vs sqrt(pi/a) exp(s^2/(4a)) (proofs.laplace)
    a, K = sp.Rational(1), sp.Rational(1, 2)
    L = LP.laplace(GAUSSIAN.mu)
    rows = []
    for y1, y2 in ((1, 1), (Fraction(3, 2), Fraction(-1, 4)), (-2, Fraction(1, 3))):
        s_ = K * (sp.Rational(y1) + sp.Rational(y2))
        with mp.workdps(dps + GUARD_DIGITS):
            sv, av = _mp(s_), _mp(a)
            peak = sv / (2 * av)
            q = _quad(lambda x: mpmath.exp(sv * x - av * x ** 2), [-mpmath.inf, peak, mpmath.inf], dps)
        rows.append((f"Gaussian a=1, K=1/2, y=({y1}, {y2})", L.subs(LP.s, s_), q))
    parts.append(compare(rows, dps=dps, what="Gaussian L(K(y1+y2)): closed form vs quadrature"))
    # (2) quartic z(a1, a2): Bessel forms (both signs of a_1) vs quadrature
    rows = []
    for a1, a2 in ((sp.Rational(1, 2), sp.Rational(1, 10)), (sp.Rational(-1), sp.Rational(1, 4)),
                   (sp.Rational(-4), sp.Rational(1, 4))):
        if a1 > 0:
            closed = LP.quartic_normalizer_positive().subs({LP.a1: a1, LP.a2: a2})
        else:
            closed = LP.quartic_normalizer_negative().subs({LP.c1: -a1, LP.a2: a2})
        with mp.workdps(dps + GUARD_DIGITS):
            A1, A2 = _mp(a1), _mp(a2)
            wells = [] if a1 > 0 else [-mpmath.sqrt(-A1 / (2 * A2)), mpmath.sqrt(-A1 / (2 * A2))]
            q = _quad(lambda x: mpmath.exp(-A1 * x ** 2 - A2 * x ** 4),
                      [-mpmath.inf] + wells[:1] + [0] + wells[1:] + [mpmath.inf], dps)
        rows.append((f"z({a1}, {a2})", closed, q))
    parts.append(compare(rows, dps=dps, what="quartic z: Bessel form vs quadrature"))
    parts.append(_cumulant_expansion_vs_quadrature(dps))
    return all_of(parts)


def _cumulant_expansion_vs_quadrature(dps):
    """-log(L(s)/z) vs its cumulant series to s^6 for the single well; the residual must match the
    s^8 term -kappa_8 s^8/8! within the next term's size 2 |kappa_10| s^10/10! (derived bound)."""
    from proofs.decimation import kappa, moments_in_cumulants  # noqa: F401  (kappa naming shared with proofs)
    a1, a2 = SINGLE_WELL.a
    kap_m = LP.cumulants_in_moments(10)
    with mp.workdps(dps + 2 * GUARD_DIGITS):
        A1, A2 = _mp(a1), _mp(a2)

        def integral(power=0, s=0):
            return mpmath.quad(lambda x: x ** power * mpmath.exp(s * x - A1 * x ** 2 - A2 * x ** 4),
                               [-mpmath.inf, 0, mpmath.inf])

        z = integral()
        moments = {LP.moment_symbol(k): integral(2 * k) / z for k in range(1, 6)}
        kap = {2 * k: sp.lambdify(list(moments), kap_m[2 * k], "mpmath")(*moments.values()) for k in range(1, 6)}
        s_ = _mp(SINGLE_WELL.K) * (_mp(1) + _mp(sp.Rational(1, 2))) / 4      # K (y1 + y2) at a small K
        exact = -mpmath.log(integral(0, s_) / z)
        series6 = -sum(kap[2 * j] * s_ ** (2 * j) / mpmath.factorial(2 * j) for j in (1, 2, 3))
        residual = exact - series6
        lead = -kap[8] * s_ ** 8 / mpmath.factorial(8)
        bound = 2 * abs(kap[10]) * s_ ** 10 / mpmath.factorial(10) + mpmath.mpf(10) ** -(dps)
        ok = abs(residual - lead) <= bound
        details = {"s": mpmath.nstr(s_, 10), "residual": mpmath.nstr(residual, 15),
                   "kappa_8 term": mpmath.nstr(lead, 15),
                   "bound (next term)": mpmath.nstr(bound, 3), "dps": dps,
                   "kappa": {k: mpmath.nstr(v, 12) for k, v in kap.items()}}
    return Evidence(bool(ok), f"cumulant series to s^6 vs quadrature: residual {details['residual']} matches the "
                    f"kappa_8 term {details['kappa_8 term']} within the next term {details['bound (next term)']}",
                    details)


@claim("foundation.gaussian-closure",
       "Decimation maps the Gaussian chain to a Gaussian chain: the coarse bond Hamiltonian is exactly quadratic, "
       "K' = K^2/(2a), a' = a - K^2/(2a), and rho = sqrt(a^2 - K^2) is invariant",
       provenance="standard", hypotheses="a > |K|, b = 2, (a, K) = (1, 1/2)", section="3.1",
       routes={"quadrature of the bond integral (mpmath)": ["mpmath.quad"],
               "closed-form flow (numerics.api)": ["numerics.api"]})
def check_gaussian_closure(ctx):
    dps = ctx.dps
    chain = GAUSSIAN
    a, K = _mp(chain.a[0]), _mp(chain.K)
    with mp.workdps(dps + 2 * GUARD_DIGITS):
        a, K = _mp(chain.a[0]), _mp(chain.K)

        def bond(y1, y2):     # -log of the integral over the middle site (quadrature), plus the kept sites' halves
            y1, y2 = mpmath.mpf(y1), mpmath.mpf(y2)
            peak = K * (y1 + y2) / (2 * a)
            return -mpmath.log(mpmath.quad(lambda x: mpmath.exp(K * x * (y1 + y2) - a * x ** 2),
                                           [-mpmath.inf, peak, mpmath.inf]))

        h = mpmath.mpf(1) / 2
        b00 = bond(0, 0)
        # coefficients of the bond's quadratic form from exact finite differences of a quadratic
        K1 = -(bond(h, h) - bond(h, -h) - bond(-h, h) + bond(-h, -h)) / (4 * h * h)
        alpha = (bond(h, 0) + bond(-h, 0) - 2 * b00) / (2 * h * h)
        a1 = a + 2 * alpha          # each kept site ends two bonds
        # closure: a quadratic has vanishing fourth differences
        quartic = bond(2 * h, 0) - 4 * bond(h, 0) + 6 * b00 - 4 * bond(-h, 0) + bond(-2 * h, 0)
        err = mpmath.mpf(10) ** -(dps + GUARD_DIGITS)
        pts = api.flow(chain, b=2, steps=1, dps=dps)
    rows = [("K' (quadrature vs closed form)", K1, Estimate(pts[1].K, pts[1].error, dps)),
            ("a' (quadrature vs closed form)", a1, Estimate(pts[1].a[0], pts[1].error, dps)),
            ("fourth difference of the bond (closure)", 0, Estimate(quartic, err, dps)),
            ("rho'^2 - rho^2 (quadrature)", 0, Estimate(a1 ** 2 - K1 ** 2 - (a ** 2 - K ** 2), err, dps))]
    return compare(rows, dps=dps, what="Gaussian decimation closes (quadrature)")


@claim("foundation.u-power-b",
       "In u = K/(a + rho), decimation by b is u' = u^b, so the orbit is the inverse map at u^(b^m)",
       provenance="standard", hypotheses="a > |K|, b in {2, 3, 4}, m <= 4, (a, K) = (1, 1/2) and (1, -0.9)",
       section="3.1",
       routes={"closed-form orbit (numerics.api)": ["numerics.api"],
               "iterated rational recursion (sympy)": ["proofs.gaussian.iterate_recursion"]})
def check_u_power_b(ctx):
    dps = ctx.dps
    rows = []
    for chain in (GAUSSIAN, Chain.gaussian("-0.9", 1)):
        for b in (2, 3, 4):
            pts = api.flow(chain, b=b, steps=4, dps=dps)       # closed form at u^(b^m)
            for m in range(5):
                # independent route: the rational recursion K' = K^b / D_(b-1), iterated exactly
                Km, am = G.iterate_recursion(chain.K, chain.a[0], b, m)
                rows.append((f"{chain!r} b={b} m={m} K_m", Km, Estimate(pts[m].K, pts[m].error, dps)))
                rows.append((f"{chain!r} b={b} m={m} a_m", am, Estimate(pts[m].a[0], pts[m].error, dps)))
    return compare(rows, dps=dps, need_error=True, what="closed-form orbit vs exact iterated recursion")


@claim("foundation.gaussian-fixed-points",
       "Gaussian fixed points: in (K, a) the line K = 0 with Jacobian diag(0, 1), reached at (0, rho); "
       "in r = K/a the critical r = 1 has eigenvalue 4 = b^2; in u the critical u = 1 has eigenvalue b",
       provenance="standard", hypotheses="a > |K|; (0, rho) against the exact rational recursion iterated 9 times; "
       "the Jacobian by central differences of the exact rational recursion and of the closed-form orbit",
       section="3.1",
       routes={"closed-form flow and fixed point (numerics.api)": ["numerics.api"],
               "exact rational recursion (sympy)": ["proofs.gaussian.iterate_recursion"]})
def check_gaussian_fixed_points(ctx):
    dps = ctx.dps
    parts = []
    fp = api.fixed_point(GAUSSIAN, b=2, dps=dps)       # numerics.exact: the closed form (0, sqrt(a^2 - K^2))
    # independent route: the exact rational recursion K' = K^2/(2a), a' = a - K^2/(2a) iterated 9 times
    # (no square root, no closed form); (K_9, a_9) differs from (0, rho) by O(u^(2^9)) = 1e-293
    K9, a9 = G.iterate_recursion(GAUSSIAN.K, GAUSSIAN.a[0], 2, 9)
    parts.append(compare([("K* vs K_9 of the exact recursion", K9, Estimate(fp.K, fp.error, dps)),
                          ("a* vs a_9 of the exact recursion", a9, Estimate(fp.a[0], fp.error, dps))],
                         dps=dps, need_error=True,
                         what="closed-form fixed point == end of the exact rational recursion"))
    # Jacobian at (0, 7/8) by central differences of the one-step map (b = 2, 3), two routes: the exact
    # rational recursion (differences exact, truncation O(h^2)) and numerics.api's closed-form orbit
    rows, reported = [], []
    hq = Fraction(1, 10 ** (dps // 2 + 3))
    for b in (2, 3):
        a0 = Fraction(7, 8)

        def step(Kq, aq):
            p = api.flow(Chain.gaussian(Kq, aq), b=b, steps=1, dps=dps + GUARD_DIGITS)[1]
            return p.K, p.a[0]

        def rec(Kq, aq):
            return G.iterate_recursion(sp.Rational(Kq), sp.Rational(aq), b, 1)

        h_ = sp.Rational(hq.numerator, hq.denominator)
        exact = {"dK'/dK": (rec(hq, a0)[0] - rec(-hq, a0)[0]) / (2 * h_),
                 "da'/dK": (rec(hq, a0)[1] - rec(-hq, a0)[1]) / (2 * h_),
                 "dK'/da": (rec(0, a0 + hq)[0] - rec(0, a0 - hq)[0]) / (2 * h_),
                 "da'/da": (rec(0, a0 + hq)[1] - rec(0, a0 - hq)[1]) / (2 * h_)}
        with mp.workdps(dps + 2 * GUARD_DIGITS):
            h = to_mpf(h_)
            kp, ap_ = step(hq, a0)
            km, am = step(-hq, a0)
            kp2, ap2 = step(0, a0 + hq)
            km2, am2 = step(0, a0 - hq)
            numeric = {"dK'/dK": (kp - km) / (2 * h), "da'/dK": (ap_ - am) / (2 * h),
                       "dK'/da": (kp2 - km2) / (2 * h), "da'/da": (ap2 - am2) / (2 * h)}
        rows += [(f"b={b} {name} at (0, 7/8): recursion vs closed-form orbit", exact[name], numeric[name])
                 for name in exact]
        # the eigenvalues numerics.exact reports (closed form) against the recursion's differences
        eig = api.fixed_point(GAUSSIAN, b=b, dps=dps).eigenvalues
        reported += [(f"b={b} reported eigenvalue {i} vs the recursion's differences", exact[name], eig[i])
                     for i, name in enumerate(("dK'/dK", "da'/da"))]
        with mp.workdps(dps + 2 * GUARD_DIGITS):
            rows += [(f"b={b} off-diagonal {name} (recursion) vs 0", 0, to_mpf(exact[name]))
                     for name in ("da'/dK", "dK'/da")]
    # the recursion's differences are exact up to the O(h^2) = 10^-(dps + 6) truncation (b = 3): the reported
    # eigenvalues are judged at the full tolerance; the orbit's differences carry rounding / h: dps // 2 digits
    parts.append(compare(reported, dps=dps, what="reported eigenvalues == the exact recursion's differences"))
    parts.append(compare(rows, dps=max(6, dps // 2),
                         what="Jacobian diag(0, 1) on K = 0: exact recursion vs closed-form orbit"))
    # critical eigenvalues: r = 1 - eps (b = 2): (1 - r')/eps -> 4; u = 1 - eps: (1 - u')/eps -> b
    eps = Fraction(1, 10 ** (dps // 2 + 3))
    crit = []
    for b in (2, 3):
        chain = Chain.gaussian(1 - eps, 1)
        with mp.workdps(2 * dps + 4 * GUARD_DIGITS):
            p = api.flow(chain, b=b, steps=1, dps=2 * dps + 2 * GUARD_DIGITS)[1]
            e = to_mpf(sp.Rational(eps.numerator, eps.denominator))
            if b == 2:
                crit.append(("r = 1: dr'/dr (b = 2)", 4, (1 - p.K / p.a[0]) / e))
            u0 = (1 - e) / (1 + mpmath.sqrt(1 - (1 - e) ** 2))
            u1 = p.K / (p.a[0] + mpmath.sqrt(p.a[0] ** 2 - p.K ** 2))
            crit.append((f"u = 1: du'/du (b = {b})", b, (1 - u1) / (1 - u0)))
    # the one-sided differences carry O(sqrt(eps)) (u) and O(eps) (r) errors: judged at dps/4 digits
    parts.append(compare(crit, dps=max(6, dps // 4), guard=1, what="critical eigenvalues in r and in u"))
    return all_of(parts)


@claim("foundation.free-energy-rg",
       "Free-energy RG relation A(theta) = A(theta')/b + g(theta) with g = [(b-1) log 2 pi - log D_(b-1)]/(2b) "
       "(Gaussian) and g = log(2^(b-1) sqrt(cosh^(2b) K - sinh^(2b) K))/b (Ising)",
       provenance="standard", hypotheses="a > |K|, b in {2, 3, 4}; Ising K = 0.8", section="2, 3.1",
       routes={"closed forms (numerics.api)": ["numerics.api"],
               "circulant quadrature and 2 x 2 eigenvalues (mpmath)": ["mpmath.quad", "mpmath.eigsy",
                                                                       "proofs.gaussian.determinant"]})
def check_free_energy_rg(ctx):
    dps = ctx.dps
    rows = []
    for b in (2, 3, 4):
        # A by quadrature of the circulant spectrum, A = log(2 pi)/2 - (1/4 pi) int_0^2pi log(2a - 2K cos t) dt,
        # at theta and at theta' (exact rational recursion); g from the determinant D_(b-1) (polynomial recurrence)
        Kq, aq = GAUSSIAN.K, GAUSSIAN.a[0]
        Kp, ap = G.iterate_recursion(Kq, aq, b, 1)
        with mp.workdps(dps + GUARD_DIGITS):
            def A_quad(Kx, ax):
                Kf, af = to_mpf(Kx), to_mpf(ax)
                return (mpmath.log(2 * mpmath.pi) / 2
                        - mpmath.quad(lambda t: mpmath.log(2 * af - 2 * Kf * mpmath.cos(t)),
                                      [0, mpmath.pi, 2 * mpmath.pi])
                        / (4 * mpmath.pi))
            D = G.determinant(b - 1).xreplace({G.K: Kq, G.a: aq})
            g = ((b - 1) * mpmath.log(2 * mpmath.pi) - mpmath.log(to_mpf(D))) / (2 * b)
            lhs = A_quad(Kq, aq)
            rhs = A_quad(Kp, ap) / b + g
        rows.append((f"Gaussian (1, 1/2), b={b}: A(theta) vs A(theta')/b + g", lhs, rhs))
        closed = api.moments(GAUSSIAN, dps=dps, lags=1)
        rows.append((f"Gaussian (1, 1/2): closed-form A vs quadrature (b={b} pass)", lhs,
                     Estimate(closed.A, closed.error, dps)))
    for b in (2, 3, 4):
        with mp.workdps(dps + GUARD_DIGITS):
            Kf = to_mpf(ISING.K)
            Kp = api.flow(ISING, b=b, steps=1, dps=dps + GUARD_DIGITS)[1].K

            def A_transfer(k):     # top eigenvalue of the 2 x 2 transfer matrix, numerically
                T = mpmath.matrix([[mpmath.exp(k), mpmath.exp(-k)], [mpmath.exp(-k), mpmath.exp(k)]])
                return mpmath.log(max(mpmath.eigsy(T)[0]))

            c, s = mpmath.cosh(Kf), mpmath.sinh(Kf)
            g = mpmath.log(2 ** (b - 1) * mpmath.sqrt(c ** (2 * b) - s ** (2 * b))) / b
            rows.append((f"Ising K=0.8, b={b}: A(K) vs A(K')/b + g", A_transfer(Kf), A_transfer(Kp) / b + g))
    return compare(rows, dps=dps, what="free-energy RG relation")


def _ising_brute_step(Kf, b):
    """K' of one decimation step by brute force: sums over the b - 1 decimated spins (no closed form)."""
    def Z(y1, y2):
        total = mpmath.mpf(0)
        for xs in product((-1, 1), repeat=b - 1):
            spins = (y1,) + xs + (y2,)
            total += mpmath.exp(Kf * sum(spins[i] * spins[i + 1] for i in range(b)))
        return total

    return mpmath.log(Z(1, 1) * Z(-1, -1) / (Z(1, -1) * Z(-1, 1))) / 4


@claim("foundation.ising-recursion",
       "Ising decimation by b: tanh K' = (tanh K)^b, fixed point K* = 0 stable (dK'/dK = 0)",
       provenance="standard", hypotheses="K in {0.8, -0.8, 5, -5}, b in {2, 3, 4}; K* and dK'/dK at K* against the "
       "brute-force recursion (iterated from 0.8; central difference at 0)", section="3.1",
       routes={"closed-form recursion (numerics.api)": ["numerics.api"],
               "brute-force sums over the decimated spins (mpmath)":
                   ["paper_checks.claims.foundation._ising_brute_step"]})
def check_ising_recursion(ctx):
    dps = ctx.dps
    rows = []
    for Kq in ("0.8", "-0.8", "5", "-5"):         # -5 with odd b: the large-|K| branch keeps the sign of K
        chain = Chain.ising(Kq)
        for b in (2, 3, 4):
            p = api.flow(chain, b=b, steps=1, dps=dps)[1]
            with mp.workdps(dps + GUARD_DIGITS + 10):
                Kbrute = _ising_brute_step(to_mpf(chain.K), b)
            rows.append((f"K={Kq} b={b}", Kbrute, Estimate(p.K, p.error, dps)))
    # the fixed point numerics.exact reports (K* = 0, dK'/dK = 0: closed forms) against the brute-force
    # recursion: iterated 8 times from K = 0.8 (tanh K_8 = tanh(0.8)^256 ~ 1e-46), and differenced at K = 0
    fp = api.fixed_point(ISING, b=2, dps=dps)
    with mp.workdps(dps + GUARD_DIGITS + 10):
        K = to_mpf(ISING.K)
        for _ in range(8):
            K = _ising_brute_step(K, 2)
    with mp.workdps(2 * dps + 2 * GUARD_DIGITS):   # rounding / h stays below 10^-(dps + GUARD_DIGITS)
        h = mpmath.mpf(10) ** -(dps // 2 + 3)
        slope = (_ising_brute_step(h, 2) - _ising_brute_step(-h, 2)) / (2 * h)
    rows.append(("K* (numerics.exact) vs K_8 of the brute-force recursion from 0.8", K, Estimate(fp.K, fp.error, dps)))
    # K'(K) is even for b = 2: the central difference has no truncation error
    rows.append(("dK'/dK at K* = 0: reported vs brute-force central difference", slope, fp.eigenvalues[0]))
    return compare(rows, dps=dps, what="Ising recursion and fixed point vs brute-force sums")
