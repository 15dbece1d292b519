"""Decimation as a Laplace transform, and the coarse Hamiltonian's small-K expansion (docs/theory.md 3.1).

Keeping every b-th site and integrating out the b - 1 sites between kept y_1, y_2:

    F_b(y_1, y_2) = int mu(dx) e^(K y_1 x) F_(b-1)(x, y_2),   F_1(y_1, y_2) = e^(K y_1 y_2)
    b = 2:  F_2(y_1, y_2) = L(K (y_1 + y_2))
    H'(y) = sum_i [ V(y_i) - log( F_b(y_i, y_(i+1)) / z^(b-1) ) ] + const

For small K, -log(F_b / z^(b-1)) is a polynomial in y_1, y_2 whose coefficients are
products of single-site cumulants kappa_2k; ``coarse_terms`` lists every coupling.

>>> t = coarse_terms(2, 4)
>>> t["couplings"][(1, 1)], t["couplings"][(3, 1)], t["couplings"][(2, 2)]
(-K**2*kappa_2, -K**4*kappa_4/6, -K**4*kappa_4/4)
>>> t["onsite"][1], t["onsite"][2]
(-K**2*kappa_2, -K**4*kappa_4/12)
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from proofs import gaussian, ising
from proofs.derivation import Derivation
from proofs.family import PolynomialMeasure, TwoPointMeasure
from proofs.laplace import cumulant_series, cumulants_in_moments, laplace, moment_symbol
from proofs.symbols import K, a_pos, kappa, s, x, y1, y2  # noqa: F401  (kappa is re-exported)


@cache
def moments_in_cumulants(order):
    """{m_(2k): polynomial in kappa_2 .. kappa_2k}, inverting ``cumulants_in_moments`` term by term."""
    kap = cumulants_in_moments(order)
    sol = {}
    for k in range(1, order // 2 + 1):
        # kappa_2k = m_2k + (lower moments): solve for m_2k, then express lower moments in cumulants
        m = moment_symbol(k)
        expr = sp.solve(sp.Eq(kappa(k), kap[2 * k]), m)[0]
        sol[m] = sp.expand(expr.subs(sol))
    return sol


def _expect(P, nx):
    """E over independent x_i ~ mu / z of a Poly whose first ``nx`` generators are the x_i:
    x^(2k) -> m_2k, odd powers -> 0. Returns a dict {remaining exponents: coefficient expression}."""
    out = {}
    for exps, c in P.terms():
        xe, rest = exps[:nx], exps[nx:]
        if any(e % 2 for e in xe):
            continue
        term = sp.Mul(c, *[moment_symbol(e // 2) for e in xe if e])
        out[rest] = out.get(rest, 0) + term
    return out


def _log_truncated(F, order):
    """log F to K^order for a Poly F = 1 + O(K) with K its first generator: log(1 + X) = X - X^2/2 + ...,
    truncating every power at K^order (Poly arithmetic, fast)."""
    X = F - 1

    def trunc(P):
        return sp.Poly.from_dict({e: c for e, c in P.terms() if e[0] <= order}, *P.gens, domain=P.domain)

    out, power = X * 0, X.one
    for n in range(1, order + 1):
        power = trunc(power * X)
        if power.is_zero:
            break
        out += power * sp.Rational((-1) ** (n + 1), n)
    return out


@cache
def bond_expansion(b, order):
    """-log(F_b(y_1, y_2) / z^(b-1)) to K^order, in cumulants kappa_2k of the single-site law.

    Computed from the moments of mu (expanding the exponential, averaging the b - 1 integrated
    sites independently), then rewritten with ``moments_in_cumulants``.
    """
    xs = sp.symbols(f"x_1:{b}", real=True)
    chain = (y1,) + tuple(xs) + (y2,)
    ms = [moment_symbol(k) for k in range(1, order // 2 + 2)]
    gens = tuple(xs) + (K, y1, y2)
    E = sp.Poly(K * sp.Add(*[chain[i] * chain[i + 1] for i in range(b)]), *gens)
    series, power = E.one, E.one
    for n in range(1, order + 1):
        power = power * E
        series += power * sp.Rational(1, sp.factorial(n))
    averaged = _expect(series, len(xs))
    F = sp.Poly(sp.Add(*[c * K ** e[0] * y1 ** e[1] * y2 ** e[2] for e, c in averaged.items()]), K, y1, y2, *ms)
    logF = _log_truncated(F, order).as_expr()
    return sp.expand(-logF.subs(moments_in_cumulants(order + 2)))


@cache
def coarse_terms(b, order):
    """The coarse Hamiltonian's terms to K^order: on-site shifts of a_k and the bond couplings.

    Returns {"onsite": {k: shift of a_k}, "couplings": {(p, q): coefficient of y_1^p y_2^q in H'}}.
    A site is the end of two bonds, so it collects the single-site part of the bond twice.
    """
    B = sp.Poly(bond_expansion(b, order), y1, y2)
    onsite, couplings = {}, {}
    for (p, q), c in B.terms():
        if p and q:
            couplings[(p, q)] = sp.factor_terms(c)
        elif p:
            onsite[p // 2] = sp.factor_terms(onsite.get(p // 2, 0) + 2 * c)
    return {"onsite": dict(sorted(onsite.items())),
            "couplings": dict(sorted(couplings.items(), key=lambda t: (t[0][0] + t[0][1], -t[0][0])))}


def _reassembles(terms, b, order):
    """True when the table lists every non-constant term of the bond expansion (nothing dropped)."""
    rebuilt = sp.Add(*[c * y1 ** p * y2 ** q for (p, q), c in terms["couplings"].items()],
                     *[c / 2 * (y1 ** (2 * k) + y2 ** (2 * k)) for k, c in terms["onsite"].items()])
    B = bond_expansion(b, order)
    constant = B.subs({y1: 0, y2: 0})
    return sp.expand(rebuilt - (B - constant)) == 0


def _coupling_table(terms):
    rows = []
    for (p, q), c in terms["couplings"].items():
        mono = sp.latex(y1 ** p * y2 ** q)
        rows.append(rf"{mono} &: \; {sp.latex(c)}")
    for k, c in terms["onsite"].items():
        rows.append(rf"a_{{{k}}}' - a_{{{k}}} &= {sp.latex(c)}")
    return r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"


def derive_b2(order=6):
    """Derivation: decimation by b = 2 as a Laplace transform and its cumulant expansion."""
    d = Derivation("decimation", "Decimation (b = 2) as a Laplace transform; the coarse Hamiltonian", "3.1",
                   intro=("Integrate out x between the kept neighbours y_1, y_2 of a chain "
                          "H = sum_i [V(x_i) - K x_i x_(i+1)] with single-site measure mu(dx) = e^(-V(x)) dx "
                          "(or the two-point measure)."))
    d.equal(K * y1 * x + K * x * y2, (K * (y1 + y2)) * x, "The two bonds of x are linear in x, so the integral "
            "over x is the Laplace transform of mu at s = K (y_1 + y_2):",
            show=r"\int e^{K y_1 x + K x y_2}\,\mu(dx) = L\big(K (y_1 + y_2)\big)")
    aa = a_pos
    Lg = laplace(PolynomialMeasure((aa,)))
    d.equal(sp.integrate(sp.exp(K * (y1 + y2) * x - aa * x ** 2), (x, -sp.oo, sp.oo), conds="none"),
            Lg.subs(s, K * (y1 + y2)), "For the Gaussian measure this is checked by integrating directly:",
            show=rf"\int e^{{K (y_1 + y_2) x - a x^2}}\,dx = {sp.latex(Lg.subs(s, K * (y1 + y2)))}")
    d.say(r"Hence, exactly, $H'(y) = \sum_i \big[ V(y_i) - \log L(K (y_i + y_{i+1})) \big] + \mathrm{const}$: "
          "each kept site keeps its own V and collects one Laplace-transform term per bond.")
    # small-K expansion: the Laplace route (cumulant series of L) against the moment route (bond_expansion)
    M = order // 2
    laplace_route = -sp.Add(*[kappa(j) * (K * (y1 + y2)) ** (2 * j) / sp.factorial(2 * j) for j in range(1, M + 1)])
    d.equal(bond_expansion(2, order), sp.expand(laplace_route),
            f"By the definition of cumulants, -log(L(s)/z) = -sum_j kappa_2j s^(2j)/(2j)!; at s = K (y_1 + y_2) and "
            f"to order K^{order} this agrees with averaging the expanded exponential over x (moments of mu "
            "rewritten as cumulants):",
            show=(rf"-\log \frac{{L(K(y_1+y_2))}}{{z}} = -\sum_{{j=1}}^{{{M}}} "
                  rf"\frac{{\kappa_{{2j}} K^{{2j}} (y_1+y_2)^{{2j}}}}"
                  rf"{{(2j)!}} + O(K^{{{order + 2}}})"))
    T = coarse_terms(2, order)
    d.check(_reassembles(T, 2, order), f"Every coupling generated to order K^{order}: coefficient of each "
            "monomial in one bond of H', and the on-site shifts (each site ends two bonds).",
            _coupling_table(T), "the listed terms reassemble the expansion above exactly (nothing dropped)")
    d.equal(T["couplings"][(1, 1)], -kappa(1) * K ** 2, "The nearest-neighbour term is -kappa_2 K^2 y_1 y_2 to all "
            "orders ((y_1 + y_2)^(2j) is homogeneous of degree 2j, so only j = 1 has degree 2): K' = kappa_2 K^2.",
            show=r"K' = \kappa_2 K^2")
    fw = {(3, 1): -kappa(2) * K ** 4 / 6, (1, 3): -kappa(2) * K ** 4 / 6, (2, 2): -kappa(2) * K ** 4 / 4}
    for (p, q), c in fw.items():
        d.equal(T["couplings"][(p, q)], c, f"docs/theory.md 3.1's K^4 term y_1^{p} y_2^{q}:",
                show=rf"[{sp.latex(y1 ** p * y2 ** q)}]\,H' = {sp.latex(c)}")
    d.equal(T["onsite"][1], -kappa(1) * K ** 2, "docs/theory.md 3.1's on-site a_1' = a_1 - kappa_2 K^2:",
            show=r"a_1' = a_1 - \kappa_2 K^2")
    d.equal(T["onsite"][2], -kappa(2) * K ** 4 / 12, "docs/theory.md 3.1's on-site a_2' = a_2 - kappa_4 K^4 / 12:",
            show=r"a_2' = a_2 - \frac{\kappa_4 K^4}{12}")
    # Gaussian closure: kappa_2 = 1/(2a), kappa_2j = 0 beyond
    gk = {kappa(1): 1 / (2 * gaussian.a)} | {kappa(j): 0 for j in range(2, M + 1)}
    Kp, ap = gaussian.recursion(2)
    d.equal(T["couplings"][(1, 1)].subs(gk), -Kp, "Gaussian measure (kappa_2 = 1/(2a), higher cumulants 0): "
            "no other coupling survives, the family is closed, and K' = K^2/(2a) ...",
            show=rf"K' = {sp.latex(Kp)}")
    d.check(all(c.subs(gk) == 0 for pq, c in T["couplings"].items() if pq != (1, 1))
            and all(c.subs(gk) == 0 for k, c in T["onsite"].items() if k > 1),
            "... every other coupling and on-site shift vanishes ...",
            r"[y_1^p y_2^q]\,H' = 0 \;(p + q > 2), \quad a_k' = a_k = 0 \;(k \ge 2)",
            "substitution of the Gaussian cumulants")
    d.equal(gaussian.a + T["onsite"][1].subs(gk), ap, "... and a' = a - K^2/(2a).", show=rf"a' = {sp.latex(ap)}")
    # Ising: y^2 = 1 folds every coupling into y_1 y_2 and constants
    ik = {kappa(j): c for j, c in zip(range(1, M + 1), _ising_kappas(order))}
    folded = sum(c.subs(ik) for (p, q), c in T["couplings"].items() if p % 2 and q % 2)
    exact = sp.series(ising.recursion(2), K, 0, order + 1).removeO()
    d.equal(-folded, exact, f"Two-point measure (y^2 = 1, kappa_2 = 1, kappa_4 = -2, ...): all odd-odd couplings fold "
            f"into y_1 y_2, and the resummed coupling agrees with the exact atanh(tanh^2 K) to order K^{order}:",
            show=rf"K' = {sp.latex(-folded)} + O(K^{{{order + 2}}}) = "
                 rf"\operatorname{{atanh}}(\tanh^2 K) + O(K^{{{order + 2}}})")
    return d


def _ising_kappas(order):
    ser = cumulant_series(laplace(TwoPointMeasure()), order)
    return [ser.coeff(s, 2 * j) * sp.factorial(2 * j) for j in range(1, order // 2 + 1)]


def derive_general_b(order=6, bs=(3, 4)):
    """Derivation: decimation by general b as a nested Laplace transform; expansions for b = 3, 4."""
    d = Derivation("decimation-general-b", "Decimation by general b: nested Laplace transforms", "3.1",
                   intro=("Keeping every b-th site integrates out the b - 1 sites x_1 .. x_(b-1) between kept "
                          "y_1 = x_0 and y_2 = x_b."))
    d.say(r"Integrating the sites one at a time from the left, each integral is a Laplace transform of $\mu$ "
          r"at a point set by its left neighbour: $F_b(y_1, y_2) = \int \mu(dx)\, e^{K y_1 x} F_{b-1}(x, y_2)$ "
          r"with $F_1(y_1, y_2) = e^{K y_1 y_2}$, and "
          r"$H'(y) = \sum_i [V(y_i) - \log (F_b(y_i, y_{i+1}) / z^{b-1})]$ + const.")
    d.equal(K * y1 * x + K * x * y2, K * (y1 + y2) * x,
            "For b = 2 the recursion gives back F_2(y_1, y_2) = L(K (y_1 + y_2)).",
            show=r"F_2(y_1, y_2) = \int \mu(dx)\, e^{K y_1 x} e^{K x y_2} = L\big(K(y_1 + y_2)\big)")
    for b in bs:
        T = coarse_terms(b, order)
        d.check(_reassembles(T, b, order), f"b = {b}: every coupling generated to order K^{order} (the exponential "
                f"expanded and averaged over the {b - 1} independent integrated sites, moments rewritten as "
                "cumulants):",
                _coupling_table(T), "the listed terms reassemble the expansion exactly (nothing dropped)")
        d.equal(sp.expand(T["couplings"][(1, 1)]).coeff(K, b), -kappa(1) ** (b - 1),
                f"b = {b}: the leading nearest-neighbour coupling is kappa_2^(b-1) K^b (a path of b bonds through "
                f"{b - 1} independent sites).", show=rf"K' = \kappa_2^{{{b - 1}}} K^{{{b}}} + O(K^{{{b + 2}}})")
        # Gaussian check against the exact recursion of proofs.gaussian
        gk = {kappa(1): 1 / (2 * gaussian.a)} | {kappa(j): 0 for j in range(2, order // 2 + 2)}
        Kp, ap = gaussian.recursion(b)
        Kser = sp.series(Kp, gaussian.K, 0, order + 1).removeO()
        aser = sp.series(ap, gaussian.K, 0, order + 1).removeO()
        K_exp = (-T["couplings"][(1, 1)].subs(gk)).subs(K, gaussian.K)
        a_exp = (gaussian.a + T["onsite"][1].subs(gk)).subs(K, gaussian.K)
        d.equal(K_exp, Kser, f"b = {b}, Gaussian cumulants: the expansion agrees with the exact recursion "
                f"K' = K^b / D_(b-1) to order K^{order} ...", show=rf"K' = {sp.latex(K_exp)} + O(K^{{{order + 1}}})")
        d.equal(a_exp, aser, "... and a' = a - K^2 D_(b-2)/D_(b-1) likewise.",
                show=rf"a' = {sp.latex(a_exp)} + O(K^{{{order + 1}}})")
    d.say("At K = 0 the sites decouple and decimation returns the same single-site law, so the projected map is the "
          "identity on the plane K = 0; K' = kappa_2^(b-1) K^b + O(K^(b+2)) makes dK'/dK = 0 there and a' is even "
          "in K. The Jacobian at any point (0; a) in (K, a_1, .., a_n) is therefore diag(0, 1, .., 1) for b >= 2.")
    return d


DERIVATIONS = (derive_b2, derive_general_b)
