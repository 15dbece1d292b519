"""Single-site Laplace transforms L(s) = integral exp(s x) mu(dx), cumulants and moments (docs/theory.md 2).

    Gaussian  mu = exp(-a x^2) dx:  L(s) = sqrt(pi / a) exp(s^2 / (4 a))
    Ising     mu = counting on {-1, +1}:  L(s) = 2 cosh s
    quartic   z(a_1, a_2) = L(0) = (1/2) sqrt(a_1/a_2) e^w K_(1/4)(w),              a_1 > 0
                                 = (pi/2) sqrt(-a_1/(2 a_2)) e^w (I_(-1/4) + I_(1/4))(w),  a_1 < 0
              with w = a_1^2 / (8 a_2);   m_(2k) = -d log z / d a_k
    cumulants of log L(s) to any order: ``cumulants_in_moments`` (symbolic), ``cumulants(mu, order)``

>>> laplace(PolynomialMeasure((sp.Integer(1),)))
sqrt(pi)*exp(s**2/4)
>>> cumulants_in_moments(6)[6]
30*m_2**3 - 15*m_2*m_4 + m_6
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from proofs.derivation import Derivation
from proofs.family import PolynomialMeasure, TwoPointMeasure
from proofs.symbols import a_pos, epsilon, moment_symbol, s, w, x  # noqa: F401  (moment_symbol is re-exported)

a1, a2 = sp.symbols("a_1 a_2", positive=True)      # quartic, a_1 > 0 branch
c1 = sp.Symbol("c_1", positive=True)               # quartic, a_1 = -c_1 < 0 branch
NU = sp.Rational(1, 4)


def laplace(mu):
    """L(s) of a single-site base measure as a sympy expression in ``s``.

    Closed forms for the two-point and the Gaussian measure; for a general even
    polynomial V an unevaluated Integral (its cumulants are then kept symbolic).
    """
    if isinstance(mu, TwoPointMeasure):
        return sp.Add(*[sp.exp(s * v) for v in mu.support]).rewrite(sp.cosh)
    if mu.degree == 1:
        A = mu.a[0]
        return sp.sqrt(sp.pi / A) * sp.exp(s ** 2 / (4 * A))
    return sp.Integral(sp.exp(s * x - mu.V(x)), (x, -sp.oo, sp.oo))


def quartic_normalizer_positive():
    """z(a_1, a_2) for a_1 > 0: (1/2) sqrt(a_1/a_2) e^w K_(1/4)(w), w = a_1^2/(8 a_2); no cancellation."""
    W = a1 ** 2 / (8 * a2)
    return sp.sqrt(a1 / a2) / 2 * sp.exp(W) * sp.besselk(NU, W)


def quartic_normalizer_negative():
    """z(-c_1, a_2) for a_1 = -c_1 < 0: (pi/2) sqrt(c_1/(2 a_2)) e^w (I_(-1/4) + I_(1/4))(w); both terms > 0."""
    W = c1 ** 2 / (8 * a2)
    return sp.pi / 2 * sp.sqrt(c1 / (2 * a2)) * sp.exp(W) * (sp.besseli(-NU, W) + sp.besseli(NU, W))


@cache
def cumulants_in_moments(order):
    """{2k: kappa_(2k)} for 2k <= order, from log(1 + sum_k m_(2k) s^(2k) / (2k)!) (even law)."""
    M = order // 2
    series = 1 + sp.Add(*[moment_symbol(k) * s ** (2 * k) / sp.factorial(2 * k) for k in range(1, M + 1)])
    logs = sp.series(sp.log(series), s, 0, 2 * M + 1).removeO()
    return {2 * k: sp.expand(logs.coeff(s, 2 * k) * sp.factorial(2 * k)) for k in range(1, M + 1)}


def cumulant_series(L, order):
    """log L(s) - log L(0) as a polynomial in s to s^order (the cumulant generating function)."""
    return sp.series(sp.log(L / L.subs(s, 0)), s, 0, order + 1).removeO()


def moment(mu, k):
    """E[x^(2k)] under mu / z as an exact sympy expression, for a concrete measure.

    Two-point: 1. Gaussian a x^2: (2k-1)!! / (2a)^k. Quartic a_1 x^2 + a_2 x^4: (-1)^k d^k z / d a_1^k / z
    with z in its Bessel form for the sign of a_1 (each derivative brings down -x^2), and by direct
    integration at a_1 = 0. Higher degrees have no closed form here.

    >>> moment(PolynomialMeasure((sp.Integer(0), sp.Integer(1))), 1)
    gamma(3/4)/gamma(1/4)
    """
    if isinstance(mu, TwoPointMeasure):
        return sp.Integer(1)
    if mu.degree == 1:
        return sp.factorial2(2 * k - 1) / (2 * mu.a[0]) ** k
    if mu.degree == 2:
        A1, A2 = mu.a[0], mu.a[1]
        if A1 > 0:
            z, var, sign = quartic_normalizer_positive(), a1, 1
            sub = {a1: A1, a2: A2}
        elif A1 < 0:
            z, var, sign = quartic_normalizer_negative(), c1, -1      # d/da_1 = -d/dc_1
            sub = {c1: -A1, a2: A2}
        else:
            X = sp.Symbol("x", real=True)
            w4 = sp.exp(-A2 * X ** 4)
            return sp.simplify(sp.integrate(X ** (2 * k) * w4, (X, -sp.oo, sp.oo))
                               / sp.integrate(w4, (X, -sp.oo, sp.oo)))
        return ((-sign) ** k * sp.diff(z, var, k) / z).subs(sub)
    from proofs.errors import NotSupported
    raise NotSupported(f"closed-form moments are derived for V of degree <= 4; V has degree {2 * mu.degree}")


def cumulants(mu, order):
    """{2k: kappa_(2k)} of a concrete single-site measure to ``order``, exact (Bessel functions for the quartic)."""
    table = cumulants_in_moments(order)
    ms = {moment_symbol(k): moment(mu, k) for k in range(1, order // 2 + 1)}
    return {key: expr.subs(ms) for key, expr in table.items()}


def _bessel_i_series(nu, W, terms):
    """I_nu(W) by its defining power series (DLMF 10.25.2), ``terms`` terms."""
    return sp.Add(*[(W / 2) ** (2 * k + nu) / (sp.factorial(k) * sp.gamma(k + nu + 1)) for k in range(terms)])


def _bessel_ode(F, W, nu):
    """F'' solved from the modified Bessel equation W^2 F'' + W F' - (W^2 + nu^2) F = 0 (DLMF 10.25.1)."""
    return (-W * sp.diff(F, W) + (W ** 2 + nu ** 2) * F) / W ** 2


def derive_gaussian():
    """Derivation: the Gaussian single-site Laplace transform, its cumulants and moments."""
    d = Derivation("laplace-gaussian", "Laplace transform of the Gaussian single-site measure", "2",
                   intro="The base measure is mu(dx) = exp(-a x^2) dx with a > 0.")
    a = a_pos                                      # mu = exp(-a x^2) dx alone needs a > 0
    L = laplace(PolynomialMeasure((a,)))
    d.equal(sp.integrate(sp.exp(s * x - a * x ** 2), (x, -sp.oo, sp.oo), conds="none"), L,
            "The Laplace transform, integrated by sympy, equals the closed form.",
            show=rf"L(s) = \int e^{{s x - a x^2}}\,dx = {sp.latex(L)}")
    logL = sp.expand_log(sp.log(L), force=True)
    d.equal(logL, sp.log(sp.pi / a) / 2 + s ** 2 / (4 * a), "Its logarithm is a quadratic polynomial in s.",
            simplifiers=[("expand_log", lambda e: sp.expand(sp.expand_log(e, force=True)))],
            show=rf"\log L(s) = {sp.latex(sp.log(sp.pi / a) / 2 + s ** 2 / (4 * a))}")
    k2 = d.result("kappa_2", sp.diff(logL, s, 2).subs(s, 0))
    d.equal(k2, 1 / (2 * a), "So kappa_2 = 1/(2a) ...", show=rf"\kappa_2 = {sp.latex(1 / (2 * a))}")
    d.equal(sp.diff(logL, s, 4), 0, "... and every higher cumulant vanishes.",
            show=r"\kappa_{2m} = \frac{d^{2m}}{ds^{2m}} \log L = 0 \quad (m \ge 2)")
    z = L.subs(s, 0)
    m2 = -sp.diff(sp.log(z), a)
    d.equal(m2, sp.integrate(x ** 2 * sp.exp(-a * x ** 2), (x, -sp.oo, sp.oo)) / z,
            "The moment m_2 = -d log z / d a agrees with direct integration.",
            show=rf"m_2 = -\frac{{\partial \log z}}{{\partial a}} = {sp.latex(sp.simplify(m2))} = "
                 rf"\frac{{1}}{{z}}\int x^2 e^{{-a x^2}} dx")
    return d


def derive_ising():
    """Derivation: the two-point measure's Laplace transform and cumulants."""
    d = Derivation("laplace-ising", "Laplace transform of the Ising two-point measure", "2",
                   intro="The base measure is counting measure on {-1, +1}.")
    L = laplace(TwoPointMeasure())
    d.equal(sp.exp(s) + sp.exp(-s), L, "Sum over the two points.", show=rf"L(s) = e^{{s}} + e^{{-s}} = {sp.latex(L)}",
            simplifiers=[("rewrite(exp)", lambda e: sp.simplify(e.rewrite(sp.exp)))])
    ser = cumulant_series(L, 8)
    kap = {2 * k: ser.coeff(s, 2 * k) * sp.factorial(2 * k) for k in range(1, 5)}
    gen = cumulants_in_moments(8)
    ones = {moment_symbol(k): 1 for k in range(1, 5)}       # x^2 = 1 on {-1, +1}, so m_(2k) = 1
    for k in range(1, 5):
        d.equal(kap[2 * k], gen[2 * k].subs(ones),
                f"kappa_{2 * k} from the series of log cosh s equals the moment formula at m_2k = 1.",
                show=rf"\kappa_{{{2 * k}}} = {sp.latex(kap[2 * k])}")
    d.result("kappa", kap)
    return d


def derive_cumulants(order=8):
    """Derivation: cumulants of an even single-site law in terms of its moments."""
    d = Derivation("cumulants", "Cumulants of an even single-site law", "2",
                   intro=("For an even law, L(s)/z = 1 + sum_k m_2k s^(2k)/(2k)!, and log(L/z) = "
                          "sum_k kappa_2k s^(2k)/(2k)! is the cumulant generating function."))
    kap = cumulants_in_moments(order)
    M = order // 2
    gen = sp.Add(*[kap[2 * k] * s ** (2 * k) / sp.factorial(2 * k) for k in range(1, M + 1)])
    mom = 1 + sp.Add(*[moment_symbol(k) * s ** (2 * k) / sp.factorial(2 * k) for k in range(1, M + 1)])
    table = r" \\ ".join(rf"\kappa_{{{2 * k}}} &= {sp.latex(kap[2 * k])}" for k in range(1, M + 1))
    back = sp.series(sp.exp(gen), s, 0, order + 1).removeO()
    d.equal(sp.expand(back - mom), 0, f"Reading kappa_2k off the series of log(L/z) gives the table below; "
            f"exponentiating the cumulant series gives back the moment series to order s^{order}, "
            "which verifies every entry.", show=rf"\begin{{aligned}} {table} \end{{aligned}}")
    d.result("kappa", kap)
    return d


def derive_quartic():
    """Derivation: the quartic normalizer z(a_1, a_2) in Bessel form, both signs of a_1, and its moments."""
    d = Derivation("laplace-quartic", "The quartic normalizer z(a_1, a_2) in Bessel functions", "2 and 5",
                   intro=("z(a_1, a_2) = integral exp(-a_1 x^2 - a_2 x^4) dx = L(0), a_2 > 0, any a_1; "
                          "w = a_1^2 / (8 a_2)."))
    zp = quartic_normalizer_positive()
    W = a1 ** 2 / (8 * a2)
    sym = sp.integrate(sp.exp(-a1 * x ** 2 - a2 * x ** 4), (x, -sp.oo, sp.oo), conds="none")
    d.equal(sym, zp, "sympy integrates z for a_1 > 0 as a difference of I_(-1/4) and I_(1/4); that equals the "
            "K_(1/4) form (K_nu = pi (I_(-nu) - I_nu) / (2 sin nu pi)).",
            simplifiers=[("rewrite(besseli)+simplify", lambda e: sp.simplify(e.rewrite(sp.besseli)))],
            show=rf"z(a_1, a_2) = {sp.latex(sym)} = {sp.latex(zp)}")
    d.say("The sympy form subtracts two terms each of size about e^(2w) times the result: it loses about "
          "2 w / ln 10 digits to cancellation. The K_(1/4) form has no cancellation, so it is the one evaluated.")

    # z is fixed by two linear PDEs it inherits from the integral, plus boundary values.
    def scaling(Z, A1, da1):
        return Z + 2 * A1 * da1(Z) + 4 * a2 * sp.diff(Z, a2)

    d.equal(scaling(zp, a1, lambda Z: sp.diff(Z, a1)), 0,
            "Scaling (integration by parts of d/dx [x e^-V]): z + 2 a_1 dz/da_1 + 4 a_2 dz/da_2 = 0.",
            show=r"z + 2 a_1 \partial_{a_1} z + 4 a_2 \partial_{a_2} z = 0")
    # Heat equation dz/da_2 = -d^2 z/da_1^2, checked for e^w F(w) with F any solution of the
    # modified Bessel equation of order 1/4 (K_nu, I_nu and I_-nu are; DLMF 10.25.1).
    F = sp.Function("F")
    zF = sp.sqrt(a1 / a2) / 2 * sp.exp(W) * F(W)
    d.check(_reduce_heat(zF, a1, a2, W) == 0,
            "Heat equation dz/da_2 = -d^2 z/da_1^2 (both sides are -integral x^4 e^-V), for sqrt(a_1/a_2) e^w F(w) "
            "with F any solution of the modified Bessel equation of order 1/4:",
            r"\partial_{a_2} z + \partial_{a_1}^2 z = 0",
            "second derivatives of F replaced by the Bessel equation (DLMF 10.25.1), then cancel = 0")
    d.check(sp.limit(zp, a2, 0, "+") == sp.sqrt(sp.pi / a1), "As a_2 -> 0+ the Gaussian normalizer returns.",
            r"\lim_{a_2 \to 0^+} z = \sqrt{\pi / a_1}", "sympy limit")
    # Value and slope at a_1 = 0 from the Bessel power series (sympy's limit/series of these Bessel
    # compositions returned wrong answers (oo, O(a_1^2)), so the defining series is used instead).
    z0 = sp.integrate(sp.exp(-a2 * x ** 4), (x, -sp.oo, sp.oo))
    slope0 = -sp.integrate(x ** 2 * sp.exp(-a2 * x ** 4), (x, -sp.oo, sp.oo))
    ep = epsilon
    Kser = sp.pi / 2 * (_bessel_i_series(-NU, W, 2) - _bessel_i_series(NU, W, 2)) / sp.sin(NU * sp.pi)
    zp_ser = (sp.sqrt(a1 / a2) / 2 * sp.exp(W) * Kser).subs(a1, ep)
    zp_lin = sp.series(zp_ser, ep, 0, 2).removeO()
    d.equal(zp_lin, z0 + slope0 * ep,
            "Near a_1 = 0+ (power series of I_(+-1/4), DLMF 10.25.2): z = z(0) + a_1 dz/da_1(0) + O(a_1^2), "
            "with z(0) and dz/da_1(0) = -integral x^2 e^(-a_2 x^4) dx integrated directly.",
            simplifiers=[("gammasimp", lambda e: sp.simplify(sp.gammasimp(sp.expand(e))))],
            show=rf"z(a_1, a_2) = {sp.latex(z0)} {sp.latex(slope0)}\, a_1 + O(a_1^2)")

    zm = quartic_normalizer_negative()
    Wm = c1 ** 2 / (8 * a2)
    d.equal(scaling(zm, -c1, lambda Z: -sp.diff(Z, c1)), 0, "For a_1 = -c_1 < 0 the I_(-1/4) + I_(1/4) form satisfies "
            "the same scaling equation (d/da_1 = -d/dc_1) ...",
            show=r"z + 2 a_1 \partial_{a_1} z + 4 a_2 \partial_{a_2} z = 0")
    zFm = sp.pi / 2 * sp.sqrt(c1 / (2 * a2)) * sp.exp(Wm) * F(Wm)
    d.check(_reduce_heat(zFm, c1, a2, Wm) == 0, "... and the same heat equation (d^2/da_1^2 = d^2/dc_1^2):",
            r"\partial_{a_2} z + \partial_{a_1}^2 z = 0",
            "second derivatives of F replaced by the Bessel equation (DLMF 10.25.1), then cancel = 0")
    Iser = _bessel_i_series(-NU, Wm, 2) + _bessel_i_series(NU, Wm, 2)
    zm_ser = (sp.pi / 2 * sp.sqrt(c1 / (2 * a2)) * sp.exp(Wm) * Iser).subs(c1, ep)
    zm_lin = sp.series(zm_ser, ep, 0, 2).removeO()
    d.equal(zm_lin, z0 - slope0 * ep, "Near a_1 = 0- it has the same value and the same slope in a_1 "
            "(c_1 = -a_1), so both forms are one solution of the second-order equation in a_1: one analytic function.",
            simplifiers=[("reflection Gamma(1/4) Gamma(3/4) = pi sqrt(2), then simplify",
                          lambda e: sp.simplify(sp.expand(e).subs(sp.gamma(3 * NU),
                                                                  sp.pi * sp.sqrt(2) / sp.gamma(NU))))],
            show=rf"z(-c_1, a_2) = {sp.latex(z0)} + {sp.latex(-slope0)}\, c_1 + O(c_1^2)")
    d.result("z_positive", zp)
    d.result("z_negative", zm)
    m2 = -sp.diff(sp.log(zp), a1)
    m4 = -sp.diff(sp.log(zp), a2)
    d.equal(2 * a1 * m2 + 4 * a2 * m4, 1, "Moments m_2k = -d log z / d a_k; by the scaling equation they obey the "
            "single-site virial identity.",
            show=r"2 a_1 m_2 + 4 a_2 m_4 = 1, \quad m_{2k} = -\frac{\partial \log z}{\partial a_k}",
            simplifiers=[("besselsimp", lambda e: sp.simplify(sp.besselsimp(e)))])
    d.result("m_2", m2)
    d.result("m_4", m4)
    return d


def _reduce_heat(zF, A, a2_, W):
    """d z/d a_2 + d^2 z/d A^2 for z containing F(W), with F'' eliminated by the Bessel ODE; cancelled."""
    F = sp.Function("F")
    expr = (sp.diff(zF, a2_) + sp.diff(zF, A, 2)).doit()
    v = sp.Symbol("v", positive=True)
    # name F(W), F'(W), F''(W) by plain symbols, then use the ODE
    f0, f1, f2 = sp.symbols("f0 f1 f2")
    expr = expr.subs({sp.Subs(sp.Derivative(F(v), (v, 2)), v, W): f2,
                      sp.Subs(sp.Derivative(F(v), v), v, W): f1}, simultaneous=True)
    expr = expr.replace(lambda e: isinstance(e, sp.Subs) and e.expr.has(sp.Derivative),
                        lambda e: f2 if e.expr.derivative_count == 2 else f1)
    expr = expr.subs(F(W), f0)
    expr = expr.subs(f2, (-W * f1 + (W ** 2 + NU ** 2) * f0) / W ** 2)
    return sp.cancel(sp.together(sp.expand(expr)))


DERIVATIONS = (derive_gaussian, derive_quartic, derive_cumulants, derive_ising)
