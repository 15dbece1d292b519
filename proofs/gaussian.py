"""The Gaussian chain V(x) = a x^2 under decimation: closed forms (docs/theory.md 2 and 3.1).

    rho = sqrt(a^2 - K^2),   u = K / (a + rho),   K = 2 rho u / (1 - u^2),   a = rho (1 + u^2) / (1 - u^2)
    decimation by b:  rho' = rho,  u' = u^b;   A = (1/2) log(2 pi / (a + rho));   C(r) = u^|r| / (2 rho)

The expressions here are the single source of these formulas: ``numerics.exact``
evaluates them, ``derivation()`` proves them step by step (each step verified).

>>> recursion(2)
(K**2/(2*a), -K**2/(2*a) + a)
>>> iterate_recursion(sp.Rational(1, 2), sp.Integer(1), 2, 2)
(1/112, 97/112)
>>> orbit_exact(sp.Rational(1, 2), sp.Integer(1), 2, 2)
(1/112, 97/112)
"""
from __future__ import annotations

import math
from fractions import Fraction
from functools import cache

import sympy as sp

# Symbols (proofs.symbols). u lies in (-1, 1) on the admissible set; rho > 0 is the invariant;
# t = u^(b^m) is the coordinate after m steps.
from proofs.symbols import K, a, a_pos, b, epsilon, r, rho, t, u, u_pos, w, y1, y2

# The invariant and the natural coordinate, as functions of (K, a).
RHO = sp.sqrt(a ** 2 - K ** 2)
U = K / (a + RHO)

# The inverse map (rho, u) -> (K, a); the orbit is this map at u = t = u^(b^m).
K_OF_U = 2 * rho * u / (1 - u ** 2)
A_OF_U = rho * (1 + u ** 2) / (1 - u ** 2)

# Infinite-chain log-partition per site and covariance, in (rho, u): a + rho = 2 rho / (1 - u^2).
FREE_ENERGY = sp.log(2 * sp.pi / (a + rho)) / 2
FREE_ENERGY_U = sp.log(sp.pi * (1 - u ** 2) / rho) / 2
COVARIANCE = u ** r / (2 * rho)


def single_site_moment(k):
    """m_(2k) = E[x_0^(2k)] = (2k - 1)!! (2 rho)^(-k): x_0 is centred normal with variance C(0) = 1/(2 rho).

    >>> single_site_moment(2)
    3/(4*rho**2)
    """
    return sp.factorial2(2 * k - 1) / (2 * rho) ** k


@cache
def determinant(n):
    """D_n: determinant of the n x n tridiagonal matrix with 2a on the diagonal and -K beside it.

    D_n = 2a D_(n-1) - K^2 D_(n-2), D_0 = 1, D_(-1) = 0 (expansion along the last row).

    >>> determinant(2)
    -K**2 + 4*a**2
    """
    if n < 0:
        return sp.Integer(0)
    if n == 0:
        return sp.Integer(1)
    return sp.expand(2 * a * determinant(n - 1) - K ** 2 * determinant(n - 2))


@cache
def recursion(bb):
    """(K', a') after decimation by ``bb``: K' = K^b / D_(b-1), a' = a - K^2 D_(b-2) / D_(b-1).

    Integrating out the b - 1 sites between two kept ones is a Gaussian integral whose
    precision matrix is tridiagonal (docs/theory.md 3.1); its inverse's corner entries give these.
    """
    bb = int(bb)
    D1, D2 = determinant(bb - 1), determinant(bb - 2)
    return (K ** bb / D1, a - K ** 2 * D2 / D1)


@cache
def jacobian(bb):
    """The Jacobian d(K', a') / d(K, a) of ``recursion(bb)`` as a sympy Matrix in K, a."""
    Kp, ap = recursion(bb)
    return sp.Matrix([[sp.diff(Kp, K), sp.diff(Kp, a)], [sp.diff(ap, K), sp.diff(ap, a)]])


@cache
def jacobian_on_fixed_line(bb):
    """The Jacobian at a point (0, a) of the fixed line K = 0: diag(0, 1) for every b >= 2.

    >>> jacobian_on_fixed_line(3)
    Matrix([
    [0, 0],
    [0, 1]])
    """
    return jacobian(bb).subs(K, 0).applyfunc(sp.cancel)


def iterate_recursion(K0, a0, bb, m):
    """(K_m, a_m) by applying ``recursion(bb)`` m times to exact rationals (no closed form used)."""
    Kp, ap = recursion(bb)
    Km, am = sp.Rational(K0), sp.Rational(a0)
    for _ in range(m):
        Km, am = Kp.xreplace({K: Km, a: am}), ap.xreplace({K: Km, a: am})
    return Km, am


def evaluate_rational_function(expr, env):
    """Evaluate a rational function of symbols on any field elements in ``env`` (exactly).

    Walks the expression tree (+, *, integer powers, rational constants) so that the
    sympy expression itself, not a re-typed copy, is evaluated, e.g. in Q(sqrt d).
    """
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Add or expr.is_Mul:
        vals = [evaluate_rational_function(arg, env) for arg in expr.args]
        out = vals[0]
        for v in vals[1:]:
            out = out + v if expr.is_Add else out * v
        return out
    if expr.is_Pow and expr.exp.is_Integer:
        base, e = evaluate_rational_function(expr.base, env), int(expr.exp)
        return base ** e if e >= 0 else 1 / base ** (-e)
    raise TypeError(f"not a rational function: {expr}")


class QuadraticNumber:
    """p + q sqrt(d) with rationals p, q and a fixed rational d: exact arithmetic in Q(sqrt d).

    Used to evaluate the closed-form orbit exactly, since rho = sqrt(a^2 - K^2) is
    irrational in general while (K_m, a_m) are rational.
    """

    __slots__ = ("p", "q", "d")

    def __init__(self, p, q, d):
        # Python Fractions: much faster than sympy Rationals for the long products of an orbit
        self.p, self.q, self.d = _fraction(p), _fraction(q), _fraction(d)
        root = _rational_sqrt(self.d)
        if root is not None and self.q:     # a perfect square: Q(sqrt d) = Q, keep q = 0 (no zero divisors)
            self.p, self.q = self.p + self.q * root, Fraction(0)

    def _lift(self, o):
        return o if isinstance(o, QuadraticNumber) else QuadraticNumber(o, 0, self.d)

    def __add__(self, o):
        o = self._lift(o)
        return QuadraticNumber(self.p + o.p, self.q + o.q, self.d)

    __radd__ = __add__

    def __neg__(self):
        return QuadraticNumber(-self.p, -self.q, self.d)

    def __sub__(self, o):
        return self + (-self._lift(o))

    def __rsub__(self, o):
        return self._lift(o) - self

    def __mul__(self, o):
        o = self._lift(o)
        return QuadraticNumber(self.p * o.p + self.d * self.q * o.q, self.p * o.q + self.q * o.p, self.d)

    __rmul__ = __mul__

    def inverse(self):
        n = self.p ** 2 - self.d * self.q ** 2
        return QuadraticNumber(self.p / n, -self.q / n, self.d)

    def __truediv__(self, o):
        return self * self._lift(o).inverse()

    def __rtruediv__(self, o):
        return self._lift(o) * self.inverse()

    def __pow__(self, e):
        result, base = QuadraticNumber(1, 0, self.d), self
        while e:
            if e & 1:
                result = result * base
            base, e = base * base, e >> 1
        return result

    def rational(self):
        """The value as a sympy Rational; refuses when the sqrt(d) part is not zero."""
        if self.q != 0:
            raise ArithmeticError(f"{self.p} + {self.q} sqrt({self.d}) is not rational")
        return sp.Rational(self.p.numerator, self.p.denominator)


def _fraction(v):
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    v = sp.Rational(v)
    return Fraction(int(v.p), int(v.q))


def _rational_sqrt(d):
    """sqrt(d) as a Fraction when d >= 0 is the square of a rational, else None."""
    if d < 0:
        return None
    n, m = math.isqrt(d.numerator), math.isqrt(d.denominator)
    return Fraction(n, m) if n * n == d.numerator and m * m == d.denominator else None


def orbit_exact(K0, a0, bb, m):
    """(K_m, a_m) from the closed form at t = u^(b^m), evaluated exactly in Q(rho).

    K_m = 2 rho t / (1 - t^2), a_m = rho (1 + t^2) / (1 - t^2), u = K / (a + rho).
    """
    K0, a0 = sp.Rational(K0), sp.Rational(a0)
    rh = QuadraticNumber(0, 1, a0 ** 2 - K0 ** 2)
    # The same sympy expressions numerics evaluates, walked exactly.
    uu = evaluate_rational_function(U.subs(RHO, rho), {K: K0, a: a0, rho: rh})
    tt = uu ** (int(bb) ** m)
    Km, am = (evaluate_rational_function(e, {rho: rh, u: tt}) for e in (K_OF_U, A_OF_U))
    return Km.rational(), am.rational()


# -- derivations ------------------------------------------------------------------------------

def power_symbols(expr, *exps):
    """Name base^n by a fresh positive symbol for each base, for symbolic exponents n (positive bases).

    After splitting powers (force=True: the bases rho, u, 1 - u^2, a +- rho are positive on the
    stated domain 0 < u < 1), base^(c n + d) becomes X_base^c * base^d, so identities in symbolic
    n reduce to rational-function identities.
    """
    e = sp.expand_power_exp(sp.expand_power_base(sp.powdenest(sp.expand(expr), force=True), force=True))
    names = {}

    def split(p):
        ex = sp.expand(p.exp)
        sym = [v for v in exps if ex.has(v)]
        out = p.base ** (ex - sum(ex.coeff(v) * v for v in sym))
        for v in sym:
            key = (p.base, v)
            if key not in names:
                names[key] = sp.Symbol(f"X{len(names)}", positive=True)
            out *= names[key] ** ex.coeff(v)
        return out

    e = e.replace(lambda p: p.is_Pow and any(p.exp.has(v) for v in exps), split)
    return sp.cancel(sp.together(sp.expand(e)))


def _ps(*exps):
    return [(f"power_symbols({', '.join(map(str, exps))})", lambda e: power_symbols(e, *exps))]


_up = u_pos                               # the symbolic-b steps take 0 < u < 1 (K > 0); K < 0 is u -> -u
_n = sp.Symbol("n", integer=True, positive=True)
_m = sp.Symbol("m", integer=True, nonnegative=True)


def _D_closed(n):
    return ((a + rho) ** (n + 1) - (a - rho) ** (n + 1)) / (2 * rho)


def _D_u(n, uu=_up):
    return (2 * rho) ** n * (1 - uu ** (2 * n + 2)) / (1 - uu ** 2) ** (n + 1)


def _tridiagonal(n):
    return sp.Matrix(n, n, lambda i, j: 2 * a if i == j else (-K if abs(i - j) == 1 else 0))


def derive_recursion():
    """Derivation: the Gaussian decimation recursion for general b, its invariant and orbit."""
    from proofs.derivation import Derivation
    d = Derivation("gaussian-recursion", "Gaussian chain: the decimation recursion, its invariant and its orbit",
                   "3.1", intro=("H = sum_i [a x_i^2 - K x_i x_(i+1)], a > |K|. Decimation by b keeps x_0 = y_1 and "
                                 "x_b = y_2 and integrates x_1 .. x_(b-1)."))
    xs = sp.symbols("x_1:4", real=True)
    d.say("The integrated sites see the quadratic form (1/2) x^T M x with M tridiagonal (2a on the diagonal, -K "
          "beside it) and the linear source J = K (y_1 e_1 + y_2 e_(b-1)).")
    for n in (2, 3):
        M = _tridiagonal(n)
        X = sp.Matrix(xs[:n])
        J = sp.Matrix([sp.Symbol("J_1")] + [0] * (n - 2) + [sp.Symbol("J_2")])
        mu_ = M.inv() * J
        lhs = -(X.T * M * X)[0] / 2 + (J.T * X)[0]
        rhs = -((X - mu_).T * M * (X - mu_))[0] / 2 + (J.T * M.inv() * J)[0] / 2
        d.equal(lhs, rhs, f"Completing the square (n = {n} integrated sites), so the integral is "
                "sqrt((2 pi)^n / det M) exp(J^T M^(-1) J / 2):",
                show=r"-\tfrac12 x^T M x + J^T x = -\tfrac12 (x - M^{-1}J)^T M (x - M^{-1}J) + \tfrac12 J^T M^{-1} J")
    y1_, y2_ = y1, y2
    for bb in (2, 3, 4, 5):
        n = bb - 1
        M = _tridiagonal(n)
        Mi = M.inv()
        D = M.det()
        d.check(sp.expand(D - determinant(n)) == 0
                and sp.cancel(Mi[0, 0] - determinant(n - 1) / determinant(n)) == 0
                and sp.cancel(Mi[0, n - 1] - K ** (n - 1) / determinant(n)) == 0,
                f"b = {bb}: det M = D_{n}, (M^-1)_11 = D_{n - 1}/D_{n}, (M^-1)_1{n} = K^{n - 1}/D_{n}.",
                rf"\det M = D_{{{n}}} = {sp.latex(determinant(n))}",
                "sympy determinant and inverse of the tridiagonal matrix, compared with the recurrence")
        J = sp.Matrix([K * y1_] + [0] * (n - 2) + [K * y2_]) if n > 1 else sp.Matrix([K * (y1_ + y2_)])
        quad = sp.expand((J.T * Mi * J)[0] / 2)
        Kp, ap = recursion(bb)
        # each kept site ends two bonds: on-site gain 2 x (half the y_1^2 coefficient)
        d.equal(quad.coeff(y1_, 1).coeff(y2_, 1), Kp,
                f"b = {bb}: the y_1 y_2 term of J^T M^-1 J / 2 is the new coupling ...",
                show=rf"K' = \frac{{K^{{{bb}}}}}{{D_{{{n}}}}} = {sp.latex(sp.factor(Kp))}")
        d.equal(a - 2 * quad.coeff(y1_, 2), ap, "... and the y^2 terms, one from each of a site's two bonds, lower a.",
                show=rf"a' = a - \frac{{K^2 D_{{{n - 1}}}}}{{D_{{{n}}}}} = {sp.latex(sp.factor(ap))}")
    d.equal(_D_closed(_n) - 2 * a * _D_closed(_n - 1) + (a ** 2 - rho ** 2) * _D_closed(_n - 2), 0,
            "With rho^2 = a^2 - K^2, D_n = ((a + rho)^(n+1) - (a - rho)^(n+1)) / (2 rho) solves "
            "D_n = 2a D_(n-1) - K^2 D_(n-2) ...",
            simplifiers=_ps(_n), show=r"D_n = \frac{(a+\rho)^{n+1} - (a-\rho)^{n+1}}{2\rho}")
    d.check(sp.simplify(_D_closed(0) - 1) == 0 and sp.simplify(_D_closed(1) - 2 * a) == 0,
            "... with D_0 = 1 and D_1 = 2a.", r"D_0 = 1,\quad D_1 = 2a", "substitution n = 0, 1 and simplify")
    d.check(sp.cancel(A_OF_U ** 2 - K_OF_U ** 2 - rho ** 2) == 0 and sp.cancel(K_OF_U - u * (A_OF_U + rho)) == 0,
            "The coordinates (rho, u), rho = sqrt(a^2 - K^2), u = K/(a + rho), invert to:",
            rf"K = {sp.latex(K_OF_U)},\quad a = {sp.latex(A_OF_U)}",
            "substitution: a^2 - K^2 - rho^2 and K - u (a + rho) cancel to 0")
    d.check(sp.cancel(A_OF_U + rho - 2 * rho / (1 - u ** 2)) == 0
            and sp.cancel(A_OF_U - rho - 2 * rho * u ** 2 / (1 - u ** 2)) == 0,
            "In these coordinates", r"a + \rho = \frac{2\rho}{1 - u^2},\qquad a - \rho = \frac{2 \rho u^2}{1 - u^2}",
            "substitution, cancel")
    wq = w                                  # w = 1 - u^2 > 0; the identity below holds for any w
    Dw = ((2 * rho / wq) ** (_n + 1) - (2 * rho * _up ** 2 / wq) ** (_n + 1)) / (2 * rho)
    d.equal(Dw, (2 * rho) ** _n * (1 - _up ** (2 * _n + 2)) / wq ** (_n + 1), "so that", simplifiers=_ps(_n),
            show=rf"D_n = {sp.latex(_D_u(_n))}")
    bsym = b
    Kb = K_OF_U.subs(u, _up) ** bsym / _D_u(bsym - 1)
    ab = A_OF_U.subs(u, _up) - K_OF_U.subs(u, _up) ** 2 * _D_u(bsym - 2) / _D_u(bsym - 1)
    d.equal(Kb, K_OF_U.subs(u, _up ** bsym), "For every b (0 < u < 1; K < 0 follows from x_i -> (-1)^i x_i, u -> -u): "
            "K' = K^b / D_(b-1) in (rho, u) is K at u^b ...", simplifiers=_ps(bsym),
            show=rf"K' = {sp.latex(K_OF_U.subs(u, u ** b))}")
    d.equal(ab, A_OF_U.subs(u, _up ** bsym), "... and a' is a at u^b:", simplifiers=_ps(bsym),
            show=rf"a' = {sp.latex(A_OF_U.subs(u, u ** b))}")
    d.say(r"So decimation by b is $(\rho, u) \mapsto (\rho, u^b)$: $\rho' = \rho$ is invariant and $u' = u^b$.")
    for bb in (2, 3, 4):
        Kp, ap = recursion(bb)
        d.equal(ap ** 2 - Kp ** 2, a ** 2 - K ** 2, f"b = {bb}, every sign of K: the invariant directly in (K, a).",
                show=rf"a'^2 - K'^2 = a^2 - K^2 \quad (b = {bb})")
    d.equal((_up ** (bsym ** _m)) ** bsym, _up ** (bsym ** (_m + 1)),
            "By induction the orbit after m steps is the inverse map at t = u^(b^m):",
            simplifiers=[("powdenest+powsimp",
                          lambda e: sp.simplify(sp.powsimp(sp.powdenest(e, force=True), force=True)))],
            show=rf"K_m = {sp.latex(K_OF_U.subs(u, t))},\quad a_m = {sp.latex(A_OF_U.subs(u, t))},\quad t = u^{{b^m}}")
    xi = -1 / sp.log(_up)
    d.equal(-1 / sp.log(_up ** bsym), xi / bsym,
            "Correlation length xi = -1/log|u| (C(r) = C(0) e^(-r/xi)): one step divides it by b.",
            simplifiers=[("expand_log", lambda e: sp.simplify(sp.expand_log(e, force=True)))],
            show=r"\xi = -\frac{1}{\log |u|},\qquad \xi' = -\frac{1}{\log |u^b|} = \frac{\xi}{b}")
    return d


def derive_fixed_points():
    """Derivation: Gaussian fixed points in (K, a), r = K/a and u, with eigenvalues and exponents."""
    from proofs.derivation import Derivation
    d = Derivation("gaussian-fixed-points",
                   "Gaussian chain: fixed points, stability and exponents in three coordinates",
                   "3.1",
                   intro="Fixed points and their exponents depend on the coordinates, so each is quoted with its "
                         "coordinate.")
    for bb in (2, 3, 4):
        Kp, ap = recursion(bb)
        d.check(sp.cancel(Kp.subs(K, 0)) == 0 and sp.cancel(ap.subs(K, 0) - a) == 0,
                f"(K, a), b = {bb}: every point (0, a) is fixed, so K = 0 is a line of fixed points ...",
                r"(K', a')\big|_{K=0} = (0, a)", "substitution K = 0")
        J = jacobian_on_fixed_line(bb)
        d.check(J == sp.diag(0, 1), "... with Jacobian diag(0, 1): eigenvalue 0 across the line (super-stable, "
                "exponent y = log|lambda|/log b = -infinity) and 1 along it (marginal, y = 0).",
                rf"\frac{{\partial (K', a')}}{{\partial (K, a)}}\Big|_{{(0, a)}} = {sp.latex(J)} \quad (b = {bb})",
                "sympy Jacobian of the exact recursion, evaluated at K = 0")
    d.check(sp.limit(K_OF_U.subs(u, t), t, 0) == 0 and sp.limit(A_OF_U.subs(u, t), t, 0) == rho,
            "Since rho is invariant and t = u^(b^m) -> 0 for |u| < 1, the flow from (K, a) lands at theta* = (0, rho):",
            r"\lim_{m\to\infty} (K_m, a_m) = (0, \rho) = \big(0, \sqrt{a^2 - K^2}\big)",
            "sympy limit t -> 0 of the orbit")
    Kp, ap = recursion(2)
    d.check(sp.cancel(Kp.subs(K, a) - a / 2) == 0 and sp.cancel(ap.subs(K, a) - a / 2) == 0,
            "The critical point (a, a) is not fixed in (K, a): it maps to (a/2, a/2).",
            r"(a, a) \mapsto (a/2, a/2)", "substitution K = a")
    rr = sp.Symbol("r", real=True)
    rp = sp.cancel((Kp / ap).subs(K, rr * a))
    d.equal(rp, rr ** 2 / (2 - rr ** 2), "In the ratio r = K/a (b = 2):",
            show=rf"r' = {sp.latex(rr ** 2 / (2 - rr ** 2))}")
    fps = sorted(sp.solve(sp.Eq(rp, rr), rr))
    d.check(fps == [-2, 0, 1], "Its fixed points:", r"r^* \in \{-2,\ 0,\ 1\}", "sympy solve r' = r")
    deriv = sp.cancel(sp.diff(rp, rr))
    eig = {f: deriv.subs(rr, f) for f in fps}
    d.check(eig == {-2: -2, 0: 0, 1: 4},
            "Eigenvalues dr'/dr: r = 0 stable (0), r = 1 critical (4 = b^2: exponent y_r = 2, nu_r = 1/y_r = 1/2), "
            "r = -2 outside the admissible set |r| < 1 (eigenvalue -2).",
            rf"\frac{{dr'}}{{dr}} = {sp.latex(deriv)}:\quad 0 \;(r=0),\quad 4 \;(r=1),\quad -2 \;(r=-2)",
            "sympy derivative at each fixed point")
    for bb in (2, 3):
        sols = sorted(sp.solve(sp.Eq(u ** bb, u), u))
        ev = {s_: sp.diff(u ** bb, u).subs(u, s_) for s_ in sols}
        d.check(sols == ([0, 1] if bb == 2 else [-1, 0, 1]) and ev[0] == 0 and ev[1] == bb,
                f"In u, u' = u^{bb}: fixed points {sols}; u = 0 stable (eigenvalue 0), "
                f"u = 1 critical (eigenvalue b = {bb}: "
                f"y_u = 1, nu_u = 1)"
                + ("; u = -1 (K = -a, antiferromagnetic critical) for odd b." if bb == 3 else "."),
                rf"u^* \in \{{{', '.join(map(str, sols))}\}},\quad \frac{{du'}}{{du}}\Big|_{{u=1}} = {bb}",
                "sympy solve u^b = u, derivative b u^(b-1) at each")
    ep = epsilon
    u_of_r = rr / (1 + sp.sqrt(1 - rr ** 2))
    apos = a_pos
    d.check(sp.simplify(U.subs(a, apos).subs(K, rr * apos) - u_of_r) == 0,
            "The two coordinates are related by", rf"u = {sp.latex(u_of_r)}", "substitution K = r a, simplify")
    ser = sp.series(u_of_r.subs(rr, 1 - ep), ep, 0, 1).removeO()
    d.equal(ser, 1 - sp.sqrt(2) * sp.sqrt(ep), "Near r = 1 (r = 1 - epsilon): 1 - u ~ sqrt(2 epsilon), so u is not "
            "differentiable in r at the critical point. Hence xi ~ 1/(1 - u) ~ (1 - r)^(-1/2): "
            "nu = 1/2 in r and nu = 1 "
            "in u describe the same divergence.", show=r"u = 1 - \sqrt{2 (1 - r)} + O(1 - r)")
    return d


def derive_free_energy():
    """Derivation: A and C(r) from the circulant precision matrix; the free-energy RG relation."""
    from proofs.derivation import Derivation
    d = Derivation("gaussian-free-energy", "Gaussian chain: A(theta), C(r) from the circulant precision matrix, "
                   "and the free-energy RG relation", "2 and 3.1",
                   intro=("On the periodic N-site chain, exp(-H) = exp(-x^T Q_N x / 2) with Q_N circulant: 2a on the "
                          "diagonal, -K on both cyclic neighbours. Z_N = (2 pi)^(N/2) det(Q_N)^(-1/2)."))
    c = sp.Symbol("c", real=True)        # cos(theta)
    d.equal(2 * A_OF_U - 2 * K_OF_U * c, 2 * rho / (1 - u ** 2) * (1 + u ** 2 - 2 * u * c),
            "The eigenvalues of Q_N are 2a - 2K cos(2 pi j / N) (Fourier modes); in (rho, u) each factorizes, "
            "with a + rho = 2 rho/(1 - u^2):",
            show=r"2a - 2K\cos\theta = (a + \rho)\,(1 + u^2 - 2u\cos\theta) = "
                 r"(a + \rho)\,\big(1 - u e^{i\theta}\big)\big(1 - u e^{-i\theta}\big)")
    d.say(r"Since $\prod_{j=0}^{N-1} (1 - u\,\omega^j) = 1 - u^N$ for $\omega = e^{2\pi i/N}$ "
          r"(the roots of $t^N - 1$), "
          r"$\det Q_N = (a + \rho)^N (1 - u^N)^2$.")
    for N in (3, 4, 5):
        Q = sp.Matrix(N, N, lambda i, j: 2 * A_OF_U if i == j else (-K_OF_U if (i - j) % N in (1, N - 1) else 0))
        d.check(sp.cancel(Q.det(method="berkowitz") - (2 * rho / (1 - u ** 2)) ** N * (1 - u ** N) ** 2) == 0,
                f"N = {N}: the determinant of the circulant, computed directly.",
                rf"\det Q_{{{N}}} = (a + \rho)^{{{N}}} (1 - u^{{{N}}})^2", "sympy determinant (Berkowitz), cancel")
    Nn = sp.Symbol("N", integer=True, positive=True)
    P, W = sp.symbols("P W", positive=True)      # P = a + rho, W = 1 - u^N (both > 0)
    AN = sp.log(2 * sp.pi) / 2 - sp.log(P ** Nn * W ** 2) / (2 * Nn)
    FE = FREE_ENERGY.subs(a, A_OF_U.subs(u, _up))
    d.equal(AN, FREE_ENERGY.subs(a, P - rho) - sp.log(W) / Nn, "Per site:",
            simplifiers=[("expand_log", lambda e: sp.simplify(sp.expand_log(e, force=True)))],
            show=r"A_N = \frac{1}{N}\log Z_N = \frac12 \log\frac{2\pi}{a + \rho} - \frac{1}{N}\log(1 - u^N)")
    d.check(all(sp.limit(sp.log(1 - sp.Rational(p, q) ** Nn) / Nn, Nn, sp.oo) == 0
                for p, q in ((1, 2), (9, 10), (99, 100))),
            "The correction vanishes as N -> infinity for |u| < 1 (|log(1 - u^N)| <= 2|u|^N once |u|^N <= 1/2), so",
            rf"A(\theta) = {sp.latex(FREE_ENERGY)} = {sp.latex(FREE_ENERGY_U)}",
            "sympy limit N -> infinity at u = 1/2, 9/10, 99/100 (the bound covers u < 0)")
    d.equal(FE, FREE_ENERGY_U.subs(u, _up), "(the two forms agree)",
            simplifiers=[("expand_log", lambda e: sp.simplify(sp.expand_log(e, force=True)))],
            show=rf"{sp.latex(FREE_ENERGY)} = {sp.latex(FREE_ENERGY_U)}")
    rN = sp.Symbol("r", integer=True, positive=True)

    def CN(rr_):
        return (_up ** rr_ + _up ** (Nn - rr_)) / (2 * rho * (1 - _up ** Nn))

    Ap, Kp_ = A_OF_U.subs(u, _up), K_OF_U.subs(u, _up)
    d.equal(2 * Ap * CN(rN) - Kp_ * CN(rN - 1) - Kp_ * CN(rN + 1), 0,
            "The finite-N covariance C_N(r) = (u^r + u^(N-r)) / (2 rho (1 - u^N)) solves (Q_N C_N)(r) = 0 "
            "for 1 <= r <= N-1 ...",
            simplifiers=_ps(rN, Nn),
            show=r"2a\,C_N(r) - K\,C_N(r-1) - K\,C_N(r+1) = 0,\qquad C_N(r) = \frac{u^r + u^{N-r}}{2\rho(1 - u^N)}")
    d.equal(2 * Ap * CN(0) - 2 * Kp_ * CN(1), 1,
            "... and (Q_N C_N)(0) = 1 (C_N(-1) = C_N(N-1) = C_N(1)), so C_N is the "
            "first column of Q_N^(-1):", simplifiers=_ps(Nn), show=r"2a\,C_N(0) - 2K\,C_N(1) = 1")
    d.check(sp.limit(CN(3).subs(_up, sp.Rational(1, 3)), Nn, sp.oo) == COVARIANCE.subs({u: sp.Rational(1, 3), r: 3}),
            "As N -> infinity (|u| < 1) u^(N-r) -> 0 and u^N -> 0:", rf"C(r) = {sp.latex(COVARIANCE)}",
            "sympy limit N -> infinity of C_N(3) at u = 1/3 (u^(N-r), u^N -> 0 for every |u| < 1)")
    Aka = FREE_ENERGY.subs(rho, RHO)
    d.equal(sp.diff(Aka, K), (COVARIANCE.subs(r, 1)).subs(u, U).subs(rho, RHO), "dA/dK = E[x_0 x_1] = C(1) ...",
            show=r"\frac{\partial A}{\partial K} = \frac{u}{2\rho} = C(1)")
    d.equal(sp.diff(Aka, a), -single_site_moment(1).subs(rho, RHO), "... and dA/da = -E[x_0^2] = -m_2 = -C(0):",
            show=r"\frac{\partial A}{\partial a} = -\frac{1}{2\rho} = -m_2")
    d.say(r"$x_0$ is centred normal with variance $C(0) = 1/(2\rho)$, so $m_{2k} = (2k-1)!!\,(2\rho)^{-k}$.")
    gb = (b - 1) * sp.log(2 * sp.pi) / (2 * b) - sp.log(_D_u(b - 1)) / (2 * b)
    Ap_ = FREE_ENERGY_U.subs(u, _up ** b)
    d.equal(FREE_ENERGY_U.subs(u, _up), Ap_ / b + gb,
            "Free-energy RG relation: the b - 1 integrated sites contribute sqrt((2 pi)^(b-1)/D_(b-1)) "
            "per kept site, so "
            "A(theta) = A(theta')/b + g(theta) with",
            simplifiers=[("expand_log+power_symbols(b)",
                          lambda e: power_symbols(sp.expand(sp.expand_log(e, force=True)), b)),
                         ("expand_log+simplify",
                          lambda e: sp.simplify(sp.expand_log(sp.expand_power_base(e, force=True), force=True)))],
            show=r"g(\theta) = \frac{1}{2b}\Big[(b-1)\log 2\pi - \log D_{b-1}\Big]")
    g_alt = ((b - 1) * sp.log(sp.pi / rho) + b * sp.log(1 - _up ** 2) - sp.log(1 - _up ** (2 * b))) / (2 * b)
    d.equal(gb, g_alt, "(the two forms of g agree)",
            simplifiers=[("expand_log+power_symbols(b)",
                          lambda e: power_symbols(sp.expand(sp.expand_log(e, force=True)), b)),
                         ("expand_log+simplify",
                          lambda e: sp.simplify(sp.expand_log(sp.expand_power_base(e, force=True), force=True)))],
            show=r"\frac{1}{2b}\Big[(b-1)\log 2\pi - \log D_{b-1}\Big] = "
                 r"\frac{1}{2b}\Big[(b-1)\log\frac{\pi}{\rho} + b \log(1 - u^2) - \log(1 - u^{2b})\Big]")
    Kp, ap = recursion(2)
    g2 = sp.log(sp.pi / a) / 4
    apos = a_pos
    ap_rho = ap.subs(K, sp.sqrt(a ** 2 - rho ** 2)).subs(a, apos)     # a' with K^2 = a^2 - rho^2; rho' = rho
    d.equal(FREE_ENERGY.subs(a, apos), FREE_ENERGY.subs(a, ap_rho) / 2 + g2.subs(a, apos),
            "For b = 2 in (K, a): g = (1/4) log(pi/a), since rho' = rho.",
            simplifiers=[("factor inside log, expand_log", lambda e: sp.simplify(sp.expand_log(
                e.replace(sp.log, lambda z: sp.log(sp.factor(z))), force=True)))],
            show=rf"A(K, a) = \tfrac12 A(K', a') + {sp.latex(g2)}")
    return d


DERIVATIONS = (derive_recursion, derive_fixed_points, derive_free_energy)
