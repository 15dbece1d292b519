"""The Gaussian chain V(x) = a x^2 under decimation: closed forms (FRAMEWORK.md 2 and 3.1).

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

from functools import lru_cache

import sympy as sp

# Symbols. u lies in (-1, 1) on the admissible set; rho > 0 is the invariant.
K, a = sp.symbols("K a", real=True)
rho = sp.Symbol("rho", positive=True)
u = sp.Symbol("u", real=True)
t = sp.Symbol("t", real=True)                     # t = u^(b^m), the coordinate after m steps
r = sp.Symbol("r", integer=True, nonnegative=True)
b = sp.Symbol("b", integer=True, positive=True)

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


@lru_cache(maxsize=None)
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


@lru_cache(maxsize=None)
def recursion(bb):
    """(K', a') after decimation by ``bb``: K' = K^b / D_(b-1), a' = a - K^2 D_(b-2) / D_(b-1).

    Integrating out the b - 1 sites between two kept ones is a Gaussian integral whose
    precision matrix is tridiagonal (FRAMEWORK.md 3.1); its inverse's corner entries give these.
    """
    bb = int(bb)
    D1, D2 = determinant(bb - 1), determinant(bb - 2)
    return (K ** bb / D1, a - K ** 2 * D2 / D1)


@lru_cache(maxsize=None)
def jacobian(bb):
    """The Jacobian d(K', a') / d(K, a) of ``recursion(bb)`` as a sympy Matrix in K, a."""
    Kp, ap = recursion(bb)
    return sp.Matrix([[sp.diff(Kp, K), sp.diff(Kp, a)], [sp.diff(ap, K), sp.diff(ap, a)]])


@lru_cache(maxsize=None)
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
        return sp.Rational(expr)
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
        self.p, self.q, self.d = sp.Rational(p), sp.Rational(q), sp.Rational(d)

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
        """The value as a Rational; refuses when the sqrt(d) part is not zero."""
        if self.q != 0 and not sp.sqrt(self.d).is_rational:
            raise ArithmeticError(f"{self.p} + {self.q} sqrt({self.d}) is not rational")
        return self.p + self.q * sp.sqrt(self.d)


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
